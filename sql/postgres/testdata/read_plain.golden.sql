-- settings
SET LOCAL extra_float_digits = 1

-- chunk, bounds none
SELECT pg_catalog.row_to_json(t.*) FROM "public"."emp" t
ORDER BY t."id" LIMIT $1;

-- chunk, bounds after
SELECT pg_catalog.row_to_json(t.*) FROM "public"."emp" t
WHERE (t."id") > ($1::integer)
ORDER BY t."id" LIMIT $2;

-- chunk, bounds until
SELECT pg_catalog.row_to_json(t.*) FROM "public"."emp" t
WHERE (t."id") <= ($1::integer)
ORDER BY t."id" LIMIT $2;

-- chunk, bounds after and until
SELECT pg_catalog.row_to_json(t.*) FROM "public"."emp" t
WHERE (t."id") > ($1::integer)
  AND (t."id") <= ($2::integer)
ORDER BY t."id" LIMIT $3;

-- hash, bounds after and until
SELECT pg_catalog.count(*), pg_catalog.md5(pg_catalog.string_agg(s.img, E'\n')),
  (pg_catalog.array_agg(s.k))[$3]
FROM (SELECT pg_catalog.row_to_json(t.*)::pg_catalog.text AS img, pg_catalog.json_build_object('id', t."id")::pg_catalog.text AS k
FROM "public"."emp" t
WHERE (t."id") > ($1::integer)
  AND (t."id") <= ($2::integer)
ORDER BY t."id" LIMIT $3) s;

-- keys
SELECT pg_catalog.row_to_json(k), CASE WHEN t."id" IS NULL THEN NULL ELSE pg_catalog.row_to_json(t.*) END
FROM (SELECT DISTINCT * FROM pg_catalog.json_to_recordset($1::pg_catalog.json) AS k("id" integer)) k
LEFT JOIN "public"."emp" t ON t."id" OPERATOR(pg_catalog.=) k."id";
