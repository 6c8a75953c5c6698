INSERT INTO "public"."emp" ("id", "v") SELECT ferry_r."id", ferry_r."v" FROM pg_catalog.json_populate_recordset(NULL::"public"."emp", $1::pg_catalog.json) ferry_r
ON CONFLICT ("id") DO UPDATE SET "v" = EXCLUDED."v";
