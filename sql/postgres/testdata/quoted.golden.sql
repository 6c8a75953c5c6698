-- install
CREATE OR REPLACE FUNCTION "ferry"."capture_3_ins"() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
AS $ferry$
#variable_conflict use_variable
BEGIN
  IF EXISTS (SELECT FROM ferry_new OFFSET 1) THEN
    DECLARE
      jit pg_catalog.text := pg_catalog.current_setting('jit');
    BEGIN
      PERFORM pg_catalog.set_config('jit', 'off', true);
      INSERT INTO "ferry"."outbox" (table_id, op, changes, after)
      SELECT 3, 'C', pg_catalog.count(*), pg_catalog.json_agg(c.a ORDER BY c.s)
      FROM (SELECT x.a,
              pg_catalog.sum(COALESCE(pg_catalog.pg_column_size(x.a), 0) OPERATOR(pg_catalog.+) 1048) OVER (ROWS UNBOUNDED PRECEDING) AS s
            FROM (SELECT pg_catalog.row_to_json(n.*) AS a FROM ferry_new n
              OFFSET 0) AS x) AS c
      GROUP BY (c.s OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog./) 1048576
      ORDER BY (c.s OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog./) 1048576;
      PERFORM pg_catalog.set_config('jit', jit, true);
    END;
  ELSE
    INSERT INTO "ferry"."outbox" (table_id, op, after)
    SELECT 3, 'c', pg_catalog.row_to_json(n.*) FROM ferry_new n;
  END IF;
  RETURN NULL;
END
$ferry$;

COMMENT ON FUNCTION "ferry"."capture_3_ins"() IS 'ferry: captures insert of My Schema.x"; DROP TABLE victim; --';

CREATE OR REPLACE FUNCTION "ferry"."capture_3_upd"() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
AS $ferry$
#variable_conflict use_variable
BEGIN
  IF EXISTS (SELECT FROM ferry_old OFFSET 1) THEN
    DECLARE
      jit pg_catalog.text := pg_catalog.current_setting('jit');
    BEGIN
      PERFORM pg_catalog.set_config('jit', 'off', true);
      INSERT INTO "ferry"."outbox" (table_id, op, changes, before, after)
      SELECT 3, 'U', pg_catalog.count(*), pg_catalog.json_agg(c.b ORDER BY c.s), pg_catalog.json_agg(c.a ORDER BY c.s)
      FROM (SELECT x.b, x.a,
              pg_catalog.sum(COALESCE(pg_catalog.pg_column_size(x.b), 0) OPERATOR(pg_catalog.+) COALESCE(pg_catalog.pg_column_size(x.a), 0) OPERATOR(pg_catalog.+) 1048) OVER (ORDER BY x.a IS NOT NULL, x.b IS NULL ROWS UNBOUNDED PRECEDING) AS s
            FROM (SELECT o.i AS b, n.i AS a
              FROM (SELECT pg_catalog.row_to_json(o.*) AS i FROM ferry_old o OFFSET 0) AS o
                FULL JOIN (SELECT pg_catalog.row_to_json(n.*) AS i FROM ferry_new n OFFSET 0) AS n
                  ON (o.i OPERATOR(pg_catalog.->>) 'select') COLLATE pg_catalog."C" OPERATOR(pg_catalog.=) (n.i OPERATOR(pg_catalog.->>) 'select') COLLATE pg_catalog."C"
              OFFSET 0) AS x) AS c
      GROUP BY (c.s OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog./) 1048576
      ORDER BY (c.s OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog./) 1048576;
      PERFORM pg_catalog.set_config('jit', jit, true);
    END;
  ELSE
    INSERT INTO "ferry"."outbox" (table_id, op, before, after)
    SELECT 3, CASE WHEN n.i IS NULL THEN 'd' WHEN o.i IS NULL THEN 'c' ELSE 'u' END, o.i, n.i
    FROM (SELECT pg_catalog.row_to_json(o.*) AS i FROM ferry_old o OFFSET 0) AS o
    FULL JOIN (SELECT pg_catalog.row_to_json(n.*) AS i FROM ferry_new n OFFSET 0) AS n
      ON (o.i OPERATOR(pg_catalog.->>) 'select') COLLATE pg_catalog."C" OPERATOR(pg_catalog.=) (n.i OPERATOR(pg_catalog.->>) 'select') COLLATE pg_catalog."C"
    ORDER BY n.i IS NOT NULL, o.i IS NULL;
  END IF;
  RETURN NULL;
