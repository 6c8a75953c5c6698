-- Snapshot requests (ferry snapshot, ferry verify --repair): which tables, or
-- which keys of a table, the leading relay reads and publishes as op "r".
-- The relay's position in Kafka, written in the same Kafka transaction as
-- each chunk, holds the truth about a request's progress; the columns below
-- mirror it after each commit, at most one chunk behind, for `ferry snapshot
-- status` and `--wait`.

-- +goose Up
CREATE TABLE {{.Schema}}.snapshot_request (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    table_id       integer NOT NULL,
    schema_name    text NOT NULL,
    table_name     text NOT NULL,
    -- NULL: the whole table; else a JSON array of keys to read again, each
    -- a JSON object in the change envelope's forms, like a Kafka key.
    keys           jsonb,
    chunk_size     integer NOT NULL CHECK (chunk_size > 0),
    -- rows a second at most; 0: as fast as the relay goes
    max_rate       integer NOT NULL DEFAULT 0 CHECK (max_rate >= 0),
    state          text NOT NULL DEFAULT 'pending'
                   CHECK (state IN ('pending', 'running', 'done', 'cancelled', 'failed')),
    rows_done      bigint NOT NULL DEFAULT 0,
    rows_estimated bigint,
    last_key       text,
    error          text,
    requested_at   timestamptz NOT NULL DEFAULT now(),
    started_at     timestamptz,
    finished_at    timestamptz,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX snapshot_request_open ON {{.Schema}}.snapshot_request (id) WHERE state IN ('pending', 'running');
COMMENT ON TABLE {{.Schema}}.snapshot_request IS 'ferry: snapshot requests and a mirror of their progress (the truth is in the relay''s Kafka position)';

-- +goose Down
DROP TABLE {{.Schema}}.snapshot_request;
