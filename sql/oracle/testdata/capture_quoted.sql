-- install 1 of 10
DECLARE
    cs VARCHAR2(64);
BEGIN
    SELECT VALUE INTO cs FROM NLS_DATABASE_PARAMETERS WHERE PARAMETER = 'NLS_CHARACTERSET';
    IF cs NOT IN ('AL32UTF8', 'UTF8') THEN
        RAISE_APPLICATION_ERROR(-20102, 'ferry: My Schema.x''); DROP TABLE victim; -- has NVARCHAR2, NCHAR or NCLOB columns and the database character set is ' || cs ||
            ', so an image would lose the characters it lacks; exclude those columns or migrate to AL32UTF8');
    END IF;
END;
/

-- install 2 of 10
DECLARE
    ddl CLOB := TO_CLOB('CREATE OR REPLACE TRIGGER "ferry"."CAPTURE_3_CHECK"
FOR INSERT OR UPDATE OR DELETE ON "My Schema"."x''); DROP TABLE victim; --"
DISABLE
COMPOUND TRIGGER
    -- ferry: capture trigger of table 3 in the registry (CAPTURED).
    TYPE change_t IS RECORD (scn NUMBER, op CHAR(1), before CLOB, after CLOB);
    TYPE changes_t IS TABLE OF change_t INDEX BY PLS_INTEGER;
    TYPE by_key_t IS TABLE OF PLS_INTEGER INDEX BY VARCHAR2(32767);
    pending    changes_t;
    moved      changes_t;
    moved_from by_key_t;
    moved_to   by_key_t;
    txid       VARCHAR2(64);

    PROCEDURE flush IS
    BEGIN
        FORALL i IN 1 .. pending.COUNT
            INSERT INTO "ferry"."OUTBOX" ("SCN", "SEQ", "TXID", "TABLE_ID", "OP", "BEFORE", "AFTER")
            VALUES (pending(i).scn, "ferry"."OUTBOX_SEQ".NEXTVAL, txid, 3, pending(i).op, pending(i).before, pending(i).after);
        pending.DELETE;
    END flush;

    PROCEDURE keep(c change_t) IS
    BEGIN
        pending(pending.COUNT + 1) := c;
        IF p') || TO_CLOB('ending.COUNT >= 1000 THEN
            flush;
        END IF;
    END keep;

    -- A statement that Oracle restarts (write consistency) fires its
    -- triggers again after rolling back to where it began, which undoes
    -- the outbox rows but not this memory: start empty each time.
    -- No stamp is taken here (see AFTER EACH ROW).
    BEFORE STATEMENT IS
    BEGIN
        pending.DELETE;
        moved.DELETE;
        moved_from.DELETE;
        moved_to.DELETE;
        txid := NULL;
    END BEFORE STATEMENT;

    AFTER EACH ROW IS
        c       change_t;
        old_key VARCHAR2(32767);
        new_key VARCHAR2(32767);
    BEGIN
        c.scn := DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER;
        IF txid IS NULL THEN
            txid := DBMS_TRANSACTION.LOCAL_TRANSACTION_ID;
        END IF;
        IF INSERTING THEN
            c.op := ''c'';
            FOR r IN (SELECT JSON_OBJECT(
              KEY ''select'' VALUE TO_CHAR(:NEW."select", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
     ') || TO_CLOB('         KEY ''DATE'' VALUE CASE WHEN :NEW."DATE" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :NEW."DATE")) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM :NEW."DATE")) || ''-'' || TO_CHAR(EXTRACT(DAY FROM :NEW."DATE")) || TO_CHAR(:NEW."DATE", ''"T"HH24:MI:SS'') END,
              KEY ''it''''s /* not */ a name'' VALUE :NEW."it''s /* not */ a name",
              KEY ''naïve Ünïcode'' VALUE :NEW."naïve Ünïcode"
              NULL ON NULL RETURNING CLOB) AS img FROM DUAL) LOOP
                c.after := r.img;
            END LOOP;
            keep(c);
        ELSIF DELETING THEN
            c.op := ''d'';
            FOR r IN (SELECT JSON_OBJECT(
              KEY ''select'' VALUE TO_CHAR(:OLD."select", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''DATE'' VALUE CASE WHEN :OLD."DATE" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :OLD."DATE")) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM :OLD."DATE")) || ''-'' || TO_CHAR(EXTRACT(DAY FROM :OLD."DATE")) || TO_CHAR(:OLD."DATE", ''"T"HH24:MI:SS'') END,
              KEY ') || TO_CLOB('''it''''s /* not */ a name'' VALUE :OLD."it''s /* not */ a name",
              KEY ''naïve Ünïcode'' VALUE :OLD."naïve Ünïcode"
              NULL ON NULL RETURNING CLOB) AS img FROM DUAL) LOOP
                c.before := r.img;
            END LOOP;
            keep(c);
        ELSE
            c.op := ''u'';
            FOR r IN (SELECT JSON_OBJECT(
              KEY ''select'' VALUE TO_CHAR(:OLD."select", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''DATE'' VALUE CASE WHEN :OLD."DATE" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :OLD."DATE")) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM :OLD."DATE")) || ''-'' || TO_CHAR(EXTRACT(DAY FROM :OLD."DATE")) || TO_CHAR(:OLD."DATE", ''"T"HH24:MI:SS'') END,
              KEY ''it''''s /* not */ a name'' VALUE :OLD."it''s /* not */ a name",
              KEY ''naïve Ünïcode'' VALUE :OLD."naïve Ünïcode"
              NULL ON NULL RETURNING CLOB) AS old_img,
            JSON_OBJECT(
              KEY ''select'' VALUE TO_CHAR(:NEW."select", ''TM9'', ''NLS_NUMERIC_CHARA') || TO_CLOB('CTERS=''''.,''''''),
              KEY ''DATE'' VALUE CASE WHEN :NEW."DATE" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :NEW."DATE")) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM :NEW."DATE")) || ''-'' || TO_CHAR(EXTRACT(DAY FROM :NEW."DATE")) || TO_CHAR(:NEW."DATE", ''"T"HH24:MI:SS'') END,
              KEY ''it''''s /* not */ a name'' VALUE :NEW."it''s /* not */ a name",
              KEY ''naïve Ünïcode'' VALUE :NEW."naïve Ünïcode"
              NULL ON NULL RETURNING CLOB) AS new_img FROM DUAL) LOOP
                c.before := r.old_img;
                c.after := r.new_img;
            END LOOP;
            old_key := CASE WHEN :OLD."select" IS NULL THEN ''~'' ELSE ''='' || TO_CHAR(:OLD."select", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,'''''') END;
            new_key := CASE WHEN :NEW."select" IS NULL THEN ''~'' ELSE ''='' || TO_CHAR(:NEW."select", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,'''''') END;
            IF old_key = new_key THEN
                keep(c);
            ELSE
                moved(moved.COUNT + 1) := c;
      ') || TO_CLOB('          moved_from(old_key) := moved.COUNT;
                moved_to(new_key) := moved.COUNT;
            END IF;
        END IF;
    END AFTER EACH ROW;

    AFTER STATEMENT IS
        k VARCHAR2(32767);
        c change_t;
    BEGIN
        k := moved_from.FIRST;
        WHILE k IS NOT NULL LOOP
            c := moved(moved_from(k));
            IF moved_to.EXISTS(k) THEN
                c.after := moved(moved_to(k)).after;
                c.scn := GREATEST(c.scn, moved(moved_to(k)).scn);
            ELSE
                c.op := ''d'';
                c.after := NULL;
            END IF;
            keep(c);
            k := moved_from.NEXT(k);
        END LOOP;
        k := moved_to.FIRST;
        WHILE k IS NOT NULL LOOP
            IF NOT moved_from.EXISTS(k) THEN
                c := moved(moved_to(k));
                c.op := ''c'';
                c.before := NULL;
                keep(c);
            END IF;
            k := moved_to.NEXT(k);
        END LOOP;
        flush;
   ') || TO_CLOB(' END AFTER STATEMENT;
