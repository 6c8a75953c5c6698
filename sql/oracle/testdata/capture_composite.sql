-- install 1 of 9
DECLARE
    ddl CLOB := TO_CLOB('CREATE OR REPLACE TRIGGER "cdc"."CAPTURE_7_CHECK"
FOR INSERT OR UPDATE OR DELETE ON "HR"."POSTINGS"
DISABLE
COMPOUND TRIGGER
    -- ferry: capture trigger of table 7 in the registry (CAPTURED).
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
            INSERT INTO "cdc"."OUTBOX" ("SCN", "SEQ", "TXID", "TABLE_ID", "OP", "BEFORE", "AFTER")
            VALUES (pending(i).scn, "cdc"."OUTBOX_SEQ".NEXTVAL, txid, 7, pending(i).op, pending(i).before, pending(i).after);
        pending.DELETE;
    END flush;

    PROCEDURE keep(c change_t) IS
    BEGIN
        pending(pending.COUNT + 1) := c;
        IF pending.COUNT >= 1000 THEN
     ') || TO_CLOB('       flush;
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
              KEY ''ACCOUNT'' VALUE :NEW."ACCOUNT",
              KEY ''BOOKED_ON'' VALUE CASE WHEN :NEW."BOOKED_ON" IS NOT NULL THEN TO_') || TO_CLOB('CHAR(EXTRACT(YEAR FROM :NEW."BOOKED_ON")) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM :NEW."BOOKED_ON")) || ''-'' || TO_CHAR(EXTRACT(DAY FROM :NEW."BOOKED_ON")) || TO_CHAR(:NEW."BOOKED_ON", ''"T"HH24:MI:SS'') END,
              KEY ''LINE'' VALUE TO_CHAR(:NEW."LINE", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''AMOUNT'' VALUE TO_CHAR(:NEW."AMOUNT", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,'''''')
              NULL ON NULL RETURNING CLOB) AS img FROM DUAL) LOOP
                c.after := r.img;
            END LOOP;
            keep(c);
        ELSIF DELETING THEN
            c.op := ''d'';
            FOR r IN (SELECT JSON_OBJECT(
              KEY ''ACCOUNT'' VALUE :OLD."ACCOUNT",
              KEY ''BOOKED_ON'' VALUE CASE WHEN :OLD."BOOKED_ON" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :OLD."BOOKED_ON")) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM :OLD."BOOKED_ON")) || ''-'' || TO_CHAR(EXTRACT(DAY FROM :OLD."BOOKED_ON")) || TO_CHAR(:OLD."BOOKED_ON", ''"T"HH24:MI:SS'') END,
              KEY ''LINE'' VALUE TO_') || TO_CLOB('CHAR(:OLD."LINE", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''AMOUNT'' VALUE TO_CHAR(:OLD."AMOUNT", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,'''''')
              NULL ON NULL RETURNING CLOB) AS img FROM DUAL) LOOP
                c.before := r.img;
            END LOOP;
            keep(c);
        ELSE
            c.op := ''u'';
            FOR r IN (SELECT JSON_OBJECT(
              KEY ''ACCOUNT'' VALUE :OLD."ACCOUNT",
              KEY ''BOOKED_ON'' VALUE CASE WHEN :OLD."BOOKED_ON" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :OLD."BOOKED_ON")) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM :OLD."BOOKED_ON")) || ''-'' || TO_CHAR(EXTRACT(DAY FROM :OLD."BOOKED_ON")) || TO_CHAR(:OLD."BOOKED_ON", ''"T"HH24:MI:SS'') END,
              KEY ''LINE'' VALUE TO_CHAR(:OLD."LINE", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''AMOUNT'' VALUE TO_CHAR(:OLD."AMOUNT", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,'''''')
              NULL ON NULL RETURNING CLOB) AS old_img,
            JSON_OBJECT(
              KE') || TO_CLOB('Y ''ACCOUNT'' VALUE :NEW."ACCOUNT",
              KEY ''BOOKED_ON'' VALUE CASE WHEN :NEW."BOOKED_ON" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :NEW."BOOKED_ON")) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM :NEW."BOOKED_ON")) || ''-'' || TO_CHAR(EXTRACT(DAY FROM :NEW."BOOKED_ON")) || TO_CHAR(:NEW."BOOKED_ON", ''"T"HH24:MI:SS'') END,
              KEY ''LINE'' VALUE TO_CHAR(:NEW."LINE", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''AMOUNT'' VALUE TO_CHAR(:NEW."AMOUNT", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,'''''')
              NULL ON NULL RETURNING CLOB) AS new_img FROM DUAL) LOOP
                c.before := r.old_img;
                c.after := r.new_img;
            END LOOP;
            old_key := CASE WHEN :OLD."ACCOUNT" IS NULL THEN ''~'' ELSE ''='' || TO_CHAR(LENGTH(:OLD."ACCOUNT")) || '':'' || :OLD."ACCOUNT" END || '','' || CASE WHEN :OLD."BOOKED_ON" IS NULL THEN ''~'' ELSE ''='' || TO_CHAR(:OLD."BOOKED_ON", ''J SSSSS'') END || '','' || CASE WHEN :OLD."LINE" IS NULL THEN ''~'' ELSE ''='' || TO_CHAR(:OLD."LI') || TO_CLOB('NE", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,'''''') END;
            new_key := CASE WHEN :NEW."ACCOUNT" IS NULL THEN ''~'' ELSE ''='' || TO_CHAR(LENGTH(:NEW."ACCOUNT")) || '':'' || :NEW."ACCOUNT" END || '','' || CASE WHEN :NEW."BOOKED_ON" IS NULL THEN ''~'' ELSE ''='' || TO_CHAR(:NEW."BOOKED_ON", ''J SSSSS'') END || '','' || CASE WHEN :NEW."LINE" IS NULL THEN ''~'' ELSE ''='' || TO_CHAR(:NEW."LINE", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,'''''') END;
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
               ') || TO_CLOB(' c.scn := GREATEST(c.scn, moved(moved_to(k)).scn);
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
    END AFTER STATEMENT;
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

