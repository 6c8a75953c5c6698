-- install
CREATE OR REPLACE FUNCTION "cdc"."capture_7_ins"() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
AS $ferry$
#variable_conflict use_variable
BEGIN
  IF EXISTS (SELECT FROM ferry_new OFFSET 1) THEN
    DECLARE
      jit pg_catalog.text := pg_catalog.current_setting('jit');
    BEGIN
      PERFORM pg_catalog.set_config('jit', 'off', true);
      INSERT INTO "cdc"."outbox" (table_id, op, changes, after)
      SELECT 7, 'C', pg_catalog.count(*), pg_catalog.json_agg(c.a ORDER BY c.s)
      FROM (SELECT x.a,
              pg_catalog.sum(COALESCE(pg_catalog.pg_column_size(x.a), 0) OPERATOR(pg_catalog.+) 1048) OVER (ROWS UNBOUNDED PRECEDING) AS s
            FROM (SELECT pg_catalog.row_to_json(pg_catalog.jsonb_populate_record(n.*, '{"ssn":null,"it''s":null}'::pg_catalog.jsonb)) AS a FROM ferry_new n
              OFFSET 0) AS x) AS c
      GROUP BY (c.s OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog./) 1048576
      ORDER BY (c.s OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog./) 1048576;
      PERFORM pg_catalog.set_config('jit', jit, true);
    END;
  ELSE
    INSERT INTO "cdc"."outbox" (table_id, op, after)
    SELECT 7, 'c', pg_catalog.row_to_json(pg_catalog.jsonb_populate_record(n.*, '{"ssn":null,"it''s":null}'::pg_catalog.jsonb)) FROM ferry_new n;
  END IF;
  RETURN NULL;
END
$ferry$;

COMMENT ON FUNCTION "cdc"."capture_7_ins"() IS 'ferry: captures insert of hr.people';

CREATE OR REPLACE FUNCTION "cdc"."capture_7_upd"() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
AS $ferry$
#variable_conflict use_variable
BEGIN
  IF EXISTS (SELECT FROM ferry_old OFFSET 1) THEN
    DECLARE
      jit pg_catalog.text := pg_catalog.current_setting('jit');
    BEGIN
      PERFORM pg_catalog.set_config('jit', 'off', true);
      INSERT INTO "cdc"."outbox" (table_id, op, changes, before, after)
      SELECT 7, 'U', pg_catalog.count(*), pg_catalog.json_agg(c.b ORDER BY c.s), pg_catalog.json_agg(c.a ORDER BY c.s)
      FROM (SELECT x.b, x.a,
              pg_catalog.sum(COALESCE(pg_catalog.pg_column_size(x.b), 0) OPERATOR(pg_catalog.+) COALESCE(pg_catalog.pg_column_size(x.a), 0) OPERATOR(pg_catalog.+) 1048) OVER (ORDER BY x.a IS NOT NULL, x.b IS NULL ROWS UNBOUNDED PRECEDING) AS s
            FROM (SELECT o.i AS b, n.i AS a
              FROM (SELECT pg_catalog.row_to_json(pg_catalog.jsonb_populate_record(o.*, '{"ssn":null,"it''s":null}'::pg_catalog.jsonb)) AS i FROM ferry_old o OFFSET 0) AS o
                FULL JOIN (SELECT pg_catalog.row_to_json(pg_catalog.jsonb_populate_record(n.*, '{"ssn":null,"it''s":null}'::pg_catalog.jsonb)) AS i FROM ferry_new n OFFSET 0) AS n
                  ON (o.i OPERATOR(pg_catalog.->>) 'a') COLLATE pg_catalog."C" OPERATOR(pg_catalog.=) (n.i OPERATOR(pg_catalog.->>) 'a') COLLATE pg_catalog."C"
                 AND (o.i OPERATOR(pg_catalog.->>) 'b') COLLATE pg_catalog."C" OPERATOR(pg_catalog.=) (n.i OPERATOR(pg_catalog.->>) 'b') COLLATE pg_catalog."C"
              OFFSET 0) AS x) AS c
      GROUP BY (c.s OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog./) 1048576
      ORDER BY (c.s OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog./) 1048576;
      PERFORM pg_catalog.set_config('jit', jit, true);
    END;
  ELSE
    INSERT INTO "cdc"."outbox" (table_id, op, before, after)
    SELECT 7, CASE WHEN n.i IS NULL THEN 'd' WHEN o.i IS NULL THEN 'c' ELSE 'u' END, o.i, n.i
    FROM (SELECT pg_catalog.row_to_json(pg_catalog.jsonb_populate_record(o.*, '{"ssn":null,"it''s":null}'::pg_catalog.jsonb)) AS i FROM ferry_old o OFFSET 0) AS o
    FULL JOIN (SELECT pg_catalog.row_to_json(pg_catalog.jsonb_populate_record(n.*, '{"ssn":null,"it''s":null}'::pg_catalog.jsonb)) AS i FROM ferry_new n OFFSET 0) AS n
      ON (o.i OPERATOR(pg_catalog.->>) 'a') COLLATE pg_catalog."C" OPERATOR(pg_catalog.=) (n.i OPERATOR(pg_catalog.->>) 'a') COLLATE pg_catalog."C"
     AND (o.i OPERATOR(pg_catalog.->>) 'b') COLLATE pg_catalog."C" OPERATOR(pg_catalog.=) (n.i OPERATOR(pg_catalog.->>) 'b') COLLATE pg_catalog."C"
    ORDER BY n.i IS NOT NULL, o.i IS NULL;
  END IF;
  RETURN NULL;
