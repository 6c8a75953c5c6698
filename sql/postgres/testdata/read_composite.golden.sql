-- settings


-- chunk, bounds none
SELECT pg_catalog.row_to_json(pg_catalog.jsonb_populate_record(t.*, '{"ssn":null}'::pg_catalog.jsonb)) FROM "My Schema"."Lines" t
WHERE t."code" IS NOT NULL
ORDER BY t."region", t."code" COLLATE "C", (t."mood")::pg_catalog.text COLLATE "C" LIMIT $1;

-- chunk, bounds after
SELECT pg_catalog.row_to_json(pg_catalog.jsonb_populate_record(t.*, '{"ssn":null}'::pg_catalog.jsonb)) FROM "My Schema"."Lines" t
WHERE t."code" IS NOT NULL
  AND (t."region", t."code" COLLATE "C", (t."mood")::pg_catalog.text COLLATE "C") > ($1::text, $2::character varying(8), $3::pg_catalog.text)
ORDER BY t."region", t."code" COLLATE "C", (t."mood")::pg_catalog.text COLLATE "C" LIMIT $4;

-- chunk, bounds until
SELECT pg_catalog.row_to_json(pg_catalog.jsonb_populate_record(t.*, '{"ssn":null}'::pg_catalog.jsonb)) FROM "My Schema"."Lines" t
WHERE t."code" IS NOT NULL
  AND (t."region", t."code" COLLATE "C", (t."mood")::pg_catalog.text COLLATE "C") <= ($1::text, $2::character varying(8), $3::pg_catalog.text)
ORDER BY t."region", t."code" COLLATE "C", (t."mood")::pg_catalog.text COLLATE "C" LIMIT $4;

-- chunk, bounds after and until
SELECT pg_catalog.row_to_json(pg_catalog.jsonb_populate_record(t.*, '{"ssn":null}'::pg_catalog.jsonb)) FROM "My Schema"."Lines" t
WHERE t."code" IS NOT NULL
  AND (t."region", t."code" COLLATE "C", (t."mood")::pg_catalog.text COLLATE "C") > ($1::text, $2::character varying(8), $3::pg_catalog.text)
  AND (t."region", t."code" COLLATE "C", (t."mood")::pg_catalog.text COLLATE "C") <= ($4::text, $5::character varying(8), $6::pg_catalog.text)
ORDER BY t."region", t."code" COLLATE "C", (t."mood")::pg_catalog.text COLLATE "C" LIMIT $7;

-- hash, bounds after and until
SELECT pg_catalog.count(*), pg_catalog.md5(pg_catalog.string_agg(s.img, E'\n')),
  (pg_catalog.array_agg(s.k))[$7]
FROM (SELECT pg_catalog.row_to_json(pg_catalog.jsonb_populate_record(t.*, '{"ssn":null}'::pg_catalog.jsonb))::pg_catalog.text AS img, pg_catalog.json_build_object('region', t."region", 'code', t."code", 'mood', t."mood")::pg_catalog.text AS k
FROM "My Schema"."Lines" t
WHERE t."code" IS NOT NULL
  AND (t."region", t."code" COLLATE "C", (t."mood")::pg_catalog.text COLLATE "C") > ($1::text, $2::character varying(8), $3::pg_catalog.text)
  AND (t."region", t."code" COLLATE "C", (t."mood")::pg_catalog.text COLLATE "C") <= ($4::text, $5::character varying(8), $6::pg_catalog.text)
ORDER BY t."region", t."code" COLLATE "C", (t."mood")::pg_catalog.text COLLATE "C" LIMIT $7) s;

-- keys
SELECT pg_catalog.row_to_json(k), CASE WHEN t."region" IS NULL THEN NULL ELSE pg_catalog.row_to_json(pg_catalog.jsonb_populate_record(t.*, '{"ssn":null}'::pg_catalog.jsonb)) END
FROM (SELECT DISTINCT * FROM pg_catalog.json_to_recordset($1::pg_catalog.json) AS k("region" text, "code" character varying(8), "mood" app.mood)) k
LEFT JOIN "My Schema"."Lines" t ON t."region" OPERATOR(pg_catalog.=) k."region" AND t."code" OPERATOR(pg_catalog.=) k."code" AND t."mood" OPERATOR(pg_catalog.=) k."mood";