END
$ferry$;

COMMENT ON FUNCTION "ferry"."capture_3_upd"() IS 'ferry: captures update of My Schema.x"; DROP TABLE victim; --';

CREATE OR REPLACE FUNCTION "ferry"."capture_3_del"() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
AS $ferry$
#variable_conflict use_variable
BEGIN
  IF EXISTS (SELECT FROM ferry_old OFFSET 1) THEN
    DECLARE
      jit pg_catalog.text := pg_catalog.current_setting('jit');
    BEGIN
      PERFORM pg_catalog.set_config('jit', 'off', true);
      INSERT INTO "ferry"."outbox" (table_id, op, changes, before)
      SELECT 3, 'D', pg_catalog.count(*), pg_catalog.json_agg(c.b ORDER BY c.s)
      FROM (SELECT x.b,
              pg_catalog.sum(COALESCE(pg_catalog.pg_column_size(x.b), 0) OPERATOR(pg_catalog.+) 1048) OVER (ROWS UNBOUNDED PRECEDING) AS s
            FROM (SELECT pg_catalog.row_to_json(o.*) AS b FROM ferry_old o
              OFFSET 0) AS x) AS c
      GROUP BY (c.s OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog./) 1048576
      ORDER BY (c.s OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog./) 1048576;
      PERFORM pg_catalog.set_config('jit', jit, true);
    END;
  ELSE
    INSERT INTO "ferry"."outbox" (table_id, op, before)
    SELECT 3, 'd', pg_catalog.row_to_json(o.*) FROM ferry_old o;
  END IF;
  RETURN NULL;
END
$ferry$;

COMMENT ON FUNCTION "ferry"."capture_3_del"() IS 'ferry: captures delete of My Schema.x"; DROP TABLE victim; --';

CREATE OR REPLACE FUNCTION "ferry"."capture_3_trunc"() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
AS $ferry$
#variable_conflict use_variable
BEGIN
  INSERT INTO "ferry"."outbox" (table_id, op) VALUES (3, 't');
  RETURN NULL;
END
$ferry$;

COMMENT ON FUNCTION "ferry"."capture_3_trunc"() IS 'ferry: captures truncate of My Schema.x"; DROP TABLE victim; --';

DO $ferry$
DECLARE
  stray record;
BEGIN
  FOR stray IN
    SELECT t.tgname, t.tgrelid::pg_catalog.regclass::pg_catalog.text AS rel
    FROM pg_catalog.pg_trigger t
    JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) t.tgfoid
    WHERE p.pronamespace OPERATOR(pg_catalog.=) '"ferry"'::pg_catalog.regnamespace
      AND p.proname OPERATOR(pg_catalog.=) ANY (ARRAY['capture_3_ins', 'capture_3_upd', 'capture_3_del', 'capture_3_trunc', 'capture_3_row', 'capture_3_image']::pg_catalog.name[])
      AND t.tgparentid OPERATOR(pg_catalog.=) 0
      AND t.tgrelid OPERATOR(pg_catalog.<>) '"My Schema"."x""; DROP TABLE victim; --"'::pg_catalog.regclass
      AND t.tgrelid OPERATOR(pg_catalog.<>) ALL (SELECT pt.relid FROM pg_catalog.pg_partition_tree('"My Schema"."x""; DROP TABLE victim; --"'::pg_catalog.regclass) pt)
  LOOP
    EXECUTE 'DROP TRIGGER ' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(stray.tgname) OPERATOR(pg_catalog.||) ' ON ' OPERATOR(pg_catalog.||) stray.rel;
  END LOOP;
