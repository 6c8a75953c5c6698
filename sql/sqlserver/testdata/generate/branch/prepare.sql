-- Run before the migrations below: goose keeps its version tables
-- (goose_capture, goose_triggers) in the capture schema.
IF SCHEMA_ID(N'ferry') IS NULL EXEC(N'CREATE SCHEMA [ferry]');