END;');
BEGIN
    EXECUTE IMMEDIATE ddl;
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE != -24344 THEN
            RAISE;
        END IF;
END;
/

-- install 3 of 10
DECLARE
    status  VARCHAR2(7);
    enabled VARCHAR2(8);
    msg     VARCHAR2(2000);
BEGIN
    SELECT o.STATUS INTO status FROM ALL_OBJECTS o
    WHERE o.OWNER = 'ferry' AND o.OBJECT_NAME = 'CAPTURE_3_CHECK' AND o.OBJECT_TYPE = 'TRIGGER';
    SELECT t.STATUS INTO enabled FROM ALL_TRIGGERS t
    WHERE t.OWNER = 'ferry' AND t.TRIGGER_NAME = 'CAPTURE_3_CHECK';
    IF status <> 'VALID' THEN
        FOR e IN (SELECT LINE, TEXT FROM ALL_ERRORS WHERE OWNER = 'ferry' AND NAME = 'CAPTURE_3_CHECK' AND TYPE = 'TRIGGER' ORDER BY SEQUENCE) LOOP
            msg := SUBSTR(msg || ' line ' || e.LINE || ': ' || e.TEXT, 1, 1800);
        END LOOP;
        EXECUTE IMMEDIATE 'DROP TRIGGER "ferry"."CAPTURE_3_CHECK"';
        RAISE_APPLICATION_ERROR(-20103, 'ferry: the capture trigger ferry.CAPTURE_3_CHECK on My Schema.x''); DROP TABLE victim; -- does not compile, so capture was not changed:' || msg);
    END IF;
    EXECUTE IMMEDIATE 'DROP TRIGGER "ferry"."CAPTURE_3_CHECK"';