END
$ferry$;

DROP TRIGGER IF EXISTS "ferry_capture_ins" ON "My Schema"."x""; DROP TABLE victim; --";

CREATE TRIGGER "ferry_capture_ins" AFTER INSERT ON "My Schema"."x""; DROP TABLE victim; --" REFERENCING NEW TABLE AS ferry_new
FOR EACH STATEMENT EXECUTE FUNCTION "ferry"."capture_3_ins"();

ALTER TABLE "My Schema"."x""; DROP TABLE victim; --" ENABLE ALWAYS TRIGGER "ferry_capture_ins";

DROP TRIGGER IF EXISTS "ferry_capture_upd" ON "My Schema"."x""; DROP TABLE victim; --";

CREATE TRIGGER "ferry_capture_upd" AFTER UPDATE ON "My Schema"."x""; DROP TABLE victim; --" REFERENCING OLD TABLE AS ferry_old NEW TABLE AS ferry_new
FOR EACH STATEMENT EXECUTE FUNCTION "ferry"."capture_3_upd"();

ALTER TABLE "My Schema"."x""; DROP TABLE victim; --" ENABLE ALWAYS TRIGGER "ferry_capture_upd";

DROP TRIGGER IF EXISTS "ferry_capture_del" ON "My Schema"."x""; DROP TABLE victim; --";

CREATE TRIGGER "ferry_capture_del" AFTER DELETE ON "My Schema"."x""; DROP TABLE victim; --" REFERENCING OLD TABLE AS ferry_old
FOR EACH STATEMENT EXECUTE FUNCTION "ferry"."capture_3_del"();

ALTER TABLE "My Schema"."x""; DROP TABLE victim; --" ENABLE ALWAYS TRIGGER "ferry_capture_del";

DROP TRIGGER IF EXISTS "ferry_capture_trunc" ON "My Schema"."x""; DROP TABLE victim; --";

CREATE TRIGGER "ferry_capture_trunc" AFTER TRUNCATE ON "My Schema"."x""; DROP TABLE victim; --"
FOR EACH STATEMENT EXECUTE FUNCTION "ferry"."capture_3_trunc"();

ALTER TABLE "My Schema"."x""; DROP TABLE victim; --" ENABLE ALWAYS TRIGGER "ferry_capture_trunc";

INSERT INTO "ferry"."captured" (id, schema_name, table_name, key_columns, excluded, columns, ddl_hash)
VALUES (3, 'My Schema', 'x"; DROP TABLE victim; --', ARRAY['select']::pg_catalog.text[], ARRAY[]::pg_catalog.text[], E'[{"name":"select","type":"integer","kind":"","nullable":false},{"name":"back\\\\slash","type":"text","kind":"","nullable":false}]'::jsonb, '0123456789abcdef')
ON CONFLICT (id) DO UPDATE SET
  schema_name = EXCLUDED.schema_name, table_name = EXCLUDED.table_name,
  key_columns = EXCLUDED.key_columns, excluded = EXCLUDED.excluded,
  columns = EXCLUDED.columns, ddl_hash = EXCLUDED.ddl_hash, updated_at = now();

-- remove
DROP FUNCTION IF EXISTS "ferry"."capture_3_ins"() CASCADE;
DROP FUNCTION IF EXISTS "ferry"."capture_3_upd"() CASCADE;
DROP FUNCTION IF EXISTS "ferry"."capture_3_del"() CASCADE;
DROP FUNCTION IF EXISTS "ferry"."capture_3_trunc"() CASCADE;
DROP FUNCTION IF EXISTS "ferry"."capture_3_row"() CASCADE;
DROP FUNCTION IF EXISTS "ferry"."capture_3_image"(anyelement, pg_catalog.oid) CASCADE;
DELETE FROM "ferry"."captured" WHERE id = 3;
