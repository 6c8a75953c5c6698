-- install
CREATE OR REPLACE FUNCTION "ferry"."capture_4_ins"() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET extra_float_digits = 1
AS $ferry$
#variable_conflict use_variable
BEGIN
  IF TG_NARGS OPERATOR(pg_catalog.>) 0 THEN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_trigger t
                   WHERE t.tgrelid OPERATOR(pg_catalog.=) pg_catalog.pg_partition_root(TG_RELID)
                     AND t.tgfoid OPERATOR(pg_catalog.=) '"ferry"."capture_4_ins"()'::pg_catalog.regprocedure
                     AND t.tgnargs OPERATOR(pg_catalog.=) 0) THEN
      RETURN NULL;
    END IF;
  END IF;
  IF EXISTS (SELECT FROM ferry_new OFFSET 1) THEN
    DECLARE
      jit pg_catalog.text := pg_catalog.current_setting('jit');
    BEGIN
      PERFORM pg_catalog.set_config('jit', 'off', true);
      INSERT INTO "ferry"."outbox" (table_id, op, changes, after)
      SELECT 4, 'C', pg_catalog.count(*), pg_catalog.json_agg(c.a ORDER BY c.s)
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
    SELECT 4, 'c', pg_catalog.row_to_json(n.*) FROM ferry_new n;
  END IF;
  RETURN NULL;
END
$ferry$;

COMMENT ON FUNCTION "ferry"."capture_4_ins"() IS 'ferry: captures insert of public.reading';

CREATE OR REPLACE FUNCTION "ferry"."capture_4_upd"() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET extra_float_digits = 1
AS $ferry$
#variable_conflict use_variable
BEGIN
  IF TG_NARGS OPERATOR(pg_catalog.>) 0 THEN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_trigger t
                   WHERE t.tgrelid OPERATOR(pg_catalog.=) pg_catalog.pg_partition_root(TG_RELID)
                     AND t.tgfoid OPERATOR(pg_catalog.=) '"ferry"."capture_4_ins"()'::pg_catalog.regprocedure
                     AND t.tgnargs OPERATOR(pg_catalog.=) 0) THEN
      RETURN NULL;
    END IF;
  END IF;
  IF EXISTS (SELECT FROM ferry_old OFFSET 1) THEN
    DECLARE
      jit pg_catalog.text := pg_catalog.current_setting('jit');
    BEGIN
      PERFORM pg_catalog.set_config('jit', 'off', true);
      INSERT INTO "ferry"."outbox" (table_id, op, changes, before, after)
      SELECT 4, 'U', pg_catalog.count(*), pg_catalog.json_agg(c.b ORDER BY c.s), pg_catalog.json_agg(c.a ORDER BY c.s)
      FROM (SELECT x.b, x.a,
              pg_catalog.sum(COALESCE(pg_catalog.pg_column_size(x.b), 0) OPERATOR(pg_catalog.+) COALESCE(pg_catalog.pg_column_size(x.a), 0) OPERATOR(pg_catalog.+) 1048) OVER (ORDER BY x.a IS NOT NULL, x.b IS NULL ROWS UNBOUNDED PRECEDING) AS s
            FROM (SELECT o.i AS b, n.i AS a
              FROM (SELECT pg_catalog.row_to_json(o.*) AS i FROM ferry_old o OFFSET 0) AS o
                FULL JOIN (SELECT pg_catalog.row_to_json(n.*) AS i FROM ferry_new n OFFSET 0) AS n
                  ON (o.i OPERATOR(pg_catalog.->>) 'id') COLLATE pg_catalog."C" OPERATOR(pg_catalog.=) (n.i OPERATOR(pg_catalog.->>) 'id') COLLATE pg_catalog."C"
                 AND (o.i OPERATOR(pg_catalog.->>) 'at') COLLATE pg_catalog."C" OPERATOR(pg_catalog.=) (n.i OPERATOR(pg_catalog.->>) 'at') COLLATE pg_catalog."C"
              OFFSET 0) AS x) AS c
      GROUP BY (c.s OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog./) 1048576
      ORDER BY (c.s OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog./) 1048576;
      PERFORM pg_catalog.set_config('jit', jit, true);
    END;
  ELSE
    INSERT INTO "ferry"."outbox" (table_id, op, before, after)
    SELECT 4, CASE WHEN n.i IS NULL THEN 'd' WHEN o.i IS NULL THEN 'c' ELSE 'u' END, o.i, n.i
    FROM (SELECT pg_catalog.row_to_json(o.*) AS i FROM ferry_old o OFFSET 0) AS o
    FULL JOIN (SELECT pg_catalog.row_to_json(n.*) AS i FROM ferry_new n OFFSET 0) AS n
      ON (o.i OPERATOR(pg_catalog.->>) 'id') COLLATE pg_catalog."C" OPERATOR(pg_catalog.=) (n.i OPERATOR(pg_catalog.->>) 'id') COLLATE pg_catalog."C"
     AND (o.i OPERATOR(pg_catalog.->>) 'at') COLLATE pg_catalog."C" OPERATOR(pg_catalog.=) (n.i OPERATOR(pg_catalog.->>) 'at') COLLATE pg_catalog."C"
    ORDER BY n.i IS NOT NULL, o.i IS NULL;
  END IF;
  RETURN NULL;
