WITH ferry_d AS (DELETE FROM "public"."tag" WHERE ("id") IN (SELECT ferry_r."id" FROM pg_catalog.json_populate_recordset(NULL::"public"."tag", $2::pg_catalog.json) ferry_r LIMIT pg_catalog.json_array_length($2::pg_catalog.json)) RETURNING 1),
ferry_v AS (SELECT ferry_r."id" FROM pg_catalog.json_populate_recordset(NULL::"public"."tag", $1::pg_catalog.json) ferry_r WHERE (SELECT pg_catalog.count(*) FROM ferry_d) >= 0 LIMIT pg_catalog.json_array_length($1::pg_catalog.json)),
ferry_u AS (SELECT ferry_t."id" FROM "public"."tag" ferry_t, ferry_v WHERE ferry_t."id" = ferry_v."id")
INSERT INTO "public"."tag" ("id") SELECT "id" FROM ferry_v WHERE NOT EXISTS (SELECT FROM ferry_u WHERE ferry_u."id" = ferry_v."id");
