-- Ferry's capture schema, second version: TRUNCATE is captured as op 't',
-- and images carry exactly the values that row_to_json cannot. The
-- trigger functions themselves change with the next `ferry migrate up`,
-- which replaces every table's capture in one transaction.

-- +goose Up
COMMENT ON TABLE {{.Schema}}.outbox IS 'ferry: captured changes waiting for the relay (op c/u/d/r/t)';

-- row_to_json loses a few values: an array's bounds when they do not start
-- at 1 ('[0:2]={7,8,9}' becomes [7,8,9]), a json[] element that is itself a
-- JSON array (read back as a further dimension), a json or jsonb value
-- that is JSON null (it prints as SQL NULL does) and a json value's
-- leading and trailing white space. A table's capture function finds the
-- rare image that reads back differently from its row and calls this for
-- it: it writes each such array as its text form, bounds included, and
-- each such json value's exact text in the member "ferry:json", first in
-- the image. The settings make those texts the same from every session. r
-- is a row of rel; columns are looked up by name at the time of the call,
-- so no column is ever named in code that a later ALTER TABLE could break.
-- +goose StatementBegin
CREATE FUNCTION {{.Schema}}.exact_image(image json, r anyelement, rel regclass) RETURNS json
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
  texts text := '';
  member record;
  exact boolean;
  value text;
BEGIN
  FOR member IN
    SELECT e.key, e.value, ty.typcategory = 'A' AS is_array,
      coalesce(nullif(ty.typbasetype, 0), ty.oid) IN ('json'::regtype, 'jsonb'::regtype) AS is_json
    FROM json_each(image) WITH ORDINALITY AS e(key, value, ord)
    LEFT JOIN pg_attribute a ON a.attrelid = rel AND a.attname = e.key AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_type ty ON ty.oid = a.atttypid
    ORDER BY e.ord
  LOOP
    value := member.value::text;
    IF member.is_array OR member.is_json THEN
      -- r is a transition table's row, an anonymous record whose fields
      -- SQL cannot name: its text form read as rel's row type can.
      EXECUTE format('SELECT ((($1::text)::%1$s).%2$I)::text, ((($1::text)::%1$s).%2$I)::text IS NOT DISTINCT FROM '
                     '(json_populate_record(NULL::%1$s, $2)).%2$I::text', rel, member.key)
        INTO value, exact USING r, json_build_object(member.key, member.value);
      IF exact THEN
        value := member.value::text;
      ELSIF member.is_array THEN
        value := to_json(value)::text;
      ELSE
        IF texts <> '' THEN
          texts := texts || ',';
        END IF;
        texts := texts || to_json(member.key)::text || ':' || to_json(value)::text;
        value := member.value::text;
      END IF;
    END IF;
    IF body <> '' THEN
      body := body || ',';
    END IF;
    body := body || to_json(member.key)::text || ':' || value;
  END LOOP;
  IF texts <> '' THEN
    body := '"ferry:json":{' || texts || '}' || CASE WHEN body <> '' THEN ',' ELSE '' END || body;
  END IF;
  RETURN ('{' || body || '}')::json;
END
$$;
-- +goose StatementEnd
COMMENT ON FUNCTION {{.Schema}}.exact_image(json, anyelement, regclass) IS 'ferry: writes exactly the values of an image that row_to_json cannot';

-- +goose Down
DROP FUNCTION {{.Schema}}.exact_image(json, anyelement, regclass);
COMMENT ON TABLE {{.Schema}}.outbox IS 'ferry: captured changes waiting for the relay (op c/u/d/r)';
