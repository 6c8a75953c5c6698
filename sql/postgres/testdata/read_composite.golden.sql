-- settings


-- chunk, bounds none
SELECT pg_catalog.row_to_json(pg_catalog.jsonb_populate_record(ferry_t.*, '{"ssn":null}'::pg_catalog.jsonb)) FROM "My Schema"."Lines" ferry_t
WHERE ferry_t."code" IS NOT NULL
ORDER BY ferry_t."region", ferry_t."code" COLLATE "C", (ferry_t."mood")::pg_catalog.text COLLATE "C" LIMIT $1;

-- chunk, bounds after
SELECT pg_catalog.row_to_json(pg_catalog.jsonb_populate_record(ferry_t.*, '{"ssn":null}'::pg_catalog.jsonb)) FROM "My Schema"."Lines" ferry_t
WHERE ferry_t."code" IS NOT NULL
  AND (ferry_t."region", ferry_t."code" COLLATE "C", (ferry_t."mood")::pg_catalog.text COLLATE "C") > ($1::text, $2::character varying(8), $3::pg_catalog.text)
ORDER BY ferry_t."region", ferry_t."code" COLLATE "C", (ferry_t."mood")::pg_catalog.text COLLATE "C" LIMIT $4;

-- chunk, bounds until
SELECT pg_catalog.row_to_json(pg_catalog.jsonb_populate_record(ferry_t.*, '{"ssn":null}'::pg_catalog.jsonb)) FROM "My Schema"."Lines" ferry_t
WHERE ferry_t."code" IS NOT NULL
  AND (ferry_t."region", ferry_t."code" COLLATE "C", (ferry_t."mood")::pg_catalog.text COLLATE "C") <= ($1::text, $2::character varying(8), $3::pg_catalog.text)
ORDER BY ferry_t."region", ferry_t."code" COLLATE "C", (ferry_t."mood")::pg_catalog.text COLLATE "C" LIMIT $4;

-- chunk, bounds after and until
SELECT pg_catalog.row_to_json(pg_catalog.jsonb_populate_record(ferry_t.*, '{"ssn":null}'::pg_catalog.jsonb)) FROM "My Schema"."Lines" ferry_t
WHERE ferry_t."code" IS NOT NULL
  AND (ferry_t."region", ferry_t."code" COLLATE "C", (ferry_t."mood")::pg_catalog.text COLLATE "C") > ($1::text, $2::character varying(8), $3::pg_catalog.text)
  AND (ferry_t."region", ferry_t."code" COLLATE "C", (ferry_t."mood")::pg_catalog.text COLLATE "C") <= ($4::text, $5::character varying(8), $6::pg_catalog.text)
ORDER BY ferry_t."region", ferry_t."code" COLLATE "C", (ferry_t."mood")::pg_catalog.text COLLATE "C" LIMIT $7;

-- hash, bounds after and until
SELECT pg_catalog.count(*), pg_catalog.md5(pg_catalog.string_agg(ferry_s.ferry_img, E'\n')),
  (pg_catalog.array_agg(ferry_s.ferry_k))[$7]
FROM (SELECT pg_catalog.row_to_json(pg_catalog.jsonb_populate_record(ferry_t.*, '{"ssn":null}'::pg_catalog.jsonb))::pg_catalog.text AS ferry_img, pg_catalog.json_build_object('region', ferry_t."region", 'code', ferry_t."code", 'mood', ferry_t."mood")::pg_catalog.text AS ferry_k
FROM "My Schema"."Lines" ferry_t
WHERE ferry_t."code" IS NOT NULL
  AND (ferry_t."region", ferry_t."code" COLLATE "C", (ferry_t."mood")::pg_catalog.text COLLATE "C") > ($1::text, $2::character varying(8), $3::pg_catalog.text)
  AND (ferry_t."region", ferry_t."code" COLLATE "C", (ferry_t."mood")::pg_catalog.text COLLATE "C") <= ($4::text, $5::character varying(8), $6::pg_catalog.text)
ORDER BY ferry_t."region", ferry_t."code" COLLATE "C", (ferry_t."mood")::pg_catalog.text COLLATE "C" LIMIT $7) ferry_s;

-- keys
SELECT pg_catalog.row_to_json(ferry_k), CASE WHEN ferry_t."region" IS NULL THEN NULL ELSE pg_catalog.row_to_json(pg_catalog.jsonb_populate_record(ferry_t.*, '{"ssn":null}'::pg_catalog.jsonb)) END
FROM (SELECT DISTINCT * FROM pg_catalog.json_to_recordset($1::pg_catalog.json) AS ferry_k("region" text, "code" character varying(8), "mood" app.mood) LIMIT pg_catalog.json_array_length($1::pg_catalog.json)) ferry_k
LEFT JOIN "My Schema"."Lines" ferry_t ON ferry_t."region" OPERATOR(pg_catalog.=) ferry_k."region" AND ferry_t."code" OPERATOR(pg_catalog.=) ferry_k."code" AND ferry_t."mood" OPERATOR(pg_catalog.=) ferry_k."mood";
