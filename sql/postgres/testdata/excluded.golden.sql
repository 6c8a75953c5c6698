-- install
CREATE OR REPLACE FUNCTION "cdc"."capture_7_ins"() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
AS $ferry$
BEGIN
  INSERT INTO "cdc"."outbox" (table_id, op, after)
  SELECT 7, 'c', (pg_catalog.to_jsonb(n) OPERATOR(pg_catalog.-) ARRAY['ssn', 'it''s']::pg_catalog.text[])::pg_catalog.json FROM ferry_new n;
  RETURN NULL;
END
$ferry$;

COMMENT ON FUNCTION "cdc"."capture_7_ins"() IS 'ferry: captures insert of hr.people';

DROP TRIGGER IF EXISTS "cdc_capture_ins" ON "hr"."people";

CREATE TRIGGER "cdc_capture_ins" AFTER INSERT ON "hr"."people" REFERENCING NEW TABLE AS ferry_new
FOR EACH STATEMENT EXECUTE FUNCTION "cdc"."capture_7_ins"();

CREATE OR REPLACE FUNCTION "cdc"."capture_7_upd"() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
AS $ferry$
BEGIN
  INSERT INTO "cdc"."outbox" (table_id, op, before, after)
  SELECT 7, 'u', o.image, n.image
  FROM (SELECT pg_catalog.row_number() OVER () AS pos, (pg_catalog.to_jsonb(o) OPERATOR(pg_catalog.-) ARRAY['ssn', 'it''s']::pg_catalog.text[])::pg_catalog.json AS image FROM ferry_old o) o
  JOIN (SELECT pg_catalog.row_number() OVER () AS pos, (pg_catalog.to_jsonb(n) OPERATOR(pg_catalog.-) ARRAY['ssn', 'it''s']::pg_catalog.text[])::pg_catalog.json AS image FROM ferry_new n) n
    ON o.pos OPERATOR(pg_catalog.=) n.pos
  ORDER BY o.pos;
  RETURN NULL;
END
$ferry$;

COMMENT ON FUNCTION "cdc"."capture_7_upd"() IS 'ferry: captures update of hr.people';

DROP TRIGGER IF EXISTS "cdc_capture_upd" ON "hr"."people";

CREATE TRIGGER "cdc_capture_upd" AFTER UPDATE ON "hr"."people" REFERENCING OLD TABLE AS ferry_old NEW TABLE AS ferry_new
FOR EACH STATEMENT EXECUTE FUNCTION "cdc"."capture_7_upd"();

CREATE OR REPLACE FUNCTION "cdc"."capture_7_del"() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
AS $ferry$
BEGIN
  INSERT INTO "cdc"."outbox" (table_id, op, before)
  SELECT 7, 'd', (pg_catalog.to_jsonb(o) OPERATOR(pg_catalog.-) ARRAY['ssn', 'it''s']::pg_catalog.text[])::pg_catalog.json FROM ferry_old o;
  RETURN NULL;
END
$ferry$;

COMMENT ON FUNCTION "cdc"."capture_7_del"() IS 'ferry: captures delete of hr.people';

DROP TRIGGER IF EXISTS "cdc_capture_del" ON "hr"."people";

CREATE TRIGGER "cdc_capture_del" AFTER DELETE ON "hr"."people" REFERENCING OLD TABLE AS ferry_old
FOR EACH STATEMENT EXECUTE FUNCTION "cdc"."capture_7_del"();

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
DELETE FROM "cdc"."captured" WHERE id = 7;
