INSERT INTO "public"."emp" ("id", "v") SELECT "id", "v" FROM pg_catalog.json_populate_recordset(NULL::"public"."emp", $1::pg_catalog.json)
ON CONFLICT ("id") DO UPDATE SET "v" = EXCLUDED."v";
