-- install
CREATE OR REPLACE FUNCTION "ferry"."capture_5_ins"() RETURNS trigger
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
      SELECT 5, 'C', pg_catalog.count(*), pg_catalog.json_agg(c.a ORDER BY c.s)
      FROM (SELECT x.a,
              pg_catalog.sum(COALESCE(pg_catalog.pg_column_size(x.a), 0) OPERATOR(pg_catalog.+) 1048) OVER (ROWS UNBOUNDED PRECEDING) AS s
            FROM (SELECT "ferry"."capture_5_image"(pg_catalog.jsonb_populate_record(n.*, '{"secret":null}'::pg_catalog.jsonb), TG_RELID) AS a FROM ferry_new n
              OFFSET 0) AS x) AS c
      GROUP BY (c.s OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog./) 1048576
      ORDER BY (c.s OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog./) 1048576;
      PERFORM pg_catalog.set_config('jit', jit, true);
    END;
  ELSE
    INSERT INTO "ferry"."outbox" (table_id, op, after)
    SELECT 5, 'c', "ferry"."capture_5_image"(pg_catalog.jsonb_populate_record(n.*, '{"secret":null}'::pg_catalog.jsonb), TG_RELID) FROM ferry_new n;
  END IF;
  RETURN NULL;
END
$ferry$;

COMMENT ON FUNCTION "ferry"."capture_5_ins"() IS 'ferry: captures insert of public.grid';

CREATE OR REPLACE FUNCTION "ferry"."capture_5_upd"() RETURNS trigger
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
      SELECT 5, 'U', pg_catalog.count(*), pg_catalog.json_agg(c.b ORDER BY c.s), pg_catalog.json_agg(c.a ORDER BY c.s)
      FROM (SELECT x.b, x.a,
              pg_catalog.sum(COALESCE(pg_catalog.pg_column_size(x.b), 0) OPERATOR(pg_catalog.+) COALESCE(pg_catalog.pg_column_size(x.a), 0) OPERATOR(pg_catalog.+) 1048) OVER (ORDER BY x.a IS NOT NULL, x.b IS NULL ROWS UNBOUNDED PRECEDING) AS s
            FROM (SELECT o.i AS b, n.i AS a
              FROM (SELECT "ferry"."capture_5_image"(pg_catalog.jsonb_populate_record(o.*, '{"secret":null}'::pg_catalog.jsonb), TG_RELID) AS i FROM ferry_old o OFFSET 0) AS o
                FULL JOIN (SELECT "ferry"."capture_5_image"(pg_catalog.jsonb_populate_record(n.*, '{"secret":null}'::pg_catalog.jsonb), TG_RELID) AS i FROM ferry_new n OFFSET 0) AS n
                  ON (o.i OPERATOR(pg_catalog.->>) 'id') COLLATE pg_catalog."C" OPERATOR(pg_catalog.=) (n.i OPERATOR(pg_catalog.->>) 'id') COLLATE pg_catalog."C"
              OFFSET 0) AS x) AS c
      GROUP BY (c.s OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog./) 1048576
      ORDER BY (c.s OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog./) 1048576;
      PERFORM pg_catalog.set_config('jit', jit, true);
    END;
  ELSE
    INSERT INTO "ferry"."outbox" (table_id, op, before, after)
    SELECT 5, CASE WHEN n.i IS NULL THEN 'd' WHEN o.i IS NULL THEN 'c' ELSE 'u' END, o.i, n.i
    FROM (SELECT "ferry"."capture_5_image"(pg_catalog.jsonb_populate_record(o.*, '{"secret":null}'::pg_catalog.jsonb), TG_RELID) AS i FROM ferry_old o OFFSET 0) AS o
    FULL JOIN (SELECT "ferry"."capture_5_image"(pg_catalog.jsonb_populate_record(n.*, '{"secret":null}'::pg_catalog.jsonb), TG_RELID) AS i FROM ferry_new n OFFSET 0) AS n
      ON (o.i OPERATOR(pg_catalog.->>) 'id') COLLATE pg_catalog."C" OPERATOR(pg_catalog.=) (n.i OPERATOR(pg_catalog.->>) 'id') COLLATE pg_catalog."C"
    ORDER BY n.i IS NOT NULL, o.i IS NULL;
  END IF;
  RETURN NULL;
