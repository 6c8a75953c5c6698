-- upsert, array binding
MERGE INTO "HR"."TAGS" t
USING (SELECT :1 AS "TAG" FROM DUAL) s
ON (t."TAG" = s."TAG")
WHEN NOT MATCHED THEN INSERT ("TAG")
VALUES (s."TAG")
/

-- upsert, JSON_TABLE
MERGE INTO "HR"."TAGS" t
USING (
    SELECT j."C1" AS "TAG"
    FROM JSON_TABLE(:1, '$[*]' ERROR ON ERROR COLUMNS (
        "C1" VARCHAR2(4000) PATH '$.c1' ERROR ON ERROR
    )) j
) s
ON (t."TAG" = s."TAG")
WHEN NOT MATCHED THEN INSERT ("TAG")
VALUES (s."TAG")
/

-- delete, array binding
DELETE FROM "HR"."TAGS"
WHERE "TAG" = :1
/

-- delete, JSON_TABLE
DELETE FROM "HR"."TAGS"
WHERE ("TAG") IN (
    SELECT j."C1"
    FROM JSON_TABLE(:1, '$[*]' ERROR ON ERROR COLUMNS (
        "C1" VARCHAR2(4000) PATH '$.c1' ERROR ON ERROR
    )) j
)
/

