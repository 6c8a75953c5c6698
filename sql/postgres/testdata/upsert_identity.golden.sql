INSERT INTO "public"."emp" ("id", "v", "n") OVERRIDING SYSTEM VALUE SELECT ferry_r."id", ferry_r."v", ferry_r."n" FROM pg_catalog.json_populate_recordset(NULL::"public"."emp", $1::pg_catalog.json) ferry_r
ON CONFLICT ("id") DO UPDATE SET "v" = EXCLUDED."v";
