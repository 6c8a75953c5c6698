-- Ferry's capture schema, fourth version: heartbeats. The leading relay
-- calls heartbeat() every relay.heartbeat; the row it writes goes through
-- the outbox like a change (op 'h', table_id 0: no table), so a heartbeat
-- that reaches a target proves every stage between: the source took the
-- write, the relay read it, Kafka committed it, the applier applied the
-- partition up to it. It is never applied to a user table.

-- +goose Up
COMMENT ON TABLE {{.Schema}}.outbox IS 'ferry: captured changes waiting for the relay (op c/u/d/r/t; h heartbeat)';

-- SECURITY DEFINER, so that the relay's role needs EXECUTE on it and no
-- INSERT on the outbox. The row's ts (now(): its one-statement
-- transaction's start) is as close to its commit as a row's can be.
-- +goose StatementBegin
CREATE FUNCTION {{.Schema}}.heartbeat(interval_ms integer) RETURNS bigint
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  INSERT INTO {{.Schema}}.outbox (table_id, op, after)
  VALUES (0, 'h', pg_catalog.json_build_object('interval_ms', interval_ms))
  RETURNING seq
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION {{.Schema}}.heartbeat(integer) FROM PUBLIC;
COMMENT ON FUNCTION {{.Schema}}.heartbeat(integer) IS 'ferry: the relay''s heartbeat, written through the outbox';

-- +goose Down
DROP FUNCTION {{.Schema}}.heartbeat(integer);
COMMENT ON TABLE {{.Schema}}.outbox IS 'ferry: captured changes waiting for the relay (op c/u/d/r/t)';