END;
/

-- install 4 of 10
DECLARE
    ddl CLOB := TO_CLOB('CREATE OR REPLACE TRIGGER "ferry"."CAPTURE_3_TCHECK"
AFTER TRUNCATE ON "My Schema".SCHEMA
DISABLE
DECLARE
    seq NUMBER;
BEGIN
    IF ORA_DICT_OBJ_TYPE = ''TABLE'' AND ORA_DICT_OBJ_OWNER = ''My Schema'' AND ORA_DICT_OBJ_NAME = ''x''''); DROP TABLE victim; --'' THEN
        seq := "ferry"."OUTBOX_SEQ".NEXTVAL;
        INSERT INTO "ferry"."OUTBOX" ("SCN", "SEQ", "TXID", "TABLE_ID", "OP")
        VALUES (0, seq, ''-'', 3, ''t'');
        UPDATE "ferry"."OUTBOX"
        SET "SCN" = DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER, "TXID" = DBMS_TRANSACTION.LOCAL_TRANSACTION_ID
        WHERE "SCN" = 0 AND "SEQ" = seq;
    END IF;
END;');
BEGIN
    EXECUTE IMMEDIATE ddl;
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE != -24344 THEN
            RAISE;
        END IF;
END;
/

-- install 5 of 10
DECLARE
    status  VARCHAR2(7);
    enabled VARCHAR2(8);
    msg     VARCHAR2(2000);
BEGIN
    SELECT o.STATUS INTO status FROM ALL_OBJECTS o
    WHERE o.OWNER = 'ferry' AND o.OBJECT_NAME = 'CAPTURE_3_TCHECK' AND o.OBJECT_TYPE = 'TRIGGER';
    SELECT t.STATUS INTO enabled FROM ALL_TRIGGERS t
    WHERE t.OWNER = 'ferry' AND t.TRIGGER_NAME = 'CAPTURE_3_TCHECK';
    IF status <> 'VALID' THEN
        FOR e IN (SELECT LINE, TEXT FROM ALL_ERRORS WHERE OWNER = 'ferry' AND NAME = 'CAPTURE_3_TCHECK' AND TYPE = 'TRIGGER' ORDER BY SEQUENCE) LOOP
            msg := SUBSTR(msg || ' line ' || e.LINE || ': ' || e.TEXT, 1, 1800);
        END LOOP;
        EXECUTE IMMEDIATE 'DROP TRIGGER "ferry"."CAPTURE_3_TCHECK"';
        RAISE_APPLICATION_ERROR(-20103, 'ferry: the capture trigger ferry.CAPTURE_3_TCHECK on My Schema.x''); DROP TABLE victim; -- does not compile, so capture was not changed:' || msg);
    END IF;
    EXECUTE IMMEDIATE 'DROP TRIGGER "ferry"."CAPTURE_3_TCHECK"';
END;
/

-- install 6 of 10
BEGIN
MERGE INTO "ferry"."CAPTURED" r
USING (SELECT 3 AS "ID" FROM DUAL) s
ON (r."ID" = s."ID")
WHEN MATCHED THEN UPDATE SET
    r."SCHEMA_NAME" = 'My Schema', r."TABLE_NAME" = 'x''); DROP TABLE victim; --',
    r."KEY_COLUMNS" = TO_CLOB('["select"]'), r."EXCLUDED" = TO_CLOB('[]'),
    r."COLUMNS" = TO_CLOB('[{"name":"select","type":"NUMBER(10)","kind":"integer","nullable":false},{"name":"DATE","type":"DATE","kind":"timestamp","nullable":true},{"name":"it''s /* not */ a name","type":"VARCHAR2(10 BYTE)","kind":"text","nullable":true},{"name":"naïve Ünïcode","type":"NVARCHAR2(10)","kind":"text","nullable":true}]'),
    r."DDL_HASH" = 'installing', r."UPDATED_AT" = SYSTIMESTAMP
WHEN NOT MATCHED THEN INSERT ("ID", "SCHEMA_NAME", "TABLE_NAME", "KEY_COLUMNS", "EXCLUDED", "COLUMNS", "DDL_HASH")
VALUES (s."ID", 'My Schema', 'x''); DROP TABLE victim; --', TO_CLOB('["select"]'), TO_CLOB('[]'),
    TO_CLOB('[{"name":"select","type":"NUMBER(10)","kind":"integer","nullable":false},{"name":"DATE","type":"DATE","kind":"timestamp","nullable":true},{"name":"it''s /* not */ a name","type":"VARCHAR2(10 BYTE)","kind":"text","nullable":true},{"name":"naïve Ünïcode","type":"NVARCHAR2(10)","kind":"text","nullable":true}]'),
    'installing');
END;
/

-- install 7 of 10
DECLARE
    ddl CLOB := TO_CLOB('CREATE OR REPLACE TRIGGER "ferry"."CAPTURE_3"
FOR INSERT OR UPDATE OR DELETE ON "My Schema"."x''); DROP TABLE victim; --"
COMPOUND TRIGGER
    -- ferry: capture trigger of table 3 in the registry (CAPTURED).
    TYPE change_t IS RECORD (scn NUMBER, op CHAR(1), before CLOB, after CLOB);
    TYPE changes_t IS TABLE OF change_t INDEX BY PLS_INTEGER;
    TYPE by_key_t IS TABLE OF PLS_INTEGER INDEX BY VARCHAR2(32767);
    pending    changes_t;
    moved      changes_t;
    moved_from by_key_t;
    moved_to   by_key_t;
    txid       VARCHAR2(64);

    PROCEDURE flush IS
    BEGIN
        FORALL i IN 1 .. pending.COUNT
            INSERT INTO "ferry"."OUTBOX" ("SCN", "SEQ", "TXID", "TABLE_ID", "OP", "BEFORE", "AFTER")
            VALUES (pending(i).scn, "ferry"."OUTBOX_SEQ".NEXTVAL, txid, 3, pending(i).op, pending(i).before, pending(i).after);
        pending.DELETE;
    END flush;

    PROCEDURE keep(c change_t) IS
    BEGIN
        pending(pending.COUNT + 1) := c;
        IF pending.COUNT >') || TO_CLOB('= 1000 THEN
            flush;
        END IF;
    END keep;

    -- A statement that Oracle restarts (write consistency) fires its
    -- triggers again after rolling back to where it began, which undoes
    -- the outbox rows but not this memory: start empty each time.
    -- No stamp is taken here (see AFTER EACH ROW).
    BEFORE STATEMENT IS
    BEGIN
        pending.DELETE;
        moved.DELETE;
        moved_from.DELETE;
        moved_to.DELETE;
        txid := NULL;
    END BEFORE STATEMENT;

    AFTER EACH ROW IS
        c       change_t;
        old_key VARCHAR2(32767);
        new_key VARCHAR2(32767);
    BEGIN
        c.scn := DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER;
        IF txid IS NULL THEN
            txid := DBMS_TRANSACTION.LOCAL_TRANSACTION_ID;
        END IF;
        IF INSERTING THEN
            c.op := ''c'';
            FOR r IN (SELECT JSON_OBJECT(
              KEY ''select'' VALUE TO_CHAR(:NEW."select", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''') || TO_CLOB('DATE'' VALUE CASE WHEN :NEW."DATE" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :NEW."DATE")) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM :NEW."DATE")) || ''-'' || TO_CHAR(EXTRACT(DAY FROM :NEW."DATE")) || TO_CHAR(:NEW."DATE", ''"T"HH24:MI:SS'') END,
              KEY ''it''''s /* not */ a name'' VALUE :NEW."it''s /* not */ a name",
              KEY ''naïve Ünïcode'' VALUE :NEW."naïve Ünïcode"
              NULL ON NULL RETURNING CLOB) AS img FROM DUAL) LOOP
                c.after := r.img;
            END LOOP;
            keep(c);
        ELSIF DELETING THEN
            c.op := ''d'';
            FOR r IN (SELECT JSON_OBJECT(
              KEY ''select'' VALUE TO_CHAR(:OLD."select", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''DATE'' VALUE CASE WHEN :OLD."DATE" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :OLD."DATE")) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM :OLD."DATE")) || ''-'' || TO_CHAR(EXTRACT(DAY FROM :OLD."DATE")) || TO_CHAR(:OLD."DATE", ''"T"HH24:MI:SS'') END,
              KEY ''it''''s /* not ') || TO_CLOB('*/ a name'' VALUE :OLD."it''s /* not */ a name",
              KEY ''naïve Ünïcode'' VALUE :OLD."naïve Ünïcode"
              NULL ON NULL RETURNING CLOB) AS img FROM DUAL) LOOP
                c.before := r.img;
            END LOOP;
            keep(c);
        ELSE
            c.op := ''u'';
            FOR r IN (SELECT JSON_OBJECT(
              KEY ''select'' VALUE TO_CHAR(:OLD."select", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''DATE'' VALUE CASE WHEN :OLD."DATE" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :OLD."DATE")) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM :OLD."DATE")) || ''-'' || TO_CHAR(EXTRACT(DAY FROM :OLD."DATE")) || TO_CHAR(:OLD."DATE", ''"T"HH24:MI:SS'') END,
              KEY ''it''''s /* not */ a name'' VALUE :OLD."it''s /* not */ a name",
              KEY ''naïve Ünïcode'' VALUE :OLD."naïve Ünïcode"
              NULL ON NULL RETURNING CLOB) AS old_img,
            JSON_OBJECT(
              KEY ''select'' VALUE TO_CHAR(:NEW."select", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,'''''')') || TO_CLOB(',
              KEY ''DATE'' VALUE CASE WHEN :NEW."DATE" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :NEW."DATE")) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM :NEW."DATE")) || ''-'' || TO_CHAR(EXTRACT(DAY FROM :NEW."DATE")) || TO_CHAR(:NEW."DATE", ''"T"HH24:MI:SS'') END,
              KEY ''it''''s /* not */ a name'' VALUE :NEW."it''s /* not */ a name",
              KEY ''naïve Ünïcode'' VALUE :NEW."naïve Ünïcode"
              NULL ON NULL RETURNING CLOB) AS new_img FROM DUAL) LOOP
                c.before := r.old_img;
                c.after := r.new_img;
            END LOOP;
            old_key := CASE WHEN :OLD."select" IS NULL THEN ''~'' ELSE ''='' || TO_CHAR(:OLD."select", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,'''''') END;
            new_key := CASE WHEN :NEW."select" IS NULL THEN ''~'' ELSE ''='' || TO_CHAR(:NEW."select", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,'''''') END;
            IF old_key = new_key THEN
                keep(c);
            ELSE
                moved(moved.COUNT + 1) := c;
                move') || TO_CLOB('d_from(old_key) := moved.COUNT;
                moved_to(new_key) := moved.COUNT;
            END IF;
        END IF;
    END AFTER EACH ROW;

    AFTER STATEMENT IS
        k VARCHAR2(32767);
        c change_t;
    BEGIN
        k := moved_from.FIRST;
        WHILE k IS NOT NULL LOOP
            c := moved(moved_from(k));
            IF moved_to.EXISTS(k) THEN
                c.after := moved(moved_to(k)).after;
                c.scn := GREATEST(c.scn, moved(moved_to(k)).scn);
            ELSE
                c.op := ''d'';
                c.after := NULL;
            END IF;
            keep(c);
            k := moved_from.NEXT(k);
        END LOOP;
        k := moved_to.FIRST;
        WHILE k IS NOT NULL LOOP
            IF NOT moved_from.EXISTS(k) THEN
                c := moved(moved_to(k));
                c.op := ''c'';
                c.before := NULL;
                keep(c);
            END IF;
            k := moved_to.NEXT(k);
        END LOOP;
        flush;
    END AFTER STA') || TO_CLOB('TEMENT;