END
$ferry$;

COMMENT ON FUNCTION "ferry"."capture_4_upd"() IS 'ferry: captures update of public.reading';

CREATE OR REPLACE FUNCTION "ferry"."capture_4_del"() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET extra_float_digits = 1
AS $ferry$
#variable_conflict use_variable
BEGIN
  IF TG_NARGS OPERATOR(pg_catalog.>) 0 THEN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_trigger t
                   WHERE t.tgrelid OPERATOR(pg_catalog.=) pg_catalog.pg_partition_root(TG_RELID)
                     AND t.tgfoid OPERATOR(pg_catalog.=) '"ferry"."capture_4_ins"()'::pg_catalog.regprocedure
                     AND t.tgnargs OPERATOR(pg_catalog.=) 0) THEN
      RETURN NULL;
    END IF;
  END IF;
  IF EXISTS (SELECT FROM ferry_old OFFSET 1) THEN
    DECLARE
      jit pg_catalog.text := pg_catalog.current_setting('jit');
    BEGIN
      PERFORM pg_catalog.set_config('jit', 'off', true);
      INSERT INTO "ferry"."outbox" (table_id, op, changes, before)
      SELECT 4, 'D', pg_catalog.count(*), pg_catalog.json_agg(c.b ORDER BY c.s)
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
    SELECT 4, 'd', pg_catalog.row_to_json(o.*) FROM ferry_old o;
  END IF;
  RETURN NULL;
END
$ferry$;

COMMENT ON FUNCTION "ferry"."capture_4_del"() IS 'ferry: captures delete of public.reading';

CREATE OR REPLACE FUNCTION "ferry"."capture_4_trunc"() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET extra_float_digits = 1
AS $ferry$
#variable_conflict use_variable
DECLARE
  marks pg_catalog.text := COALESCE(pg_catalog.current_setting('ferry.truncating_ferry', true), '');
