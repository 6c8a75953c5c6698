-- install
CREATE OR REPLACE FUNCTION "ferry"."capture_3_ins"() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
AS $ferry$
BEGIN
  INSERT INTO "ferry"."outbox" (table_id, op, after)
  SELECT 3, 'c', pg_catalog.row_to_json(n) FROM ferry_new n;
  RETURN NULL;
END
$ferry$;

COMMENT ON FUNCTION "ferry"."capture_3_ins"() IS 'ferry: captures insert of My Schema.x"; DROP TABLE victim; --';

DROP TRIGGER IF EXISTS "ferry_capture_ins" ON "My Schema"."x""; DROP TABLE victim; --";

CREATE TRIGGER "ferry_capture_ins" AFTER INSERT ON "My Schema"."x""; DROP TABLE victim; --" REFERENCING NEW TABLE AS ferry_new
FOR EACH STATEMENT EXECUTE FUNCTION "ferry"."capture_3_ins"();

CREATE OR REPLACE FUNCTION "ferry"."capture_3_upd"() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
AS $ferry$
BEGIN
  INSERT INTO "ferry"."outbox" (table_id, op, before, after)
  SELECT 3, 'u', o.image, n.image
  FROM (SELECT pg_catalog.row_number() OVER () AS pos, pg_catalog.row_to_json(o) AS image FROM ferry_old o) o
  JOIN (SELECT pg_catalog.row_number() OVER () AS pos, pg_catalog.row_to_json(n) AS image FROM ferry_new n) n
    ON o.pos OPERATOR(pg_catalog.=) n.pos
  ORDER BY o.pos;
  RETURN NULL;
END
$ferry$;

COMMENT ON FUNCTION "ferry"."capture_3_upd"() IS 'ferry: captures update of My Schema.x"; DROP TABLE victim; --';

DROP TRIGGER IF EXISTS "ferry_capture_upd" ON "My Schema"."x""; DROP TABLE victim; --";

CREATE TRIGGER "ferry_capture_upd" AFTER UPDATE ON "My Schema"."x""; DROP TABLE victim; --" REFERENCING OLD TABLE AS ferry_old NEW TABLE AS ferry_new
FOR EACH STATEMENT EXECUTE FUNCTION "ferry"."capture_3_upd"();

CREATE OR REPLACE FUNCTION "ferry"."capture_3_del"() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
AS $ferry$
BEGIN
  INSERT INTO "ferry"."outbox" (table_id, op, before)
  SELECT 3, 'd', pg_catalog.row_to_json(o) FROM ferry_old o;
  RETURN NULL;
END
$ferry$;

COMMENT ON FUNCTION "ferry"."capture_3_del"() IS 'ferry: captures delete of My Schema.x"; DROP TABLE victim; --';

DROP TRIGGER IF EXISTS "ferry_capture_del" ON "My Schema"."x""; DROP TABLE victim; --";

CREATE TRIGGER "ferry_capture_del" AFTER DELETE ON "My Schema"."x""; DROP TABLE victim; --" REFERENCING OLD TABLE AS ferry_old
FOR EACH STATEMENT EXECUTE FUNCTION "ferry"."capture_3_del"();

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
DELETE FROM "ferry"."captured" WHERE id = 3;