END
$ferry$;

COMMENT ON FUNCTION "cdc"."capture_7_upd"() IS 'ferry: captures update of hr.people';

CREATE OR REPLACE FUNCTION "cdc"."capture_7_del"() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
AS $ferry$
#variable_conflict use_variable
BEGIN
  IF EXISTS (SELECT FROM ferry_old OFFSET 1) THEN
    DECLARE
      jit pg_catalog.text := pg_catalog.current_setting('jit');
    BEGIN
      PERFORM pg_catalog.set_config('jit', 'off', true);
      INSERT INTO "cdc"."outbox" (table_id, op, changes, before)
      SELECT 7, 'D', pg_catalog.count(*), pg_catalog.json_agg(c.b ORDER BY c.s)
      FROM (SELECT x.b,
              pg_catalog.sum(COALESCE(pg_catalog.pg_column_size(x.b), 0) OPERATOR(pg_catalog.+) 1048) OVER (ROWS UNBOUNDED PRECEDING) AS s
            FROM (SELECT pg_catalog.row_to_json(pg_catalog.jsonb_populate_record(o.*, '{"ssn":null,"it''s":null}'::pg_catalog.jsonb)) AS b FROM ferry_old o
              OFFSET 0) AS x) AS c
      GROUP BY (c.s OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog./) 1048576
      ORDER BY (c.s OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog./) 1048576;
      PERFORM pg_catalog.set_config('jit', jit, true);
    END;
  ELSE
    INSERT INTO "cdc"."outbox" (table_id, op, before)
    SELECT 7, 'd', pg_catalog.row_to_json(pg_catalog.jsonb_populate_record(o.*, '{"ssn":null,"it''s":null}'::pg_catalog.jsonb)) FROM ferry_old o;
  END IF;
  RETURN NULL;
END
$ferry$;

COMMENT ON FUNCTION "cdc"."capture_7_del"() IS 'ferry: captures delete of hr.people';

CREATE OR REPLACE FUNCTION "cdc"."capture_7_trunc"() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
AS $ferry$
#variable_conflict use_variable
BEGIN
  INSERT INTO "cdc"."outbox" (table_id, op) VALUES (7, 't');
  RETURN NULL;
END
$ferry$;

COMMENT ON FUNCTION "cdc"."capture_7_trunc"() IS 'ferry: captures truncate of hr.people';

DO $ferry$
DECLARE
  stray record;