BEGIN
  IF TG_NARGS OPERATOR(pg_catalog.>) 0 THEN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_trigger t
                   WHERE t.tgrelid OPERATOR(pg_catalog.=) pg_catalog.pg_partition_root(TG_RELID)
                     AND t.tgfoid OPERATOR(pg_catalog.=) '"ferry"."capture_4_ins"()'::pg_catalog.regprocedure
                     AND t.tgnargs OPERATOR(pg_catalog.=) 0) THEN
      RETURN NULL;
    END IF;
  END IF;
  IF TG_WHEN OPERATOR(pg_catalog.=) 'BEFORE' THEN
    IF TG_NARGS OPERATOR(pg_catalog.>) 0 THEN
      IF EXISTS (SELECT FROM pg_catalog.pg_partition_ancestors(TG_RELID) a
                 WHERE a.relid OPERATOR(pg_catalog.<>) TG_RELID
                   AND a.relid::pg_catalog.oid::pg_catalog.text OPERATOR(pg_catalog.=) ANY (pg_catalog.string_to_array(marks, ','))) THEN
        RETURN NULL;
      END IF;
      EXECUTE 'INSERT INTO "ferry"."outbox" (table_id, op, before) SELECT 4, ''d'', pg_catalog.row_to_json(p.*) FROM ' OPERATOR(pg_catalog.||) TG_RELID::pg_catalog.regclass::pg_catalog.text OPERATOR(pg_catalog.||) ' p';
    END IF;
    PERFORM pg_catalog.set_config('ferry.truncating_ferry', marks OPERATOR(pg_catalog.||) ',' OPERATOR(pg_catalog.||) TG_RELID::pg_catalog.text, true);
    RETURN NULL;
  END IF;
  IF TG_NARGS OPERATOR(pg_catalog.=) 0 THEN
    INSERT INTO "ferry"."outbox" (table_id, op) VALUES (4, 't');
  END IF;
  IF marks OPERATOR(pg_catalog.<>) '' THEN
    PERFORM pg_catalog.set_config('ferry.truncating_ferry', pg_catalog.array_to_string(
      pg_catalog.array_remove(pg_catalog.string_to_array(marks, ','), TG_RELID::pg_catalog.text), ','), true);
  END IF;
  RETURN NULL;
END
$ferry$;

COMMENT ON FUNCTION "ferry"."capture_4_trunc"() IS 'ferry: captures truncate of public.reading';

CREATE OR REPLACE FUNCTION "ferry"."capture_4_row"() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET extra_float_digits = 1
AS $ferry$
#variable_conflict use_variable
BEGIN
  IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' THEN
    INSERT INTO "ferry"."outbox" (table_id, op, after) VALUES (4, 'c', pg_catalog.row_to_json(NEW));
  ELSIF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
    INSERT INTO "ferry"."outbox" (table_id, op, before, after) VALUES (4, 'u', pg_catalog.row_to_json(OLD), pg_catalog.row_to_json(NEW));
  ELSE
    INSERT INTO "ferry"."outbox" (table_id, op, before) VALUES (4, 'd', pg_catalog.row_to_json(OLD));
  END IF;
  RETURN NULL;
END
$ferry$;

COMMENT ON FUNCTION "ferry"."capture_4_row"() IS 'ferry: captures changes, row by row, of partitions without statement-level capture, of public.reading';

DO $ferry$
DECLARE
  stray record;
BEGIN
  FOR stray IN
    SELECT t.tgname, t.tgrelid::pg_catalog.regclass::pg_catalog.text AS rel
    FROM pg_catalog.pg_trigger t
    JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) t.tgfoid
    WHERE p.pronamespace OPERATOR(pg_catalog.=) '"ferry"'::pg_catalog.regnamespace
      AND p.proname OPERATOR(pg_catalog.=) ANY (ARRAY['capture_4_ins', 'capture_4_upd', 'capture_4_del', 'capture_4_trunc', 'capture_4_row', 'capture_4_image']::pg_catalog.name[])
      AND t.tgparentid OPERATOR(pg_catalog.=) 0
      AND t.tgrelid OPERATOR(pg_catalog.<>) '"public"."reading"'::pg_catalog.regclass
      AND t.tgrelid OPERATOR(pg_catalog.<>) ALL (SELECT pt.relid FROM pg_catalog.pg_partition_tree('"public"."reading"'::pg_catalog.regclass) pt)
  LOOP
    EXECUTE 'DROP TRIGGER ' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(stray.tgname) OPERATOR(pg_catalog.||) ' ON ' OPERATOR(pg_catalog.||) stray.rel;
  END LOOP;
