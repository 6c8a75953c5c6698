-- settings
SET LOCAL extra_float_digits = 1

-- chunk, bounds none
SELECT pg_catalog.row_to_json(ferry_t.*) FROM "public"."emp" ferry_t
ORDER BY ferry_t."id" LIMIT $1;

-- chunk, bounds after
SELECT pg_catalog.row_to_json(ferry_t.*) FROM "public"."emp" ferry_t
WHERE (ferry_t."id") > ($1::integer)
ORDER BY ferry_t."id" LIMIT $2;

-- chunk, bounds until
SELECT pg_catalog.row_to_json(ferry_t.*) FROM "public"."emp" ferry_t
WHERE (ferry_t."id") <= ($1::integer)
ORDER BY ferry_t."id" LIMIT $2;

-- chunk, bounds after and until
SELECT pg_catalog.row_to_json(ferry_t.*) FROM "public"."emp" ferry_t
WHERE (ferry_t."id") > ($1::integer)
  AND (ferry_t."id") <= ($2::integer)
ORDER BY ferry_t."id" LIMIT $3;

-- hash, bounds after and until
SELECT pg_catalog.count(*), pg_catalog.md5(pg_catalog.string_agg(ferry_s.ferry_img, E'\n')),
  (pg_catalog.array_agg(ferry_s.ferry_k))[$3]
FROM (SELECT pg_catalog.row_to_json(ferry_t.*)::pg_catalog.text AS ferry_img, pg_catalog.json_build_object('id', ferry_t."id")::pg_catalog.text AS ferry_k
FROM "public"."emp" ferry_t
WHERE (ferry_t."id") > ($1::integer)
  AND (ferry_t."id") <= ($2::integer)
ORDER BY ferry_t."id" LIMIT $3) ferry_s;

-- keys
SELECT pg_catalog.row_to_json(ferry_k), CASE WHEN ferry_t."id" IS NULL THEN NULL ELSE pg_catalog.row_to_json(ferry_t.*) END
FROM (SELECT DISTINCT * FROM pg_catalog.json_to_recordset($1::pg_catalog.json) AS ferry_k("id" integer) LIMIT pg_catalog.json_array_length($1::pg_catalog.json)) ferry_k
LEFT JOIN "public"."emp" ferry_t ON ferry_t."id" OPERATOR(pg_catalog.=) ferry_k."id";
