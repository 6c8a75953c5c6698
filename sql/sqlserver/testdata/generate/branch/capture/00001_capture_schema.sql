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
