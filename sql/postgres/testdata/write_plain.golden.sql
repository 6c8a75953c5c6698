WITH ferry_d AS (DELETE FROM "public"."emp" WHERE ("id") IN (SELECT ferry_r."id" FROM pg_catalog.json_populate_recordset(NULL::"public"."emp", $2::pg_catalog.json) ferry_r LIMIT pg_catalog.json_array_length($2::pg_catalog.json)) RETURNING 1)
INSERT INTO "public"."emp" ("id", "v") SELECT ferry_r."id", ferry_r."v" FROM pg_catalog.json_populate_recordset(NULL::"public"."emp", $1::pg_catalog.json) ferry_r WHERE (SELECT pg_catalog.count(*) FROM ferry_d) >= 0
ON CONFLICT ("id") DO UPDATE SET "v" = EXCLUDED."v";