-- install 2 of 9
DECLARE
    status  VARCHAR2(7);
    enabled VARCHAR2(8);
    msg     VARCHAR2(2000);
BEGIN
    SELECT o.STATUS INTO status FROM ALL_OBJECTS o
    WHERE o.OWNER = 'cdc' AND o.OBJECT_NAME = 'CAPTURE_7_CHECK' AND o.OBJECT_TYPE = 'TRIGGER';
    SELECT t.STATUS INTO enabled FROM ALL_TRIGGERS t
    WHERE t.OWNER = 'cdc' AND t.TRIGGER_NAME = 'CAPTURE_7_CHECK';
    IF status <> 'VALID' THEN
        FOR e IN (SELECT LINE, TEXT FROM ALL_ERRORS WHERE OWNER = 'cdc' AND NAME = 'CAPTURE_7_CHECK' AND TYPE = 'TRIGGER' ORDER BY SEQUENCE) LOOP
            msg := SUBSTR(msg || ' line ' || e.LINE || ': ' || e.TEXT, 1, 1800);
        END LOOP;
        EXECUTE IMMEDIATE 'DROP TRIGGER "cdc"."CAPTURE_7_CHECK"';
        RAISE_APPLICATION_ERROR(-20103, 'ferry: the capture trigger cdc.CAPTURE_7_CHECK on HR.POSTINGS does not compile, so capture was not changed:' || msg);
    END IF;
    EXECUTE IMMEDIATE 'DROP TRIGGER "cdc"."CAPTURE_7_CHECK"';
END;
/