END;');
BEGIN
    EXECUTE IMMEDIATE ddl;
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE != -24344 THEN
            RAISE;
        END IF;
END;
/

-- install 8 of 10
DECLARE
    status  VARCHAR2(7);
    enabled VARCHAR2(8);
    msg     VARCHAR2(2000);
BEGIN
    SELECT o.STATUS INTO status FROM ALL_OBJECTS o
    WHERE o.OWNER = 'ferry' AND o.OBJECT_NAME = 'CAPTURE_3' AND o.OBJECT_TYPE = 'TRIGGER';
    SELECT t.STATUS INTO enabled FROM ALL_TRIGGERS t
    WHERE t.OWNER = 'ferry' AND t.TRIGGER_NAME = 'CAPTURE_3';
    IF status <> 'VALID' THEN
        FOR e IN (SELECT LINE, TEXT FROM ALL_ERRORS WHERE OWNER = 'ferry' AND NAME = 'CAPTURE_3' AND TYPE = 'TRIGGER' ORDER BY SEQUENCE) LOOP
            msg := SUBSTR(msg || ' line ' || e.LINE || ': ' || e.TEXT, 1, 1800);
        END LOOP;
        RAISE_APPLICATION_ERROR(-20103, 'ferry: the capture trigger ferry.CAPTURE_3 on My Schema.x''); DROP TABLE victim; -- does not compile, so capture was not changed:' || msg);
    END IF;
    IF enabled <> 'ENABLED' THEN
        RAISE_APPLICATION_ERROR(-20104, 'ferry: the capture trigger ferry.CAPTURE_3 on My Schema.x''); DROP TABLE victim; -- is disabled, so changes are not captured: enable it or run `ferry migrate up`');
    END IF;
