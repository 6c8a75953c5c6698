-- low-water mark, single instance
DECLARE
    cur NUMBER;
BEGIN
    cur := DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER;
    SELECT LEAST(NVL(MIN(t.START_SCN), cur), cur) INTO :1 FROM V$TRANSACTION t;
    :2 := cur;
END;
/

-- low-water mark, RAC
DECLARE
    cur NUMBER;
BEGIN
    cur := DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER;
    SELECT LEAST(NVL(MIN(t.START_SCN), cur), cur) INTO :1 FROM GV$TRANSACTION t;
    :2 := cur;
END;
/

-- window
SELECT "SEQ", "SCN", "TXID", "TABLE_ID", "OP", "TS", "BEFORE", "AFTER" FROM "FERRY"."OUTBOX"
WHERE "SCN" >= :1 AND "SCN" < :2 AND ("SCN" > :3 OR "SEQ" > :4)
ORDER BY "SCN", "SEQ"
FETCH FIRST :5 ROWS ONLY
/

-- purge
DELETE FROM "FERRY"."OUTBOX" WHERE "SCN" < :1 AND ROWNUM <= :2
/

-- backlog
SELECT COUNT(*), MIN("TS") FROM "FERRY"."OUTBOX"
WHERE "SCN" >= :1 AND ("SCN" > :2 OR "SEQ" > :3)
/

-- current SCN (snapshot mark)
SELECT DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER FROM DUAL
/

-- probe
SELECT COUNT(*) FROM "FERRY"."OUTBOX" WHERE ROWNUM < 1
/

-- lease: request
DECLARE
    handle VARCHAR2(128);
BEGIN
    DBMS_LOCK.ALLOCATE_UNIQUE(:1, handle);
    :2 := DBMS_LOCK.REQUEST(handle, DBMS_LOCK.X_MODE, :3, FALSE);
END;
/

-- lease: release
DECLARE
    handle VARCHAR2(128);
BEGIN
    DBMS_LOCK.ALLOCATE_UNIQUE(:1, handle);
    :2 := DBMS_LOCK.RELEASE(handle);
END;
/

