-- snapshot: first chunk
SELECT JSON_OBJECT(
      KEY 'select' VALUE TO_CHAR(t."select", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
      KEY 'DATE' VALUE CASE WHEN t."DATE" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM t."DATE")) || '-' || TO_CHAR(EXTRACT(MONTH FROM t."DATE")) || '-' || TO_CHAR(EXTRACT(DAY FROM t."DATE")) || TO_CHAR(t."DATE", '"T"HH24:MI:SS') END,
      KEY 'it''s /* not */ a name' VALUE t."it's /* not */ a name",
      KEY 'naïve Ünïcode' VALUE t."naïve Ünïcode"
      NULL ON NULL RETURNING CLOB) AS "IMAGE"
FROM "My Schema"."x'); DROP TABLE victim; --" t
ORDER BY t."select"
FETCH FIRST :1 ROWS ONLY
/

-- snapshot: chunk after a key
SELECT JSON_OBJECT(
      KEY 'select' VALUE TO_CHAR(t."select", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
      KEY 'DATE' VALUE CASE WHEN t."DATE" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM t."DATE")) || '-' || TO_CHAR(EXTRACT(MONTH FROM t."DATE")) || '-' || TO_CHAR(EXTRACT(DAY FROM t."DATE")) || TO_CHAR(t."DATE", '"T"HH24:MI:SS') END,
      KEY 'it''s /* not */ a name' VALUE t."it's /* not */ a name",
      KEY 'naïve Ünïcode' VALUE t."naïve Ünïcode"
      NULL ON NULL RETURNING CLOB) AS "IMAGE"
FROM "My Schema"."x'); DROP TABLE victim; --" t
WHERE ((t."select" > TO_NUMBER(:1)))
ORDER BY t."select"
FETCH FIRST :2 ROWS ONLY
/

-- snapshot: chunk up to a key
SELECT JSON_OBJECT(
      KEY 'select' VALUE TO_CHAR(t."select", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
      KEY 'DATE' VALUE CASE WHEN t."DATE" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM t."DATE")) || '-' || TO_CHAR(EXTRACT(MONTH FROM t."DATE")) || '-' || TO_CHAR(EXTRACT(DAY FROM t."DATE")) || TO_CHAR(t."DATE", '"T"HH24:MI:SS') END,
      KEY 'it''s /* not */ a name' VALUE t."it's /* not */ a name",
      KEY 'naïve Ünïcode' VALUE t."naïve Ünïcode"
      NULL ON NULL RETURNING CLOB) AS "IMAGE"
FROM "My Schema"."x'); DROP TABLE victim; --" t
WHERE ((t."select" <= TO_NUMBER(:1)))
ORDER BY t."select"
FETCH FIRST :2 ROWS ONLY
/

-- snapshot: chunk between two keys
SELECT JSON_OBJECT(
      KEY 'select' VALUE TO_CHAR(t."select", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
      KEY 'DATE' VALUE CASE WHEN t."DATE" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM t."DATE")) || '-' || TO_CHAR(EXTRACT(MONTH FROM t."DATE")) || '-' || TO_CHAR(EXTRACT(DAY FROM t."DATE")) || TO_CHAR(t."DATE", '"T"HH24:MI:SS') END,
      KEY 'it''s /* not */ a name' VALUE t."it's /* not */ a name",
      KEY 'naïve Ünïcode' VALUE t."naïve Ünïcode"
      NULL ON NULL RETURNING CLOB) AS "IMAGE"
FROM "My Schema"."x'); DROP TABLE victim; --" t
WHERE ((t."select" > TO_NUMBER(:1)))
  AND ((t."select" <= TO_NUMBER(:2)))
ORDER BY t."select"
FETCH FIRST :3 ROWS ONLY
/

-- snapshot: rows of keys
SELECT JSON_OBJECT(
      KEY 'select' VALUE TO_CHAR(k."select", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,''')
      NULL ON NULL RETURNING CLOB) AS "KEY",
CASE WHEN t."select" IS NULL THEN NULL ELSE JSON_OBJECT(
      KEY 'select' VALUE TO_CHAR(t."select", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
      KEY 'DATE' VALUE CASE WHEN t."DATE" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM t."DATE")) || '-' || TO_CHAR(EXTRACT(MONTH FROM t."DATE")) || '-' || TO_CHAR(EXTRACT(DAY FROM t."DATE")) || TO_CHAR(t."DATE", '"T"HH24:MI:SS') END,
      KEY 'it''s /* not */ a name' VALUE t."it's /* not */ a name",
      KEY 'naïve Ünïcode' VALUE t."naïve Ünïcode"
      NULL ON NULL RETURNING CLOB) END AS "IMAGE"
FROM (
    SELECT DISTINCT TO_NUMBER(j."C1") AS "select"
    FROM JSON_TABLE(:1, '$[*]' ERROR ON ERROR COLUMNS (
        "C1" VARCHAR2(4000) PATH '$.c1' ERROR ON ERROR
    )) j
) k
LEFT JOIN "My Schema"."x'); DROP TABLE victim; --" t ON t."select" = k."select"
/

-- snapshot: character set and collations
SELECT c.COLUMN_NAME, NVL(c.COLLATION, 'BINARY'),
    (SELECT p.VALUE FROM NLS_DATABASE_PARAMETERS p WHERE p.PARAMETER = 'NLS_CHARACTERSET')
FROM ALL_TAB_COLS c
WHERE c.OWNER = :1 AND c.TABLE_NAME = :2
/