END
$ferry$;

DROP TRIGGER IF EXISTS "ferry_capture_ins" ON "public"."reading";

CREATE TRIGGER "ferry_capture_ins" AFTER INSERT ON "public"."reading" REFERENCING NEW TABLE AS ferry_new
FOR EACH STATEMENT EXECUTE FUNCTION "ferry"."capture_4_ins"();

ALTER TABLE "public"."reading" ENABLE ALWAYS TRIGGER "ferry_capture_ins";

DROP TRIGGER IF EXISTS "ferry_capture_upd" ON "public"."reading";

CREATE TRIGGER "ferry_capture_upd" AFTER UPDATE ON "public"."reading" REFERENCING OLD TABLE AS ferry_old NEW TABLE AS ferry_new
FOR EACH STATEMENT EXECUTE FUNCTION "ferry"."capture_4_upd"();

ALTER TABLE "public"."reading" ENABLE ALWAYS TRIGGER "ferry_capture_upd";

DROP TRIGGER IF EXISTS "ferry_capture_del" ON "public"."reading";

CREATE TRIGGER "ferry_capture_del" AFTER DELETE ON "public"."reading" REFERENCING OLD TABLE AS ferry_old
FOR EACH STATEMENT EXECUTE FUNCTION "ferry"."capture_4_del"();

ALTER TABLE "public"."reading" ENABLE ALWAYS TRIGGER "ferry_capture_del";

DROP TRIGGER IF EXISTS "ferry_capture_trunc" ON "public"."reading";

CREATE TRIGGER "ferry_capture_trunc" AFTER TRUNCATE ON "public"."reading"
FOR EACH STATEMENT EXECUTE FUNCTION "ferry"."capture_4_trunc"();

ALTER TABLE "public"."reading" ENABLE ALWAYS TRIGGER "ferry_capture_trunc";

DROP TRIGGER IF EXISTS "ferry_capture_truncating" ON "public"."reading";

CREATE TRIGGER "ferry_capture_truncating" BEFORE TRUNCATE ON "public"."reading"
FOR EACH STATEMENT EXECUTE FUNCTION "ferry"."capture_4_trunc"();

ALTER TABLE "public"."reading" ENABLE ALWAYS TRIGGER "ferry_capture_truncating";

DROP TRIGGER IF EXISTS "ferry_capture_row" ON "public"."reading";

CREATE TRIGGER "ferry_capture_row" AFTER INSERT OR UPDATE OR DELETE ON "public"."reading"
FOR EACH ROW EXECUTE FUNCTION "ferry"."capture_4_row"();

ALTER TABLE "public"."reading" ENABLE ALWAYS TRIGGER "ferry_capture_row";

DROP TRIGGER IF EXISTS "ferry_capture_ins" ON "public"."reading_2024";

CREATE TRIGGER "ferry_capture_ins" AFTER INSERT ON "public"."reading_2024" REFERENCING NEW TABLE AS ferry_new
FOR EACH STATEMENT EXECUTE FUNCTION "ferry"."capture_4_ins"('partition');

ALTER TABLE "public"."reading_2024" ENABLE ALWAYS TRIGGER "ferry_capture_ins";

DROP TRIGGER IF EXISTS "ferry_capture_upd" ON "public"."reading_2024";

CREATE TRIGGER "ferry_capture_upd" AFTER UPDATE ON "public"."reading_2024" REFERENCING OLD TABLE AS ferry_old NEW TABLE AS ferry_new
FOR EACH STATEMENT EXECUTE FUNCTION "ferry"."capture_4_upd"('partition');

ALTER TABLE "public"."reading_2024" ENABLE ALWAYS TRIGGER "ferry_capture_upd";

DROP TRIGGER IF EXISTS "ferry_capture_del" ON "public"."reading_2024";

