WITH ferry_v AS (SELECT ferry_r."a", ferry_r."b", ferry_r."v" FROM pg_catalog.json_populate_recordset(NULL::"public"."order", $1::pg_catalog.json) ferry_r LIMIT pg_catalog.json_array_length($1::pg_catalog.json)),
ferry_u AS (UPDATE "public"."order" ferry_t SET "v" = ferry_v."v" FROM ferry_v WHERE ferry_t."a" = ferry_v."a" AND ferry_t."b" = ferry_v."b" RETURNING ferry_t."a", ferry_t."b")
INSERT INTO "public"."order" ("a", "b", "v") SELECT "a", "b", "v" FROM ferry_v WHERE NOT EXISTS (SELECT FROM ferry_u WHERE ferry_u."a" = ferry_v."a" AND ferry_u."b" = ferry_v."b");