END
$ferry$;

COMMENT ON FUNCTION "ferry"."capture_5_upd"() IS 'ferry: captures update of public.grid';

CREATE OR REPLACE FUNCTION "ferry"."capture_5_del"() RETURNS trigger
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
      SELECT 5, 'D', pg_catalog.count(*), pg_catalog.json_agg(c.b ORDER BY c.s)
      FROM (SELECT x.b,
              pg_catalog.sum(COALESCE(pg_catalog.pg_column_size(x.b), 0) OPERATOR(pg_catalog.+) 1048) OVER (ROWS UNBOUNDED PRECEDING) AS s
            FROM (SELECT "ferry"."capture_5_image"(pg_catalog.jsonb_populate_record(o.*, '{"secret":null}'::pg_catalog.jsonb), TG_RELID) AS b FROM ferry_old o
              OFFSET 0) AS x) AS c
      GROUP BY (c.s OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog./) 1048576
      ORDER BY (c.s OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog./) 1048576;
      PERFORM pg_catalog.set_config('jit', jit, true);
    END;
  ELSE
    INSERT INTO "ferry"."outbox" (table_id, op, before)
    SELECT 5, 'd', "ferry"."capture_5_image"(pg_catalog.jsonb_populate_record(o.*, '{"secret":null}'::pg_catalog.jsonb), TG_RELID) FROM ferry_old o;
  END IF;
  RETURN NULL;
END
$ferry$;

COMMENT ON FUNCTION "ferry"."capture_5_del"() IS 'ferry: captures delete of public.grid';

CREATE OR REPLACE FUNCTION "ferry"."capture_5_trunc"() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
AS $ferry$
#variable_conflict use_variable
BEGIN
  INSERT INTO "ferry"."outbox" (table_id, op) VALUES (5, 't');
  RETURN NULL;
END
$ferry$;

COMMENT ON FUNCTION "ferry"."capture_5_trunc"() IS 'ferry: captures truncate of public.grid';

CREATE OR REPLACE FUNCTION "ferry"."capture_5_image"(r anyelement, rel pg_catalog.oid) RETURNS pg_catalog.json
LANGUAGE plpgsql
AS $ferry$
#variable_conflict use_variable
DECLARE
  image pg_catalog.json := pg_catalog.row_to_json(r);
BEGIN
  IF r OPERATOR(pg_catalog.*=) pg_catalog.json_populate_record(r, pg_catalog.json_build_object('cells', image OPERATOR(pg_catalog.->) 'cells', 'tags', image OPERATOR(pg_catalog.->) 'tags')) THEN
    RETURN image;
  END IF;
  RETURN "ferry"."exact_image"(image, r, rel::pg_catalog.regclass);
END
$ferry$;

COMMENT ON FUNCTION "ferry"."capture_5_image"(anyelement, pg_catalog.oid) IS 'ferry: writes exact images of public.grid';

DO $ferry$
DECLARE
  stray record;
BEGIN
  FOR stray IN
    SELECT t.tgname, t.tgrelid::pg_catalog.regclass::pg_catalog.text AS rel
    FROM pg_catalog.pg_trigger t
    JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) t.tgfoid
    WHERE p.pronamespace OPERATOR(pg_catalog.=) '"ferry"'::pg_catalog.regnamespace
      AND p.proname OPERATOR(pg_catalog.=) ANY (ARRAY['capture_5_ins', 'capture_5_upd', 'capture_5_del', 'capture_5_trunc', 'capture_5_row', 'capture_5_image']::pg_catalog.name[])
      AND t.tgparentid OPERATOR(pg_catalog.=) 0
      AND t.tgrelid OPERATOR(pg_catalog.<>) '"public"."grid"'::pg_catalog.regclass
      AND t.tgrelid OPERATOR(pg_catalog.<>) ALL (SELECT pt.relid FROM pg_catalog.pg_partition_tree('"public"."grid"'::pg_catalog.regclass) pt)
  LOOP
    EXECUTE 'DROP TRIGGER ' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(stray.tgname) OPERATOR(pg_catalog.||) ' ON ' OPERATOR(pg_catalog.||) stray.rel;
  END LOOP;