BEGIN
  FOR stray IN
    SELECT t.tgname, t.tgrelid::pg_catalog.regclass::pg_catalog.text AS rel
    FROM pg_catalog.pg_trigger t
    JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) t.tgfoid
    WHERE p.pronamespace OPERATOR(pg_catalog.=) '"cdc"'::pg_catalog.regnamespace
      AND p.proname OPERATOR(pg_catalog.=) ANY (ARRAY['capture_7_ins', 'capture_7_upd', 'capture_7_del', 'capture_7_trunc', 'capture_7_row', 'capture_7_image']::pg_catalog.name[])
      AND t.tgparentid OPERATOR(pg_catalog.=) 0
      AND t.tgrelid OPERATOR(pg_catalog.<>) '"hr"."people"'::pg_catalog.regclass
      AND t.tgrelid OPERATOR(pg_catalog.<>) ALL (SELECT pt.relid FROM pg_catalog.pg_partition_tree('"hr"."people"'::pg_catalog.regclass) pt)
  LOOP
    EXECUTE 'DROP TRIGGER ' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(stray.tgname) OPERATOR(pg_catalog.||) ' ON ' OPERATOR(pg_catalog.||) stray.rel;
  END LOOP;
END
$ferry$;

DROP TRIGGER IF EXISTS "cdc_capture_ins" ON "hr"."people";

CREATE TRIGGER "cdc_capture_ins" AFTER INSERT ON "hr"."people" REFERENCING NEW TABLE AS ferry_new
FOR EACH STATEMENT EXECUTE FUNCTION "cdc"."capture_7_ins"();

ALTER TABLE "hr"."people" ENABLE ALWAYS TRIGGER "cdc_capture_ins";

DROP TRIGGER IF EXISTS "cdc_capture_upd" ON "hr"."people";

CREATE TRIGGER "cdc_capture_upd" AFTER UPDATE ON "hr"."people" REFERENCING OLD TABLE AS ferry_old NEW TABLE AS ferry_new
FOR EACH STATEMENT EXECUTE FUNCTION "cdc"."capture_7_upd"();

ALTER TABLE "hr"."people" ENABLE ALWAYS TRIGGER "cdc_capture_upd";

DROP TRIGGER IF EXISTS "cdc_capture_del" ON "hr"."people";

CREATE TRIGGER "cdc_capture_del" AFTER DELETE ON "hr"."people" REFERENCING OLD TABLE AS ferry_old
FOR EACH STATEMENT EXECUTE FUNCTION "cdc"."capture_7_del"();

ALTER TABLE "hr"."people" ENABLE ALWAYS TRIGGER "cdc_capture_del";

DROP TRIGGER IF EXISTS "cdc_capture_trunc" ON "hr"."people";

CREATE TRIGGER "cdc_capture_trunc" AFTER TRUNCATE ON "hr"."people"
FOR EACH STATEMENT EXECUTE FUNCTION "cdc"."capture_7_trunc"();

ALTER TABLE "hr"."people" ENABLE ALWAYS TRIGGER "cdc_capture_trunc";

INSERT INTO "cdc"."captured" (id, schema_name, table_name, key_columns, excluded, columns, ddl_hash)
VALUES (7, 'hr', 'people', ARRAY['a', 'b']::pg_catalog.text[], ARRAY['ssn', 'it''s']::pg_catalog.text[], '[{"name":"a","type":"integer","kind":"","nullable":false},{"name":"b","type":"text","kind":"","nullable":false},{"name":"ssn","type":"text","kind":"","nullable":false},{"name":"it''s","type":"text","kind":"","nullable":false}]'::jsonb, '0123456789abcdef')
ON CONFLICT (id) DO UPDATE SET
  schema_name = EXCLUDED.schema_name, table_name = EXCLUDED.table_name,
  key_columns = EXCLUDED.key_columns, excluded = EXCLUDED.excluded,
  columns = EXCLUDED.columns, ddl_hash = EXCLUDED.ddl_hash, updated_at = now();

-- remove
DROP FUNCTION IF EXISTS "cdc"."capture_7_ins"() CASCADE;
DROP FUNCTION IF EXISTS "cdc"."capture_7_upd"() CASCADE;
DROP FUNCTION IF EXISTS "cdc"."capture_7_del"() CASCADE;
DROP FUNCTION IF EXISTS "cdc"."capture_7_trunc"() CASCADE;
DROP FUNCTION IF EXISTS "cdc"."capture_7_row"() CASCADE;
DROP FUNCTION IF EXISTS "cdc"."capture_7_image"(anyelement, pg_catalog.oid) CASCADE;
DELETE FROM "cdc"."captured" WHERE id = 7;
