-- settings
SET LOCAL extra_float_digits = 1

-- chunk, bounds none
SELECT pg_catalog.row_to_json(t) FROM "public"."emp" t
ORDER BY t."id" LIMIT $1;

-- chunk, bounds after
SELECT pg_catalog.row_to_json(t) FROM "public"."emp" t
WHERE (t."id") > ($1::integer)
ORDER BY t."id" LIMIT $2;

-- chunk, bounds until
SELECT pg_catalog.row_to_json(t) FROM "public"."emp" t
WHERE (t."id") <= ($1::integer)
ORDER BY t."id" LIMIT $2;

-- chunk, bounds after and until
SELECT pg_catalog.row_to_json(t) FROM "public"."emp" t
WHERE (t."id") > ($1::integer)
  AND (t."id") <= ($2::integer)
ORDER BY t."id" LIMIT $3;

-- keys
SELECT pg_catalog.row_to_json(k), pg_catalog.row_to_json(t)
FROM (SELECT DISTINCT * FROM pg_catalog.json_to_recordset($1::pg_catalog.json) AS k("id" integer)) k
LEFT JOIN "public"."emp" t ON t."id" OPERATOR(pg_catalog.=) k."id";