-- install 3 of 9
DECLARE
    ddl CLOB := TO_CLOB('CREATE OR REPLACE TRIGGER "cdc"."CAPTURE_7_TCHECK"
AFTER TRUNCATE ON "HR".SCHEMA
DISABLE
DECLARE
    seq NUMBER;
BEGIN
    IF ORA_DICT_OBJ_TYPE = ''TABLE'' AND ORA_DICT_OBJ_OWNER = ''HR'' AND ORA_DICT_OBJ_NAME = ''POSTINGS'' THEN
        seq := "cdc"."OUTBOX_SEQ".NEXTVAL;
        INSERT INTO "cdc"."OUTBOX" ("SCN", "SEQ", "TXID", "TABLE_ID", "OP")
        VALUES (0, seq, ''-'', 7, ''t'');
        UPDATE "cdc"."OUTBOX"
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

-- install 4 of 9
DECLARE
    status  VARCHAR2(7);
    enabled VARCHAR2(8);
    msg     VARCHAR2(2000);
BEGIN
    SELECT o.STATUS INTO status FROM ALL_OBJECTS o
    WHERE o.OWNER = 'cdc' AND o.OBJECT_NAME = 'CAPTURE_7_TCHECK' AND o.OBJECT_TYPE = 'TRIGGER';
    SELECT t.STATUS INTO enabled FROM ALL_TRIGGERS t
    WHERE t.OWNER = 'cdc' AND t.TRIGGER_NAME = 'CAPTURE_7_TCHECK';
    IF status <> 'VALID' THEN
        FOR e IN (SELECT LINE, TEXT FROM ALL_ERRORS WHERE OWNER = 'cdc' AND NAME = 'CAPTURE_7_TCHECK' AND TYPE = 'TRIGGER' ORDER BY SEQUENCE) LOOP
            msg := SUBSTR(msg || ' line ' || e.LINE || ': ' || e.TEXT, 1, 1800);
        END LOOP;
        EXECUTE IMMEDIATE 'DROP TRIGGER "cdc"."CAPTURE_7_TCHECK"';
        RAISE_APPLICATION_ERROR(-20103, 'ferry: the capture trigger cdc.CAPTURE_7_TCHECK on HR.POSTINGS does not compile, so capture was not changed:' || msg);
    END IF;
    EXECUTE IMMEDIATE 'DROP TRIGGER "cdc"."CAPTURE_7_TCHECK"';
END;
/

-- install 5 of 9
BEGIN
MERGE INTO "cdc"."CAPTURED" r
USING (SELECT 7 AS "ID" FROM DUAL) s
ON (r."ID" = s."ID")
WHEN MATCHED THEN UPDATE SET
    r."SCHEMA_NAME" = 'HR', r."TABLE_NAME" = 'POSTINGS',
    r."KEY_COLUMNS" = TO_CLOB('["ACCOUNT","BOOKED_ON","LINE"]'), r."EXCLUDED" = TO_CLOB('["SSN"]'),
    r."COLUMNS" = TO_CLOB('[{"name":"ACCOUNT","type":"VARCHAR2(20 BYTE)","kind":"text","nullable":false},{"name":"BOOKED_ON","type":"DATE","kind":"timestamp","nullable":false},{"name":"LINE","type":"NUMBER(5)","kind":"integer","nullable":false},{"name":"AMOUNT","type":"NUMBER(18,4)","kind":"decimal","nullable":true},{"name":"SSN","type":"VARCHAR2(11 BYTE)","kind":"text","nullable":true}]'),
    r."DDL_HASH" = 'installing', r."UPDATED_AT" = SYSTIMESTAMP
WHEN NOT MATCHED THEN INSERT ("ID", "SCHEMA_NAME", "TABLE_NAME", "KEY_COLUMNS", "EXCLUDED", "COLUMNS", "DDL_HASH")
VALUES (s."ID", 'HR', 'POSTINGS', TO_CLOB('["ACCOUNT","BOOKED_ON","LINE"]'), TO_CLOB('["SSN"]'),
    TO_CLOB('[{"name":"ACCOUNT","type":"VARCHAR2(20 BYTE)","kind":"text","nullable":false},{"name":"BOOKED_ON","type":"DATE","kind":"timestamp","nullable":false},{"name":"LINE","type":"NUMBER(5)","kind":"integer","nullable":false},{"name":"AMOUNT","type":"NUMBER(18,4)","kind":"decimal","nullable":true},{"name":"SSN","type":"VARCHAR2(11 BYTE)","kind":"text","nullable":true}]'),
    'installing');
END;
/

-- install 6 of 9
DECLARE
    ddl CLOB := TO_CLOB('CREATE OR REPLACE TRIGGER "cdc"."CAPTURE_7"
FOR INSERT OR UPDATE OR DELETE ON "HR"."POSTINGS"
COMPOUND TRIGGER
    -- ferry: capture trigger of table 7 in the registry (CAPTURED).
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
            INSERT INTO "cdc"."OUTBOX" ("SCN", "SEQ", "TXID", "TABLE_ID", "OP", "BEFORE", "AFTER")
            VALUES (pending(i).scn, "cdc"."OUTBOX_SEQ".NEXTVAL, txid, 7, pending(i).op, pending(i).before, pending(i).after);
        pending.DELETE;
    END flush;

    PROCEDURE keep(c change_t) IS
    BEGIN
        pending(pending.COUNT + 1) := c;
        IF pending.COUNT >= 1000 THEN
            flush;
') || TO_CLOB('        END IF;
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
              KEY ''ACCOUNT'' VALUE :NEW."ACCOUNT",
              KEY ''BOOKED_ON'' VALUE CASE WHEN :NEW."BOOKED_ON" IS NOT NULL THEN TO_CHAR(EXTRACT(Y') || TO_CLOB('EAR FROM :NEW."BOOKED_ON")) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM :NEW."BOOKED_ON")) || ''-'' || TO_CHAR(EXTRACT(DAY FROM :NEW."BOOKED_ON")) || TO_CHAR(:NEW."BOOKED_ON", ''"T"HH24:MI:SS'') END,
              KEY ''LINE'' VALUE TO_CHAR(:NEW."LINE", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''AMOUNT'' VALUE TO_CHAR(:NEW."AMOUNT", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,'''''')
              NULL ON NULL RETURNING CLOB) AS img FROM DUAL) LOOP
                c.after := r.img;
            END LOOP;
            keep(c);
        ELSIF DELETING THEN
            c.op := ''d'';
            FOR r IN (SELECT JSON_OBJECT(
              KEY ''ACCOUNT'' VALUE :OLD."ACCOUNT",
              KEY ''BOOKED_ON'' VALUE CASE WHEN :OLD."BOOKED_ON" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :OLD."BOOKED_ON")) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM :OLD."BOOKED_ON")) || ''-'' || TO_CHAR(EXTRACT(DAY FROM :OLD."BOOKED_ON")) || TO_CHAR(:OLD."BOOKED_ON", ''"T"HH24:MI:SS'') END,
              KEY ''LINE'' VALUE TO_CHAR(:OLD."LIN') || TO_CLOB('E", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''AMOUNT'' VALUE TO_CHAR(:OLD."AMOUNT", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,'''''')
              NULL ON NULL RETURNING CLOB) AS img FROM DUAL) LOOP
                c.before := r.img;
            END LOOP;
            keep(c);
        ELSE
            c.op := ''u'';
            FOR r IN (SELECT JSON_OBJECT(
              KEY ''ACCOUNT'' VALUE :OLD."ACCOUNT",
              KEY ''BOOKED_ON'' VALUE CASE WHEN :OLD."BOOKED_ON" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :OLD."BOOKED_ON")) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM :OLD."BOOKED_ON")) || ''-'' || TO_CHAR(EXTRACT(DAY FROM :OLD."BOOKED_ON")) || TO_CHAR(:OLD."BOOKED_ON", ''"T"HH24:MI:SS'') END,
              KEY ''LINE'' VALUE TO_CHAR(:OLD."LINE", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''AMOUNT'' VALUE TO_CHAR(:OLD."AMOUNT", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,'''''')
              NULL ON NULL RETURNING CLOB) AS old_img,
            JSON_OBJECT(
              KEY ''ACCOUNT'' VA') || TO_CLOB('LUE :NEW."ACCOUNT",
              KEY ''BOOKED_ON'' VALUE CASE WHEN :NEW."BOOKED_ON" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :NEW."BOOKED_ON")) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM :NEW."BOOKED_ON")) || ''-'' || TO_CHAR(EXTRACT(DAY FROM :NEW."BOOKED_ON")) || TO_CHAR(:NEW."BOOKED_ON", ''"T"HH24:MI:SS'') END,
              KEY ''LINE'' VALUE TO_CHAR(:NEW."LINE", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''AMOUNT'' VALUE TO_CHAR(:NEW."AMOUNT", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,'''''')
              NULL ON NULL RETURNING CLOB) AS new_img FROM DUAL) LOOP
                c.before := r.old_img;
                c.after := r.new_img;
            END LOOP;
            old_key := CASE WHEN :OLD."ACCOUNT" IS NULL THEN ''~'' ELSE ''='' || TO_CHAR(LENGTH(:OLD."ACCOUNT")) || '':'' || :OLD."ACCOUNT" END || '','' || CASE WHEN :OLD."BOOKED_ON" IS NULL THEN ''~'' ELSE ''='' || TO_CHAR(:OLD."BOOKED_ON", ''J SSSSS'') END || '','' || CASE WHEN :OLD."LINE" IS NULL THEN ''~'' ELSE ''='' || TO_CHAR(:OLD."LINE", ''TM9'', ''N') || TO_CLOB('LS_NUMERIC_CHARACTERS=''''.,'''''') END;
            new_key := CASE WHEN :NEW."ACCOUNT" IS NULL THEN ''~'' ELSE ''='' || TO_CHAR(LENGTH(:NEW."ACCOUNT")) || '':'' || :NEW."ACCOUNT" END || '','' || CASE WHEN :NEW."BOOKED_ON" IS NULL THEN ''~'' ELSE ''='' || TO_CHAR(:NEW."BOOKED_ON", ''J SSSSS'') END || '','' || CASE WHEN :NEW."LINE" IS NULL THEN ''~'' ELSE ''='' || TO_CHAR(:NEW."LINE", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,'''''') END;
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
                c.scn := GREA') || TO_CLOB('TEST(c.scn, moved(moved_to(k)).scn);
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
    END AFTER STATEMENT;
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

-- install 7 of 9
DECLARE
    status  VARCHAR2(7);
    enabled VARCHAR2(8);
    msg     VARCHAR2(2000);
BEGIN
    SELECT o.STATUS INTO status FROM ALL_OBJECTS o
    WHERE o.OWNER = 'cdc' AND o.OBJECT_NAME = 'CAPTURE_7' AND o.OBJECT_TYPE = 'TRIGGER';
    SELECT t.STATUS INTO enabled FROM ALL_TRIGGERS t
    WHERE t.OWNER = 'cdc' AND t.TRIGGER_NAME = 'CAPTURE_7';
    IF status <> 'VALID' THEN
        FOR e IN (SELECT LINE, TEXT FROM ALL_ERRORS WHERE OWNER = 'cdc' AND NAME = 'CAPTURE_7' AND TYPE = 'TRIGGER' ORDER BY SEQUENCE) LOOP
            msg := SUBSTR(msg || ' line ' || e.LINE || ': ' || e.TEXT, 1, 1800);
        END LOOP;
        RAISE_APPLICATION_ERROR(-20103, 'ferry: the capture trigger cdc.CAPTURE_7 on HR.POSTINGS does not compile, so capture was not changed:' || msg);
    END IF;
    IF enabled <> 'ENABLED' THEN
        RAISE_APPLICATION_ERROR(-20104, 'ferry: the capture trigger cdc.CAPTURE_7 on HR.POSTINGS is disabled, so changes are not captured: enable it or run `ferry migrate up`');
    END IF;
END;
/

-- install 8 of 9
DECLARE
    ddl CLOB := TO_CLOB('CREATE OR REPLACE TRIGGER "cdc"."CAPTURE_7_T"
AFTER TRUNCATE ON "HR".SCHEMA
DECLARE
    seq NUMBER;
BEGIN
    IF ORA_DICT_OBJ_TYPE = ''TABLE'' AND ORA_DICT_OBJ_OWNER = ''HR'' AND ORA_DICT_OBJ_NAME = ''POSTINGS'' THEN
        seq := "cdc"."OUTBOX_SEQ".NEXTVAL;
        INSERT INTO "cdc"."OUTBOX" ("SCN", "SEQ", "TXID", "TABLE_ID", "OP")
        VALUES (0, seq, ''-'', 7, ''t'');
        UPDATE "cdc"."OUTBOX"
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

-- install 9 of 9
DECLARE
    status  VARCHAR2(7);
    enabled VARCHAR2(8);
    msg     VARCHAR2(2000);
BEGIN
    SELECT o.STATUS INTO status FROM ALL_OBJECTS o
    WHERE o.OWNER = 'cdc' AND o.OBJECT_NAME = 'CAPTURE_7_T' AND o.OBJECT_TYPE = 'TRIGGER';
    SELECT t.STATUS INTO enabled FROM ALL_TRIGGERS t
    WHERE t.OWNER = 'cdc' AND t.TRIGGER_NAME = 'CAPTURE_7_T';
    IF status <> 'VALID' THEN
        FOR e IN (SELECT LINE, TEXT FROM ALL_ERRORS WHERE OWNER = 'cdc' AND NAME = 'CAPTURE_7_T' AND TYPE = 'TRIGGER' ORDER BY SEQUENCE) LOOP
            msg := SUBSTR(msg || ' line ' || e.LINE || ': ' || e.TEXT, 1, 1800);
        END LOOP;
        RAISE_APPLICATION_ERROR(-20103, 'ferry: the capture trigger cdc.CAPTURE_7_T on HR.POSTINGS does not compile, so capture was not changed:' || msg);
    END IF;
    IF enabled <> 'ENABLED' THEN
        RAISE_APPLICATION_ERROR(-20104, 'ferry: the capture trigger cdc.CAPTURE_7_T on HR.POSTINGS is disabled, so changes are not captured: enable it or run `ferry migrate up`');
    END IF;
END;
/

-- trigger text: DML
CREATE OR REPLACE TRIGGER "cdc"."CAPTURE_7"
FOR INSERT OR UPDATE OR DELETE ON "HR"."POSTINGS"
COMPOUND TRIGGER
    -- ferry: capture trigger of table 7 in the registry (CAPTURED).
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
            INSERT INTO "cdc"."OUTBOX" ("SCN", "SEQ", "TXID", "TABLE_ID", "OP", "BEFORE", "AFTER")
            VALUES (pending(i).scn, "cdc"."OUTBOX_SEQ".NEXTVAL, txid, 7, pending(i).op, pending(i).before, pending(i).after);
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
              KEY 'ACCOUNT' VALUE :NEW."ACCOUNT",
              KEY 'BOOKED_ON' VALUE CASE WHEN :NEW."BOOKED_ON" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :NEW."BOOKED_ON")) || '-' || TO_CHAR(EXTRACT(MONTH FROM :NEW."BOOKED_ON")) || '-' || TO_CHAR(EXTRACT(DAY FROM :NEW."BOOKED_ON")) || TO_CHAR(:NEW."BOOKED_ON", '"T"HH24:MI:SS') END,
              KEY 'LINE' VALUE TO_CHAR(:NEW."LINE", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'AMOUNT' VALUE TO_CHAR(:NEW."AMOUNT", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,''')
              NULL ON NULL RETURNING CLOB) AS img FROM DUAL) LOOP
                c.after := r.img;
            END LOOP;
            keep(c);
        ELSIF DELETING THEN
            c.op := 'd';
            FOR r IN (SELECT JSON_OBJECT(
              KEY 'ACCOUNT' VALUE :OLD."ACCOUNT",
              KEY 'BOOKED_ON' VALUE CASE WHEN :OLD."BOOKED_ON" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :OLD."BOOKED_ON")) || '-' || TO_CHAR(EXTRACT(MONTH FROM :OLD."BOOKED_ON")) || '-' || TO_CHAR(EXTRACT(DAY FROM :OLD."BOOKED_ON")) || TO_CHAR(:OLD."BOOKED_ON", '"T"HH24:MI:SS') END,
              KEY 'LINE' VALUE TO_CHAR(:OLD."LINE", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'AMOUNT' VALUE TO_CHAR(:OLD."AMOUNT", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,''')
              NULL ON NULL RETURNING CLOB) AS img FROM DUAL) LOOP
                c.before := r.img;
            END LOOP;
            keep(c);
        ELSE
            c.op := 'u';
            FOR r IN (SELECT JSON_OBJECT(
              KEY 'ACCOUNT' VALUE :OLD."ACCOUNT",
              KEY 'BOOKED_ON' VALUE CASE WHEN :OLD."BOOKED_ON" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :OLD."BOOKED_ON")) || '-' || TO_CHAR(EXTRACT(MONTH FROM :OLD."BOOKED_ON")) || '-' || TO_CHAR(EXTRACT(DAY FROM :OLD."BOOKED_ON")) || TO_CHAR(:OLD."BOOKED_ON", '"T"HH24:MI:SS') END,
              KEY 'LINE' VALUE TO_CHAR(:OLD."LINE", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'AMOUNT' VALUE TO_CHAR(:OLD."AMOUNT", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,''')
              NULL ON NULL RETURNING CLOB) AS old_img,
            JSON_OBJECT(
              KEY 'ACCOUNT' VALUE :NEW."ACCOUNT",
              KEY 'BOOKED_ON' VALUE CASE WHEN :NEW."BOOKED_ON" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :NEW."BOOKED_ON")) || '-' || TO_CHAR(EXTRACT(MONTH FROM :NEW."BOOKED_ON")) || '-' || TO_CHAR(EXTRACT(DAY FROM :NEW."BOOKED_ON")) || TO_CHAR(:NEW."BOOKED_ON", '"T"HH24:MI:SS') END,
              KEY 'LINE' VALUE TO_CHAR(:NEW."LINE", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'AMOUNT' VALUE TO_CHAR(:NEW."AMOUNT", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,''')
              NULL ON NULL RETURNING CLOB) AS new_img FROM DUAL) LOOP
                c.before := r.old_img;
                c.after := r.new_img;
            END LOOP;
            old_key := CASE WHEN :OLD."ACCOUNT" IS NULL THEN '~' ELSE '=' || TO_CHAR(LENGTH(:OLD."ACCOUNT")) || ':' || :OLD."ACCOUNT" END || ',' || CASE WHEN :OLD."BOOKED_ON" IS NULL THEN '~' ELSE '=' || TO_CHAR(:OLD."BOOKED_ON", 'J SSSSS') END || ',' || CASE WHEN :OLD."LINE" IS NULL THEN '~' ELSE '=' || TO_CHAR(:OLD."LINE", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,''') END;
            new_key := CASE WHEN :NEW."ACCOUNT" IS NULL THEN '~' ELSE '=' || TO_CHAR(LENGTH(:NEW."ACCOUNT")) || ':' || :NEW."ACCOUNT" END || ',' || CASE WHEN :NEW."BOOKED_ON" IS NULL THEN '~' ELSE '=' || TO_CHAR(:NEW."BOOKED_ON", 'J SSSSS') END || ',' || CASE WHEN :NEW."LINE" IS NULL THEN '~' ELSE '=' || TO_CHAR(:NEW."LINE", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,''') END;
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
CREATE OR REPLACE TRIGGER "cdc"."CAPTURE_7_T"
AFTER TRUNCATE ON "HR".SCHEMA
DECLARE
    seq NUMBER;
BEGIN
    IF ORA_DICT_OBJ_TYPE = 'TABLE' AND ORA_DICT_OBJ_OWNER = 'HR' AND ORA_DICT_OBJ_NAME = 'POSTINGS' THEN
        seq := "cdc"."OUTBOX_SEQ".NEXTVAL;
        INSERT INTO "cdc"."OUTBOX" ("SCN", "SEQ", "TXID", "TABLE_ID", "OP")
        VALUES (0, seq, '-', 7, 't');
        UPDATE "cdc"."OUTBOX"
        SET "SCN" = DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER, "TXID" = DBMS_TRANSACTION.LOCAL_TRANSACTION_ID
        WHERE "SCN" = 0 AND "SEQ" = seq;
    END IF;
END;
/

-- register
BEGIN
MERGE INTO "cdc"."CAPTURED" r
USING (SELECT 7 AS "ID" FROM DUAL) s
ON (r."ID" = s."ID")
WHEN MATCHED THEN UPDATE SET
    r."SCHEMA_NAME" = 'HR', r."TABLE_NAME" = 'POSTINGS',
    r."KEY_COLUMNS" = TO_CLOB('["ACCOUNT","BOOKED_ON","LINE"]'), r."EXCLUDED" = TO_CLOB('["SSN"]'),
    r."COLUMNS" = TO_CLOB('[{"name":"ACCOUNT","type":"VARCHAR2(20 BYTE)","kind":"text","nullable":false},{"name":"BOOKED_ON","type":"DATE","kind":"timestamp","nullable":false},{"name":"LINE","type":"NUMBER(5)","kind":"integer","nullable":false},{"name":"AMOUNT","type":"NUMBER(18,4)","kind":"decimal","nullable":true},{"name":"SSN","type":"VARCHAR2(11 BYTE)","kind":"text","nullable":true}]'),
    r."DDL_HASH" = '0123456789abcdef', r."UPDATED_AT" = SYSTIMESTAMP
WHEN NOT MATCHED THEN INSERT ("ID", "SCHEMA_NAME", "TABLE_NAME", "KEY_COLUMNS", "EXCLUDED", "COLUMNS", "DDL_HASH")
VALUES (s."ID", 'HR', 'POSTINGS', TO_CLOB('["ACCOUNT","BOOKED_ON","LINE"]'), TO_CLOB('["SSN"]'),
    TO_CLOB('[{"name":"ACCOUNT","type":"VARCHAR2(20 BYTE)","kind":"text","nullable":false},{"name":"BOOKED_ON","type":"DATE","kind":"timestamp","nullable":false},{"name":"LINE","type":"NUMBER(5)","kind":"integer","nullable":false},{"name":"AMOUNT","type":"NUMBER(18,4)","kind":"decimal","nullable":true},{"name":"SSN","type":"VARCHAR2(11 BYTE)","kind":"text","nullable":true}]'),
    '0123456789abcdef');
END;
/

-- remove 1 of 5
BEGIN
    EXECUTE IMMEDIATE 'DROP TRIGGER "cdc"."CAPTURE_7"';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE != -4080 THEN
            RAISE;
        END IF;
END;
/

-- remove 2 of 5
BEGIN
    EXECUTE IMMEDIATE 'DROP TRIGGER "cdc"."CAPTURE_7_T"';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE != -4080 THEN
            RAISE;
        END IF;
END;
/

-- remove 3 of 5
BEGIN
    EXECUTE IMMEDIATE 'DROP TRIGGER "cdc"."CAPTURE_7_CHECK"';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE != -4080 THEN
            RAISE;
        END IF;
END;
/

-- remove 4 of 5
BEGIN
    EXECUTE IMMEDIATE 'DROP TRIGGER "cdc"."CAPTURE_7_TCHECK"';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE != -4080 THEN
            RAISE;
        END IF;
END;
/

-- remove 5 of 5
BEGIN
    DELETE FROM "cdc"."CAPTURED" WHERE "ID" = 7;
END;
/

