-- Ferry's capture schema for PostgreSQL: the outbox the triggers write, the
-- registry of captured tables, and the relay's offset record.

-- +goose Up
-- One row per changed row. seq is taken after the row's lock is held, so for
-- one key it follows commit order; txid says which transaction wrote the row,
-- which lets the relay read only what has committed (design.md, traps 1-2).
-- CACHE 1 keeps seq increasing across sessions: a cached block per session
-- would let a later change of a key take a smaller number.
CREATE TABLE {{.Schema}}.outbox (
    seq      bigint GENERATED ALWAYS AS IDENTITY (CACHE 1) PRIMARY KEY,
    txid     xid8 NOT NULL DEFAULT pg_current_xact_id(),
    table_id integer NOT NULL,
    op       "char" NOT NULL,
    ts       timestamptz NOT NULL DEFAULT now(),
    before   json,
    after    json
);
COMMENT ON TABLE {{.Schema}}.outbox IS 'ferry: captured changes waiting for the relay (op c/u/d/r)';

CREATE TABLE {{.Schema}}.captured (
    id          integer PRIMARY KEY,
    schema_name text NOT NULL,
    table_name  text NOT NULL,
    key_columns text[] NOT NULL,
    excluded    text[] NOT NULL,
    columns     jsonb NOT NULL,
    ddl_hash    text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (schema_name, table_name)
);
COMMENT ON TABLE {{.Schema}}.captured IS 'ferry: tables captured into the outbox, written by ferry migrate';

-- The relay's committed position is kept in Kafka, with the changes it
-- covers; this copy tells the purge job what is safe to delete and lets
-- operators see where each relay stands.
CREATE TABLE {{.Schema}}.relay_offset (
    source       text PRIMARY KEY,
    position     jsonb NOT NULL,
    safe_seq     bigint NOT NULL,
    committed_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE {{.Schema}}.relay_offset IS 'ferry: last position each relay committed to Kafka';

-- +goose Down
DROP TABLE {{.Schema}}.relay_offset;
DROP TABLE {{.Schema}}.captured;
DROP TABLE {{.Schema}}.outbox;