CREATE TRIGGER "ferry_capture_del" AFTER DELETE ON "public"."reading_2024" REFERENCING OLD TABLE AS ferry_old
FOR EACH STATEMENT EXECUTE FUNCTION "ferry"."capture_4_del"('partition');

ALTER TABLE "public"."reading_2024" ENABLE ALWAYS TRIGGER "ferry_capture_del";

DROP TRIGGER IF EXISTS "ferry_capture_trunc" ON "public"."reading_2024";

CREATE TRIGGER "ferry_capture_trunc" AFTER TRUNCATE ON "public"."reading_2024"
FOR EACH STATEMENT EXECUTE FUNCTION "ferry"."capture_4_trunc"('partition');

ALTER TABLE "public"."reading_2024" ENABLE ALWAYS TRIGGER "ferry_capture_trunc";

DROP TRIGGER IF EXISTS "ferry_capture_truncating" ON "public"."reading_2024";

CREATE TRIGGER "ferry_capture_truncating" BEFORE TRUNCATE ON "public"."reading_2024"
FOR EACH STATEMENT EXECUTE FUNCTION "ferry"."capture_4_trunc"('partition');

ALTER TABLE "public"."reading_2024" ENABLE ALWAYS TRIGGER "ferry_capture_truncating";

DROP TRIGGER IF EXISTS "ferry_capture_ins" ON "public"."reading_2024_h1";

CREATE TRIGGER "ferry_capture_ins" AFTER INSERT ON "public"."reading_2024_h1" REFERENCING NEW TABLE AS ferry_new
FOR EACH STATEMENT EXECUTE FUNCTION "ferry"."capture_4_ins"('partition');

ALTER TABLE "public"."reading_2024_h1" ENABLE ALWAYS TRIGGER "ferry_capture_ins";

DROP TRIGGER IF EXISTS "ferry_capture_upd" ON "public"."reading_2024_h1";

CREATE TRIGGER "ferry_capture_upd" AFTER UPDATE ON "public"."reading_2024_h1" REFERENCING OLD TABLE AS ferry_old NEW TABLE AS ferry_new
FOR EACH STATEMENT EXECUTE FUNCTION "ferry"."capture_4_upd"('partition');

ALTER TABLE "public"."reading_2024_h1" ENABLE ALWAYS TRIGGER "ferry_capture_upd";

DROP TRIGGER IF EXISTS "ferry_capture_del" ON "public"."reading_2024_h1";

CREATE TRIGGER "ferry_capture_del" AFTER DELETE ON "public"."reading_2024_h1" REFERENCING OLD TABLE AS ferry_old
FOR EACH STATEMENT EXECUTE FUNCTION "ferry"."capture_4_del"('partition');

ALTER TABLE "public"."reading_2024_h1" ENABLE ALWAYS TRIGGER "ferry_capture_del";

DROP TRIGGER IF EXISTS "ferry_capture_trunc" ON "public"."reading_2024_h1";

CREATE TRIGGER "ferry_capture_trunc" AFTER TRUNCATE ON "public"."reading_2024_h1"
FOR EACH STATEMENT EXECUTE FUNCTION "ferry"."capture_4_trunc"('partition');

ALTER TABLE "public"."reading_2024_h1" ENABLE ALWAYS TRIGGER "ferry_capture_trunc";

DROP TRIGGER IF EXISTS "ferry_capture_truncating" ON "public"."reading_2024_h1";

CREATE TRIGGER "ferry_capture_truncating" BEFORE TRUNCATE ON "public"."reading_2024_h1"
FOR EACH STATEMENT EXECUTE FUNCTION "ferry"."capture_4_trunc"('partition');

ALTER TABLE "public"."reading_2024_h1" ENABLE ALWAYS TRIGGER "ferry_capture_truncating";

DROP TRIGGER IF EXISTS "ferry_capture_ins" ON "public"."reading_2025";

CREATE TRIGGER "ferry_capture_ins" AFTER INSERT ON "public"."reading_2025" REFERENCING NEW TABLE AS ferry_new
FOR EACH STATEMENT EXECUTE FUNCTION "ferry"."capture_4_ins"('partition');

