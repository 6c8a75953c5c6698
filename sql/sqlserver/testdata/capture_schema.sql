IF SCHEMA_ID(N'ferry') IS NULL EXEC(N'CREATE SCHEMA [ferry]');
GO
-- Ferry's capture schema for SQL Server: the outbox the triggers write, the
-- registry of captured tables, and the relay's offset record.

-- +goose Up
-- One row per changed row and statement. rv is stamped when the row is
-- written, under the lock of the captured row, so for one key it follows
-- commit order; the relay reads only below MIN_ACTIVE_ROWVERSION(), where
-- every row has committed (sql/sqlserver/outbox.go). The table is
-- insert-only: an UPDATE would give a row a new rv and move it. txid is
-- the writer's transaction, for the envelope.
CREATE TABLE [ferry].[outbox] (
    [rv]       rowversion NOT NULL,
    [txid]     bigint NOT NULL CONSTRAINT [outbox_txid] DEFAULT (CURRENT_TRANSACTION_ID()),
    [table_id] int NOT NULL,
    [op]       char(1) NOT NULL,
    [ts]       datetime2(7) NOT NULL CONSTRAINT [outbox_ts] DEFAULT (SYSUTCDATETIME()),
    [before]   nvarchar(max) NULL,
    [after]    nvarchar(max) NULL,
    CONSTRAINT [outbox_pk] PRIMARY KEY CLUSTERED ([rv])
);

-- The purge deletes thousands of rows at a time: escalated to a table
-- lock, it would stop every captured write until it commits.
ALTER TABLE [ferry].[outbox] SET (LOCK_ESCALATION = DISABLE);

CREATE TABLE [ferry].[captured] (
    [id]          int NOT NULL CONSTRAINT [captured_pk] PRIMARY KEY,
    [schema_name] nvarchar(128) NOT NULL,
    [table_name]  nvarchar(128) NOT NULL,
    [key_columns] nvarchar(max) NOT NULL,
    [excluded]    nvarchar(max) NOT NULL,
    [columns]     nvarchar(max) NOT NULL,
    [ddl_hash]    varchar(64) NOT NULL,
    [updated_at]  datetime2(7) NOT NULL CONSTRAINT [captured_updated_at] DEFAULT (SYSUTCDATETIME()),
    CONSTRAINT [captured_name] UNIQUE ([schema_name], [table_name])
);

-- The relay's committed position is kept in Kafka, with the changes it
-- covers; this copy lets operators see where each relay stands.
CREATE TABLE [ferry].[relay_offset] (
    [source]       nvarchar(200) NOT NULL CONSTRAINT [relay_offset_pk] PRIMARY KEY,
    [position]     nvarchar(max) NOT NULL,
    [safe_rv]      bigint NOT NULL,
    [committed_at] datetime2(7) NOT NULL CONSTRAINT [relay_offset_committed_at] DEFAULT (SYSUTCDATETIME())
);

-- +goose Down
DROP TABLE [ferry].[relay_offset];
DROP TABLE [ferry].[captured];
DROP TABLE [ferry].[outbox];
GO
-- Snapshot requests (ferry snapshot, ferry verify --repair): which tables, or
-- which keys of a table, the leading relay reads and publishes as op "r".
-- The relay's position in Kafka holds the truth about a request's progress;
-- the columns below mirror it, at most one chunk behind, for `ferry snapshot
-- status` and `--wait`.

-- +goose Up
CREATE TABLE [ferry].[snapshot_request] (
    [id]             bigint IDENTITY(1,1) NOT NULL CONSTRAINT [snapshot_request_pk] PRIMARY KEY,
    [table_id]       int NOT NULL,
    [schema_name]    nvarchar(128) NOT NULL,
    [table_name]     nvarchar(128) NOT NULL,
    -- NULL: the whole table; else a JSON array of keys to read again, each
    -- a JSON object in the change envelope's forms, like a Kafka key.
    [keys]           nvarchar(max) NULL CONSTRAINT [snapshot_request_keys] CHECK ([keys] IS NULL OR ISJSON([keys]) = 1),
    [chunk_size]     int NOT NULL CONSTRAINT [snapshot_request_chunk_size] CHECK ([chunk_size] > 0),
    -- rows a second at most; 0: as fast as the relay goes
    [max_rate]       int NOT NULL CONSTRAINT [snapshot_request_max_rate] DEFAULT (0) CHECK ([max_rate] >= 0),
    [state]          varchar(16) NOT NULL CONSTRAINT [snapshot_request_state] DEFAULT ('pending')
                     CHECK ([state] IN ('pending', 'running', 'done', 'cancelled', 'failed')),
    [rows_done]      bigint NOT NULL CONSTRAINT [snapshot_request_rows_done] DEFAULT (0),
    [rows_estimated] bigint NULL,
    [last_key]       nvarchar(max) NULL,
    [error]          nvarchar(max) NULL,
    [requested_at]   datetime2(7) NOT NULL CONSTRAINT [snapshot_request_requested_at] DEFAULT (SYSUTCDATETIME()),
    [started_at]     datetime2(7) NULL,
    [finished_at]    datetime2(7) NULL,
    [updated_at]     datetime2(7) NOT NULL CONSTRAINT [snapshot_request_updated_at] DEFAULT (SYSUTCDATETIME())
);
CREATE INDEX [snapshot_request_open] ON [ferry].[snapshot_request] ([id]) WHERE [state] IN ('pending', 'running');

-- +goose Down
DROP TABLE [ferry].[snapshot_request];
GO
-- Heartbeats: the leading relay runs heartbeat every relay.heartbeat; the
-- row it writes goes through the outbox like a change (op 'h', table_id 0:
-- no table), so a heartbeat that reaches a target proves every stage
-- between: the source took the write, the relay read it, Kafka committed
-- it, the applier applied the partition up to it. It is never applied to
-- a user table.

-- +goose Up
-- EXECUTE AS OWNER, so that the relay's user needs EXECUTE on the
-- procedure and no INSERT on the outbox.
-- +goose StatementBegin
CREATE PROCEDURE [ferry].[heartbeat] @interval_ms int
WITH EXECUTE AS OWNER
AS
BEGIN
    SET NOCOUNT ON;
    INSERT INTO [ferry].[outbox] ([table_id], [op], [after])
    VALUES (0, 'h', CONCAT(N'{"interval_ms":', @interval_ms, N'}'));
END;
-- +goose StatementEnd

-- +goose Down
DROP PROCEDURE [ferry].[heartbeat];