END;
/

-- install 9 of 10
DECLARE
    ddl CLOB := TO_CLOB('CREATE OR REPLACE TRIGGER "ferry"."CAPTURE_3_T"
AFTER TRUNCATE ON "My Schema".SCHEMA
DECLARE
    seq NUMBER;
BEGIN
    IF ORA_DICT_OBJ_TYPE = ''TABLE'' AND ORA_DICT_OBJ_OWNER = ''My Schema'' AND ORA_DICT_OBJ_NAME = ''x''''); DROP TABLE victim; --'' THEN
        seq := "ferry"."OUTBOX_SEQ".NEXTVAL;
        INSERT INTO "ferry"."OUTBOX" ("SCN", "SEQ", "TXID", "TABLE_ID", "OP")
        VALUES (0, seq, ''-'', 3, ''t'');
        UPDATE "ferry"."OUTBOX"
        SET "SCN" = DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER, "TXID" = DBMS_TRANSACTION.LOCAL_TRANSACTION_ID
        WHERE "SCN" = 0 AND "SEQ" = seq;
    END IF;
END;');
BEGIN
    EXECUTE IMMEDIATE ddl;
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE != -24344 THEN
            RAISE;
        END IF;
END;
/

-- install 10 of 10
DECLARE
    status  VARCHAR2(7);
    enabled VARCHAR2(8);
    msg     VARCHAR2(2000);
BEGIN
    SELECT o.STATUS INTO status FROM ALL_OBJECTS o
    WHERE o.OWNER = 'ferry' AND o.OBJECT_NAME = 'CAPTURE_3_T' AND o.OBJECT_TYPE = 'TRIGGER';
    SELECT t.STATUS INTO enabled FROM ALL_TRIGGERS t
    WHERE t.OWNER = 'ferry' AND t.TRIGGER_NAME = 'CAPTURE_3_T';
    IF status <> 'VALID' THEN
        FOR e IN (SELECT LINE, TEXT FROM ALL_ERRORS WHERE OWNER = 'ferry' AND NAME = 'CAPTURE_3_T' AND TYPE = 'TRIGGER' ORDER BY SEQUENCE) LOOP
            msg := SUBSTR(msg || ' line ' || e.LINE || ': ' || e.TEXT, 1, 1800);
        END LOOP;
        RAISE_APPLICATION_ERROR(-20103, 'ferry: the capture trigger ferry.CAPTURE_3_T on My Schema.x''); DROP TABLE victim; -- does not compile, so capture was not changed:' || msg);
    END IF;
    IF enabled <> 'ENABLED' THEN
        RAISE_APPLICATION_ERROR(-20104, 'ferry: the capture trigger ferry.CAPTURE_3_T on My Schema.x''); DROP TABLE victim; -- is disabled, so changes are not captured: enable it or run `ferry migrate up`');
    END IF;
END;
/

-- trigger text: DML
CREATE OR REPLACE TRIGGER "ferry"."CAPTURE_3"
FOR INSERT OR UPDATE OR DELETE ON "My Schema"."x'); DROP TABLE victim; --"
COMPOUND TRIGGER
    -- ferry: capture trigger of table 3 in the registry (CAPTURED).
    TYPE change_t IS RECORD (scn NUMBER, op CHAR(1), before CLOB, after CLOB);
    TYPE changes_t IS TABLE OF change_t INDEX BY PLS_INTEGER;
    TYPE by_key_t IS TABLE OF PLS_INTEGER INDEX BY VARCHAR2(32767);
    pending    changes_t;
    moved      changes_t;
    moved_from by_key_t;
    moved_to   by_key_t;
    txid       VARCHAR2(64);

    PROCEDURE flush IS
    BEGIN
        FORALL i IN 1 .. pending.COUNT
            INSERT INTO "ferry"."OUTBOX" ("SCN", "SEQ", "TXID", "TABLE_ID", "OP", "BEFORE", "AFTER")
            VALUES (pending(i).scn, "ferry"."OUTBOX_SEQ".NEXTVAL, txid, 3, pending(i).op, pending(i).before, pending(i).after);
        pending.DELETE;
    END flush;

    PROCEDURE keep(c change_t) IS
    BEGIN
        pending(pending.COUNT + 1) := c;
        IF pending.COUNT >= 1000 THEN
            flush;
        END IF;
    END keep;

    -- A statement that Oracle restarts (write consistency) fires its
    -- triggers again after rolling back to where it began, which undoes
    -- the outbox rows but not this memory: start empty each time.
    -- No stamp is taken here (see AFTER EACH ROW).
    BEFORE STATEMENT IS
    BEGIN
        pending.DELETE;
        moved.DELETE;
        moved_from.DELETE;
        moved_to.DELETE;
        txid := NULL;
    END BEFORE STATEMENT;

    AFTER EACH ROW IS
        c       change_t;
        old_key VARCHAR2(32767);
        new_key VARCHAR2(32767);
    BEGIN
        c.scn := DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER;
        IF txid IS NULL THEN
            txid := DBMS_TRANSACTION.LOCAL_TRANSACTION_ID;
        END IF;
        IF INSERTING THEN
            c.op := 'c';
            FOR r IN (SELECT JSON_OBJECT(
              KEY 'select' VALUE TO_CHAR(:NEW."select", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'DATE' VALUE CASE WHEN :NEW."DATE" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :NEW."DATE")) || '-' || TO_CHAR(EXTRACT(MONTH FROM :NEW."DATE")) || '-' || TO_CHAR(EXTRACT(DAY FROM :NEW."DATE")) || TO_CHAR(:NEW."DATE", '"T"HH24:MI:SS') END,
              KEY 'it''s /* not */ a name' VALUE :NEW."it's /* not */ a name",
              KEY 'naïve Ünïcode' VALUE :NEW."naïve Ünïcode"
              NULL ON NULL RETURNING CLOB) AS img FROM DUAL) LOOP
                c.after := r.img;
            END LOOP;
            keep(c);
        ELSIF DELETING THEN
            c.op := 'd';
            FOR r IN (SELECT JSON_OBJECT(
              KEY 'select' VALUE TO_CHAR(:OLD."select", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'DATE' VALUE CASE WHEN :OLD."DATE" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :OLD."DATE")) || '-' || TO_CHAR(EXTRACT(MONTH FROM :OLD."DATE")) || '-' || TO_CHAR(EXTRACT(DAY FROM :OLD."DATE")) || TO_CHAR(:OLD."DATE", '"T"HH24:MI:SS') END,
              KEY 'it''s /* not */ a name' VALUE :OLD."it's /* not */ a name",
              KEY 'naïve Ünïcode' VALUE :OLD."naïve Ünïcode"
              NULL ON NULL RETURNING CLOB) AS img FROM DUAL) LOOP
                c.before := r.img;
            END LOOP;
            keep(c);
        ELSE
            c.op := 'u';
            FOR r IN (SELECT JSON_OBJECT(
              KEY 'select' VALUE TO_CHAR(:OLD."select", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'DATE' VALUE CASE WHEN :OLD."DATE" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :OLD."DATE")) || '-' || TO_CHAR(EXTRACT(MONTH FROM :OLD."DATE")) || '-' || TO_CHAR(EXTRACT(DAY FROM :OLD."DATE")) || TO_CHAR(:OLD."DATE", '"T"HH24:MI:SS') END,
              KEY 'it''s /* not */ a name' VALUE :OLD."it's /* not */ a name",
              KEY 'naïve Ünïcode' VALUE :OLD."naïve Ünïcode"
              NULL ON NULL RETURNING CLOB) AS old_img,
            JSON_OBJECT(
              KEY 'select' VALUE TO_CHAR(:NEW."select", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'DATE' VALUE CASE WHEN :NEW."DATE" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :NEW."DATE")) || '-' || TO_CHAR(EXTRACT(MONTH FROM :NEW."DATE")) || '-' || TO_CHAR(EXTRACT(DAY FROM :NEW."DATE")) || TO_CHAR(:NEW."DATE", '"T"HH24:MI:SS') END,
              KEY 'it''s /* not */ a name' VALUE :NEW."it's /* not */ a name",
              KEY 'naïve Ünïcode' VALUE :NEW."naïve Ünïcode"
              NULL ON NULL RETURNING CLOB) AS new_img FROM DUAL) LOOP
                c.before := r.old_img;
                c.after := r.new_img;
            END LOOP;
            old_key := CASE WHEN :OLD."select" IS NULL THEN '~' ELSE '=' || TO_CHAR(:OLD."select", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,''') END;
            new_key := CASE WHEN :NEW."select" IS NULL THEN '~' ELSE '=' || TO_CHAR(:NEW."select", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,''') END;
            IF old_key = new_key THEN
                keep(c);
            ELSE
                moved(moved.COUNT + 1) := c;
                moved_from(old_key) := moved.COUNT;
                moved_to(new_key) := moved.COUNT;
            END IF;
        END IF;
    END AFTER EACH ROW;

    AFTER STATEMENT IS
        k VARCHAR2(32767);
        c change_t;
    BEGIN
        k := moved_from.FIRST;
        WHILE k IS NOT NULL LOOP
            c := moved(moved_from(k));
            IF moved_to.EXISTS(k) THEN
                c.after := moved(moved_to(k)).after;
                c.scn := GREATEST(c.scn, moved(moved_to(k)).scn);
            ELSE
                c.op := 'd';
                c.after := NULL;
            END IF;
            keep(c);
            k := moved_from.NEXT(k);
        END LOOP;
        k := moved_to.FIRST;
        WHILE k IS NOT NULL LOOP
            IF NOT moved_from.EXISTS(k) THEN
                c := moved(moved_to(k));
                c.op := 'c';
                c.before := NULL;
                keep(c);
            END IF;
            k := moved_to.NEXT(k);
        END LOOP;
        flush;
    END AFTER STATEMENT;
END;
/

-- trigger text: TRUNCATE
CREATE OR REPLACE TRIGGER "ferry"."CAPTURE_3_T"
AFTER TRUNCATE ON "My Schema".SCHEMA
DECLARE
    seq NUMBER;
BEGIN
    IF ORA_DICT_OBJ_TYPE = 'TABLE' AND ORA_DICT_OBJ_OWNER = 'My Schema' AND ORA_DICT_OBJ_NAME = 'x''); DROP TABLE victim; --' THEN
        seq := "ferry"."OUTBOX_SEQ".NEXTVAL;
        INSERT INTO "ferry"."OUTBOX" ("SCN", "SEQ", "TXID", "TABLE_ID", "OP")
        VALUES (0, seq, '-', 3, 't');
        UPDATE "ferry"."OUTBOX"
        SET "SCN" = DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER, "TXID" = DBMS_TRANSACTION.LOCAL_TRANSACTION_ID
        WHERE "SCN" = 0 AND "SEQ" = seq;
    END IF;
END;
/

-- register
BEGIN
MERGE INTO "ferry"."CAPTURED" r
USING (SELECT 3 AS "ID" FROM DUAL) s
ON (r."ID" = s."ID")
WHEN MATCHED THEN UPDATE SET
    r."SCHEMA_NAME" = 'My Schema', r."TABLE_NAME" = 'x''); DROP TABLE victim; --',
    r."KEY_COLUMNS" = TO_CLOB('["select"]'), r."EXCLUDED" = TO_CLOB('[]'),
    r."COLUMNS" = TO_CLOB('[{"name":"select","type":"NUMBER(10)","kind":"integer","nullable":false},{"name":"DATE","type":"DATE","kind":"timestamp","nullable":true},{"name":"it''s /* not */ a name","type":"VARCHAR2(10 BYTE)","kind":"text","nullable":true},{"name":"naïve Ünïcode","type":"NVARCHAR2(10)","kind":"text","nullable":true}]'),
    r."DDL_HASH" = '0123456789abcdef', r."UPDATED_AT" = SYSTIMESTAMP
WHEN NOT MATCHED THEN INSERT ("ID", "SCHEMA_NAME", "TABLE_NAME", "KEY_COLUMNS", "EXCLUDED", "COLUMNS", "DDL_HASH")
VALUES (s."ID", 'My Schema', 'x''); DROP TABLE victim; --', TO_CLOB('["select"]'), TO_CLOB('[]'),
    TO_CLOB('[{"name":"select","type":"NUMBER(10)","kind":"integer","nullable":false},{"name":"DATE","type":"DATE","kind":"timestamp","nullable":true},{"name":"it''s /* not */ a name","type":"VARCHAR2(10 BYTE)","kind":"text","nullable":true},{"name":"naïve Ünïcode","type":"NVARCHAR2(10)","kind":"text","nullable":true}]'),
    '0123456789abcdef');
END;
/

-- remove 1 of 5
BEGIN
    EXECUTE IMMEDIATE 'DROP TRIGGER "ferry"."CAPTURE_3"';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE != -4080 THEN
            RAISE;
        END IF;
END;
/

-- remove 2 of 5
BEGIN
    EXECUTE IMMEDIATE 'DROP TRIGGER "ferry"."CAPTURE_3_T"';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE != -4080 THEN
            RAISE;
        END IF;
END;
/

-- remove 3 of 5
BEGIN
    EXECUTE IMMEDIATE 'DROP TRIGGER "ferry"."CAPTURE_3_CHECK"';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE != -4080 THEN
            RAISE;
        END IF;
END;
/

-- remove 4 of 5
BEGIN
    EXECUTE IMMEDIATE 'DROP TRIGGER "ferry"."CAPTURE_3_TCHECK"';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE != -4080 THEN
            RAISE;
        END IF;
END;
/

-- remove 5 of 5
BEGIN
    DELETE FROM "ferry"."CAPTURED" WHERE "ID" = 3;
END;
/