ALTER TABLE "public"."reading_2025" ENABLE ALWAYS TRIGGER "ferry_capture_ins";

DROP TRIGGER IF EXISTS "ferry_capture_upd" ON "public"."reading_2025";

CREATE TRIGGER "ferry_capture_upd" AFTER UPDATE ON "public"."reading_2025" REFERENCING OLD TABLE AS ferry_old NEW TABLE AS ferry_new
FOR EACH STATEMENT EXECUTE FUNCTION "ferry"."capture_4_upd"('partition');

ALTER TABLE "public"."reading_2025" ENABLE ALWAYS TRIGGER "ferry_capture_upd";

DROP TRIGGER IF EXISTS "ferry_capture_del" ON "public"."reading_2025";

CREATE TRIGGER "ferry_capture_del" AFTER DELETE ON "public"."reading_2025" REFERENCING OLD TABLE AS ferry_old
FOR EACH STATEMENT EXECUTE FUNCTION "ferry"."capture_4_del"('partition');

ALTER TABLE "public"."reading_2025" ENABLE ALWAYS TRIGGER "ferry_capture_del";

DROP TRIGGER IF EXISTS "ferry_capture_trunc" ON "public"."reading_2025";

CREATE TRIGGER "ferry_capture_trunc" AFTER TRUNCATE ON "public"."reading_2025"
FOR EACH STATEMENT EXECUTE FUNCTION "ferry"."capture_4_trunc"('partition');

ALTER TABLE "public"."reading_2025" ENABLE ALWAYS TRIGGER "ferry_capture_trunc";

DROP TRIGGER IF EXISTS "ferry_capture_truncating" ON "public"."reading_2025";

CREATE TRIGGER "ferry_capture_truncating" BEFORE TRUNCATE ON "public"."reading_2025"
FOR EACH STATEMENT EXECUTE FUNCTION "ferry"."capture_4_trunc"('partition');

ALTER TABLE "public"."reading_2025" ENABLE ALWAYS TRIGGER "ferry_capture_truncating";

ALTER TABLE "public"."reading_2024_h1" DISABLE TRIGGER "ferry_capture_row";

ALTER TABLE "public"."reading_2025" DISABLE TRIGGER "ferry_capture_row";

INSERT INTO "ferry"."captured" (id, schema_name, table_name, key_columns, excluded, columns, ddl_hash)
VALUES (4, 'public', 'reading', ARRAY['id', 'at']::pg_catalog.text[], ARRAY[]::pg_catalog.text[], '[{"name":"id","type":"integer","kind":"integer","nullable":false},{"name":"at","type":"timestamp with time zone","kind":"timestamptz","nullable":false},{"name":"v","type":"double precision","kind":"float","nullable":false}]'::jsonb, '0123456789abcdef')
ON CONFLICT (id) DO UPDATE SET
  schema_name = EXCLUDED.schema_name, table_name = EXCLUDED.table_name,
  key_columns = EXCLUDED.key_columns, excluded = EXCLUDED.excluded,
  columns = EXCLUDED.columns, ddl_hash = EXCLUDED.ddl_hash, updated_at = now();

-- remove
DROP FUNCTION IF EXISTS "ferry"."capture_4_ins"() CASCADE;
DROP FUNCTION IF EXISTS "ferry"."capture_4_upd"() CASCADE;
DROP FUNCTION IF EXISTS "ferry"."capture_4_del"() CASCADE;
DROP FUNCTION IF EXISTS "ferry"."capture_4_trunc"() CASCADE;
DROP FUNCTION IF EXISTS "ferry"."capture_4_row"() CASCADE;
DROP FUNCTION IF EXISTS "ferry"."capture_4_image"(anyelement, pg_catalog.oid) CASCADE;
DELETE FROM "ferry"."captured" WHERE id = 4;
