-- Ferry's capture schema, fifth version: a statement that changes more than
-- one row writes its changes in chunks, one outbox row per chunk, rather
-- than one row per changed row. The outbox row's op is then upper case
-- (C, U or D) and its images are JSON arrays, element i of before and
-- after being change i (a JSON null where the change has no such image);
-- changes counts them. A relay older than this version stops on such a
-- row ("op C is not one of ..."), so upgrade the relay first. The trigger
-- functions change with the next `ferry migrate up`.

-- +goose Up
ALTER TABLE {{.Schema}}.outbox ADD COLUMN changes integer;
COMMENT ON COLUMN {{.Schema}}.outbox.changes IS 'ferry: NULL for one change; for a chunk (op C/U/D), how many its image arrays hold';
COMMENT ON TABLE {{.Schema}}.outbox IS 'ferry: captured changes waiting for the relay (op c/u/d/r/t; C/U/D chunks of a statement; h heartbeat)';

-- A chunk of a thousand changes is some hundred KB of repetitive JSON,
-- which lz4 compresses several times faster than PostgreSQL's default
-- (pglz). A server built without lz4 (feature_not_supported), or older
-- than PostgreSQL 14 (syntax_error), keeps the default.
-- +goose StatementBegin
DO $$
BEGIN
  EXECUTE 'ALTER TABLE {{.Schema}}.outbox ALTER COLUMN before SET COMPRESSION lz4, ALTER COLUMN after SET COMPRESSION lz4';
EXCEPTION WHEN feature_not_supported OR syntax_error THEN
  NULL;
END
$$;
-- +goose StatementEnd

-- One row per change, chunks expanded, for operators and tests: what the
-- outbox holds as the relay reads it. change numbers a chunk's changes
-- from 1 (1 for a row that is one change).
CREATE VIEW {{.Schema}}.outbox_changes AS
SELECT o.seq, 1::bigint AS change, o.txid, o.table_id, o.op, o.ts, o.before, o.after
FROM {{.Schema}}.outbox o
WHERE o.changes IS NULL
UNION ALL
SELECT o.seq, e.change, o.txid, o.table_id,
  (CASE WHEN e.before IS NULL THEN 'c' WHEN e.after IS NULL THEN 'd' ELSE 'u' END)::"char",
  o.ts, e.before, e.after
FROM {{.Schema}}.outbox o
CROSS JOIN LATERAL (
  SELECT change,
    CASE WHEN json_typeof(b.v) <> 'null' THEN b.v END AS before,
    CASE WHEN json_typeof(a.v) <> 'null' THEN a.v END AS after
  FROM json_array_elements(o.before) WITH ORDINALITY AS b(v, change)
  FULL JOIN json_array_elements(o.after) WITH ORDINALITY AS a(v, change) USING (change)
) e
WHERE o.changes IS NOT NULL;
COMMENT ON VIEW {{.Schema}}.outbox_changes IS 'ferry: the outbox, one row per change (chunks expanded)';

-- +goose Down
DROP VIEW {{.Schema}}.outbox_changes;
-- +goose StatementBegin
DO $$
BEGIN
  EXECUTE 'ALTER TABLE {{.Schema}}.outbox ALTER COLUMN before SET COMPRESSION default, ALTER COLUMN after SET COMPRESSION default';
EXCEPTION WHEN syntax_error THEN
  NULL;
END
$$;
-- +goose StatementEnd
ALTER TABLE {{.Schema}}.outbox DROP COLUMN changes;
COMMENT ON TABLE {{.Schema}}.outbox IS 'ferry: captured changes waiting for the relay (op c/u/d/r/t; h heartbeat)';
