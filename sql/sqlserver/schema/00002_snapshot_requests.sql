-- Snapshot requests (ferry snapshot, ferry verify --repair): which tables, or
-- which keys of a table, the leading relay reads and publishes as op "r".
-- The relay's position in Kafka holds the truth about a request's progress;
-- the columns below mirror it, at most one chunk behind, for `ferry snapshot
-- status` and `--wait`.

-- +goose Up
CREATE TABLE {{.Schema}}.[snapshot_request] (
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
CREATE INDEX [snapshot_request_open] ON {{.Schema}}.[snapshot_request] ([id]) WHERE [state] IN ('pending', 'running');

-- +goose Down
DROP TABLE {{.Schema}}.[snapshot_request];
