-- upsert, array binding
MERGE INTO "My Schema"."x'); DROP TABLE victim; --" t
USING (SELECT TO_NUMBER(:1) AS "select", TO_DATE(:2, 'SYYYY-MM-DD HH24:MI:SS') AS "DATE", :3 AS "it's /* not */ a name", :4 AS "naïve Ünïcode" FROM DUAL) s
ON (t."select" = s."select")
WHEN MATCHED THEN UPDATE SET t."DATE" = s."DATE", t."it's /* not */ a name" = s."it's /* not */ a name", t."naïve Ünïcode" = s."naïve Ünïcode"
WHEN NOT MATCHED THEN INSERT ("select", "DATE", "it's /* not */ a name", "naïve Ünïcode")
VALUES (s."select", s."DATE", s."it's /* not */ a name", s."naïve Ünïcode")
/

-- upsert, JSON_TABLE
MERGE INTO "My Schema"."x'); DROP TABLE victim; --" t
USING (
    SELECT TO_NUMBER(j."C1") AS "select", TO_DATE(j."C2", 'SYYYY-MM-DD HH24:MI:SS') AS "DATE", j."C3" AS "it's /* not */ a name", j."C4" AS "naïve Ünïcode"
    FROM JSON_TABLE(:1, '$[*]' ERROR ON ERROR COLUMNS (
        "C1" VARCHAR2(4000) PATH '$.c1' ERROR ON ERROR,
        "C2" VARCHAR2(4000) PATH '$.c2' ERROR ON ERROR,
        "C3" VARCHAR2(4000) PATH '$.c3' ERROR ON ERROR,
        "C4" VARCHAR2(4000) PATH '$.c4' ERROR ON ERROR
    )) j
) s
ON (t."select" = s."select")
WHEN MATCHED THEN UPDATE SET t."DATE" = s."DATE", t."it's /* not */ a name" = s."it's /* not */ a name", t."naïve Ünïcode" = s."naïve Ünïcode"
WHEN NOT MATCHED THEN INSERT ("select", "DATE", "it's /* not */ a name", "naïve Ünïcode")
VALUES (s."select", s."DATE", s."it's /* not */ a name", s."naïve Ünïcode")
/

-- delete, array binding
DELETE FROM "My Schema"."x'); DROP TABLE victim; --"
WHERE "select" = TO_NUMBER(:1)
/

-- delete, JSON_TABLE
DELETE FROM "My Schema"."x'); DROP TABLE victim; --"
WHERE ("select") IN (
    SELECT TO_NUMBER(j."C1")
    FROM JSON_TABLE(:1, '$[*]' ERROR ON ERROR COLUMNS (
        "C1" VARCHAR2(4000) PATH '$.c1' ERROR ON ERROR
    )) j
)
/

