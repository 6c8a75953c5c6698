-- Ferry's capture schema, second version: TRUNCATE is captured as op 't',
-- and arrays whose bounds do not start at 1 keep them. The trigger
-- functions themselves change with the next `ferry migrate up`, which
-- replaces every table's capture in one transaction.

-- +goose Up
COMMENT ON TABLE {{.Schema}}.outbox IS 'ferry: captured changes waiting for the relay (op c/u/d/r/t)';

-- row_to_json writes '[0:2]={7,8,9}' as [7,8,9]. For the rare row whose
-- image the table's bounds check finds inexact, this writes each array
-- whose lower bounds are not all 1 as its text form, bounds included, in
-- settings that make that text the same from every session. r is a row of
-- rel; columns are looked up by name at the time of the call, so no column
-- is ever named in code that a later ALTER TABLE could break.
-- +goose StatementBegin
CREATE FUNCTION {{.Schema}}.bounded_arrays(image json, r anyelement, rel regclass) RETURNS json
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET datestyle = 'ISO, YMD'
SET timezone = 'UTC'
SET intervalstyle = 'iso_8601'
SET extra_float_digits = 1
SET bytea_output = 'hex'
AS $$
DECLARE
  body text := '';
  member record;
  dims text;
  value text;
BEGIN
  FOR member IN
    SELECT e.key, e.value, coalesce(ty.typcategory = 'A', false) AS is_array
    FROM json_each(image) WITH ORDINALITY AS e(key, value, ord)
    LEFT JOIN pg_attribute a ON a.attrelid = rel AND a.attname = e.key AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_type ty ON ty.oid = a.atttypid
    ORDER BY e.ord
  LOOP
    value := member.value::text;
    IF member.is_array AND json_typeof(member.value) = 'array' THEN
      -- r is a transition table's row, an anonymous record whose fields
      -- SQL cannot name: its text form read as rel's row type can.
      EXECUTE format('SELECT array_dims((($1::text)::%s).%I), ((($1::text)::%s).%I)::text', rel, member.key, rel, member.key)
        INTO dims, value USING r;
      IF dims ~ '^(\[1:[0-9]+\])+$' THEN
        value := member.value::text;
      ELSE
        value := to_json(value)::text;
      END IF;
    END IF;
    IF body <> '' THEN
      body := body || ',';
    END IF;
    body := body || to_json(member.key)::text || ':' || value;
  END LOOP;
  RETURN ('{' || body || '}')::json;
END
$$;
-- +goose StatementEnd
COMMENT ON FUNCTION {{.Schema}}.bounded_arrays(json, anyelement, regclass) IS 'ferry: writes arrays with bounds other than 1 as text in an image';

-- +goose Down
DROP FUNCTION {{.Schema}}.bounded_arrays(json, anyelement, regclass);
COMMENT ON TABLE {{.Schema}}.outbox IS 'ferry: captured changes waiting for the relay (op c/u/d/r)';