END
$ferry$;

DROP TRIGGER IF EXISTS "ferry_capture_ins" ON "public"."grid";

CREATE TRIGGER "ferry_capture_ins" AFTER INSERT ON "public"."grid" REFERENCING NEW TABLE AS ferry_new
FOR EACH STATEMENT EXECUTE FUNCTION "ferry"."capture_5_ins"();

ALTER TABLE "public"."grid" ENABLE ALWAYS TRIGGER "ferry_capture_ins";

DROP TRIGGER IF EXISTS "ferry_capture_upd" ON "public"."grid";

CREATE TRIGGER "ferry_capture_upd" AFTER UPDATE ON "public"."grid" REFERENCING OLD TABLE AS ferry_old NEW TABLE AS ferry_new
FOR EACH STATEMENT EXECUTE FUNCTION "ferry"."capture_5_upd"();

ALTER TABLE "public"."grid" ENABLE ALWAYS TRIGGER "ferry_capture_upd";

DROP TRIGGER IF EXISTS "ferry_capture_del" ON "public"."grid";

CREATE TRIGGER "ferry_capture_del" AFTER DELETE ON "public"."grid" REFERENCING OLD TABLE AS ferry_old
FOR EACH STATEMENT EXECUTE FUNCTION "ferry"."capture_5_del"();

ALTER TABLE "public"."grid" ENABLE ALWAYS TRIGGER "ferry_capture_del";

DROP TRIGGER IF EXISTS "ferry_capture_trunc" ON "public"."grid";

CREATE TRIGGER "ferry_capture_trunc" AFTER TRUNCATE ON "public"."grid"
FOR EACH STATEMENT EXECUTE FUNCTION "ferry"."capture_5_trunc"();

ALTER TABLE "public"."grid" ENABLE ALWAYS TRIGGER "ferry_capture_trunc";

INSERT INTO "ferry"."captured" (id, schema_name, table_name, key_columns, excluded, columns, ddl_hash)
VALUES (5, 'public', 'grid', ARRAY['id']::pg_catalog.text[], ARRAY['secret']::pg_catalog.text[], '[{"name":"id","type":"integer","kind":"integer","nullable":false},{"name":"cells","type":"integer[]","kind":"array","elem":"integer","nullable":false},{"name":"tags","type":"text[]","kind":"array","elem":"text","nullable":false},{"name":"secret","type":"bytea[]","kind":"array","elem":"binary","nullable":false}]'::jsonb, '0123456789abcdef')
ON CONFLICT (id) DO UPDATE SET
  schema_name = EXCLUDED.schema_name, table_name = EXCLUDED.table_name,
  key_columns = EXCLUDED.key_columns, excluded = EXCLUDED.excluded,
  columns = EXCLUDED.columns, ddl_hash = EXCLUDED.ddl_hash, updated_at = now();

-- remove
DROP FUNCTION IF EXISTS "ferry"."capture_5_ins"() CASCADE;
DROP FUNCTION IF EXISTS "ferry"."capture_5_upd"() CASCADE;
DROP FUNCTION IF EXISTS "ferry"."capture_5_del"() CASCADE;
DROP FUNCTION IF EXISTS "ferry"."capture_5_trunc"() CASCADE;
DROP FUNCTION IF EXISTS "ferry"."capture_5_row"() CASCADE;
DROP FUNCTION IF EXISTS "ferry"."capture_5_image"(anyelement, pg_catalog.oid) CASCADE;
DELETE FROM "ferry"."captured" WHERE id = 5;
