-- install 1 of 10
DECLARE
    cs VARCHAR2(64);
BEGIN
    SELECT VALUE INTO cs FROM NLS_DATABASE_PARAMETERS WHERE PARAMETER = 'NLS_CHARACTERSET';
    IF cs NOT IN ('AL32UTF8', 'UTF8') THEN
        RAISE_APPLICATION_ERROR(-20102, 'ferry: HR.ALL_TYPES has NVARCHAR2, NCHAR or NCLOB columns and the database character set is ' || cs ||
            ', so an image would lose the characters it lacks; exclude those columns or migrate to AL32UTF8');
    END IF;
END;
/

-- install 2 of 10
DECLARE
    ddl CLOB := TO_CLOB('CREATE OR REPLACE TRIGGER "ferry"."CAPTURE_1_CHECK"
FOR INSERT OR UPDATE OR DELETE ON "HR"."ALL_TYPES"
DISABLE
COMPOUND TRIGGER
    -- ferry: capture trigger of table 1 in the registry (CAPTURED).
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
            VALUES (pending(i).scn, "ferry"."OUTBOX_SEQ".NEXTVAL, txid, 1, pending(i).op, pending(i).before, pending(i).after);
        pending.DELETE;
    END flush;

    PROCEDURE keep(c change_t) IS
    BEGIN
        pending(pending.COUNT + 1) := c;
        IF pending.COUNT >= 1000 THE') || TO_CLOB('N
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
              KEY ''ID'' VALUE TO_CHAR(:NEW."ID", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_PLAIN'' VALUE TO_') || TO_CLOB('CHAR(:NEW."N_PLAIN", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_MONEY'' VALUE TO_CHAR(:NEW."N_MONEY", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_38'' VALUE TO_CHAR(:NEW."N_38", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_INTEGER'' VALUE TO_CHAR(:NEW."N_INTEGER", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_HUNDREDS'' VALUE TO_CHAR(:NEW."N_HUNDREDS", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''F_126'' VALUE TO_CHAR(:NEW."F_126", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''F_5'' VALUE TO_CHAR(:NEW."F_5", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''BF'' VALUE RAWTOHEX(UTL_RAW.CAST_FROM_BINARY_FLOAT(:NEW."BF")),
              KEY ''BD'' VALUE RAWTOHEX(UTL_RAW.CAST_FROM_BINARY_DOUBLE(:NEW."BD")),
              KEY ''D'' VALUE CASE WHEN :NEW."D" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :NEW."D")) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM :NEW."D")) || ''-'' || TO_CHAR(EXTRACT(DAY FROM :NE') || TO_CLOB('W."D")) || TO_CHAR(:NEW."D", ''"T"HH24:MI:SS'') END,
              KEY ''TS9'' VALUE CASE WHEN :NEW."TS9" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :NEW."TS9")) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM :NEW."TS9")) || ''-'' || TO_CHAR(EXTRACT(DAY FROM :NEW."TS9")) || TO_CHAR(:NEW."TS9", ''"T"HH24:MI:SS.FF9'') END,
              KEY ''TSTZ'' VALUE CASE WHEN :NEW."TSTZ" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM SYS_EXTRACT_UTC(:NEW."TSTZ"))) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM SYS_EXTRACT_UTC(:NEW."TSTZ"))) || ''-'' || TO_CHAR(EXTRACT(DAY FROM SYS_EXTRACT_UTC(:NEW."TSTZ"))) || TO_CHAR(SYS_EXTRACT_UTC(:NEW."TSTZ"), ''"T"HH24:MI:SS.FF9'') || TO_CHAR(:NEW."TSTZ", ''" "TZH:TZM" "TZR'') END,
              KEY ''TSLTZ'' VALUE CASE WHEN :NEW."TSLTZ" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM SYS_EXTRACT_UTC(CAST(:NEW."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM SYS_EXTRACT_UTC(CAST(:NEW."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || ''-'' || TO_CHAR(EXTRACT(DAY FROM SYS_EXTRACT_UTC(CAST(') || TO_CLOB(':NEW."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || TO_CHAR(SYS_EXTRACT_UTC(CAST(:NEW."TSLTZ" AS TIMESTAMP WITH TIME ZONE)), ''"T"HH24:MI:SS.FF9'') || '' +00:00 +00:00'' END,
              KEY ''IYM'' VALUE CASE WHEN :NEW."IYM" IS NOT NULL THEN ''P'' || TO_CHAR(EXTRACT(YEAR FROM :NEW."IYM")) || ''Y'' || TO_CHAR(EXTRACT(MONTH FROM :NEW."IYM")) || ''M'' END,
              KEY ''IDS'' VALUE CASE WHEN :NEW."IDS" IS NOT NULL THEN ''P'' || TO_CHAR(EXTRACT(DAY FROM :NEW."IDS")) || ''DT'' || TO_CHAR(EXTRACT(HOUR FROM :NEW."IDS")) || ''H'' || TO_CHAR(EXTRACT(MINUTE FROM :NEW."IDS")) || ''M'' || TO_CHAR(EXTRACT(SECOND FROM :NEW."IDS"), ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,'''''') || ''S'' END,
              KEY ''V'' VALUE :NEW."V",
              KEY ''NV'' VALUE :NEW."NV",
              KEY ''C'' VALUE :NEW."C",
              KEY ''NC'' VALUE :NEW."NC",
              KEY ''DOC'' VALUE :NEW."DOC",
              KEY ''NDOC'' VALUE :NEW."NDOC",
              KEY ''BIN'' VALUE "ferry"."BASE64"(:NEW."BIN"),
              KEY ''R16'' VALUE "ferry".') || TO_CLOB('"BASE64"(TO_BLOB(:NEW."R16")),
              KEY ''FLAG'' VALUE :NEW."FLAG",
              KEY ''J'' VALUE :NEW."J"
              NULL ON NULL RETURNING CLOB) AS img FROM DUAL) LOOP
                c.after := r.img;
            END LOOP;
            keep(c);
        ELSIF DELETING THEN
            c.op := ''d'';
            FOR r IN (SELECT JSON_OBJECT(
              KEY ''ID'' VALUE TO_CHAR(:OLD."ID", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_PLAIN'' VALUE TO_CHAR(:OLD."N_PLAIN", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_MONEY'' VALUE TO_CHAR(:OLD."N_MONEY", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_38'' VALUE TO_CHAR(:OLD."N_38", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_INTEGER'' VALUE TO_CHAR(:OLD."N_INTEGER", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_HUNDREDS'' VALUE TO_CHAR(:OLD."N_HUNDREDS", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''F_126'' VALUE TO_CHAR(:OLD."F_126", ''TM9'', ''') || TO_CLOB('NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''F_5'' VALUE TO_CHAR(:OLD."F_5", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''BF'' VALUE RAWTOHEX(UTL_RAW.CAST_FROM_BINARY_FLOAT(:OLD."BF")),
              KEY ''BD'' VALUE RAWTOHEX(UTL_RAW.CAST_FROM_BINARY_DOUBLE(:OLD."BD")),
              KEY ''D'' VALUE CASE WHEN :OLD."D" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :OLD."D")) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM :OLD."D")) || ''-'' || TO_CHAR(EXTRACT(DAY FROM :OLD."D")) || TO_CHAR(:OLD."D", ''"T"HH24:MI:SS'') END,
              KEY ''TS9'' VALUE CASE WHEN :OLD."TS9" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :OLD."TS9")) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM :OLD."TS9")) || ''-'' || TO_CHAR(EXTRACT(DAY FROM :OLD."TS9")) || TO_CHAR(:OLD."TS9", ''"T"HH24:MI:SS.FF9'') END,
              KEY ''TSTZ'' VALUE CASE WHEN :OLD."TSTZ" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM SYS_EXTRACT_UTC(:OLD."TSTZ"))) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM SYS_EXTRACT_UTC(:OLD."TSTZ"))) || ''-'' || TO_CHAR(EXTRAC') || TO_CLOB('T(DAY FROM SYS_EXTRACT_UTC(:OLD."TSTZ"))) || TO_CHAR(SYS_EXTRACT_UTC(:OLD."TSTZ"), ''"T"HH24:MI:SS.FF9'') || TO_CHAR(:OLD."TSTZ", ''" "TZH:TZM" "TZR'') END,
              KEY ''TSLTZ'' VALUE CASE WHEN :OLD."TSLTZ" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM SYS_EXTRACT_UTC(CAST(:OLD."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM SYS_EXTRACT_UTC(CAST(:OLD."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || ''-'' || TO_CHAR(EXTRACT(DAY FROM SYS_EXTRACT_UTC(CAST(:OLD."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || TO_CHAR(SYS_EXTRACT_UTC(CAST(:OLD."TSLTZ" AS TIMESTAMP WITH TIME ZONE)), ''"T"HH24:MI:SS.FF9'') || '' +00:00 +00:00'' END,
              KEY ''IYM'' VALUE CASE WHEN :OLD."IYM" IS NOT NULL THEN ''P'' || TO_CHAR(EXTRACT(YEAR FROM :OLD."IYM")) || ''Y'' || TO_CHAR(EXTRACT(MONTH FROM :OLD."IYM")) || ''M'' END,
              KEY ''IDS'' VALUE CASE WHEN :OLD."IDS" IS NOT NULL THEN ''P'' || TO_CHAR(EXTRACT(DAY FROM :OLD."IDS")) || ''DT'' || TO_CHAR(EXTRACT(HOUR FROM :OLD."IDS")) || ''H'' || TO_CHAR(') || TO_CLOB('EXTRACT(MINUTE FROM :OLD."IDS")) || ''M'' || TO_CHAR(EXTRACT(SECOND FROM :OLD."IDS"), ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,'''''') || ''S'' END,
              KEY ''V'' VALUE :OLD."V",
              KEY ''NV'' VALUE :OLD."NV",
              KEY ''C'' VALUE :OLD."C",
              KEY ''NC'' VALUE :OLD."NC",
              KEY ''DOC'' VALUE :OLD."DOC",
              KEY ''NDOC'' VALUE :OLD."NDOC",
              KEY ''BIN'' VALUE "ferry"."BASE64"(:OLD."BIN"),
              KEY ''R16'' VALUE "ferry"."BASE64"(TO_BLOB(:OLD."R16")),
              KEY ''FLAG'' VALUE :OLD."FLAG",
              KEY ''J'' VALUE :OLD."J"
              NULL ON NULL RETURNING CLOB) AS img FROM DUAL) LOOP
                c.before := r.img;
            END LOOP;
            keep(c);
        ELSE
            c.op := ''u'';
            FOR r IN (SELECT JSON_OBJECT(
              KEY ''ID'' VALUE TO_CHAR(:OLD."ID", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_PLAIN'' VALUE TO_CHAR(:OLD."N_PLAIN", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
') || TO_CLOB('              KEY ''N_MONEY'' VALUE TO_CHAR(:OLD."N_MONEY", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_38'' VALUE TO_CHAR(:OLD."N_38", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_INTEGER'' VALUE TO_CHAR(:OLD."N_INTEGER", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_HUNDREDS'' VALUE TO_CHAR(:OLD."N_HUNDREDS", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''F_126'' VALUE TO_CHAR(:OLD."F_126", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''F_5'' VALUE TO_CHAR(:OLD."F_5", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''BF'' VALUE RAWTOHEX(UTL_RAW.CAST_FROM_BINARY_FLOAT(:OLD."BF")),
              KEY ''BD'' VALUE RAWTOHEX(UTL_RAW.CAST_FROM_BINARY_DOUBLE(:OLD."BD")),
              KEY ''D'' VALUE CASE WHEN :OLD."D" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :OLD."D")) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM :OLD."D")) || ''-'' || TO_CHAR(EXTRACT(DAY FROM :OLD."D")) || TO_CHAR(:OLD."D", ''"T"HH24:MI:SS'') END,
           ') || TO_CLOB('   KEY ''TS9'' VALUE CASE WHEN :OLD."TS9" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :OLD."TS9")) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM :OLD."TS9")) || ''-'' || TO_CHAR(EXTRACT(DAY FROM :OLD."TS9")) || TO_CHAR(:OLD."TS9", ''"T"HH24:MI:SS.FF9'') END,
              KEY ''TSTZ'' VALUE CASE WHEN :OLD."TSTZ" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM SYS_EXTRACT_UTC(:OLD."TSTZ"))) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM SYS_EXTRACT_UTC(:OLD."TSTZ"))) || ''-'' || TO_CHAR(EXTRACT(DAY FROM SYS_EXTRACT_UTC(:OLD."TSTZ"))) || TO_CHAR(SYS_EXTRACT_UTC(:OLD."TSTZ"), ''"T"HH24:MI:SS.FF9'') || TO_CHAR(:OLD."TSTZ", ''" "TZH:TZM" "TZR'') END,
              KEY ''TSLTZ'' VALUE CASE WHEN :OLD."TSLTZ" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM SYS_EXTRACT_UTC(CAST(:OLD."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM SYS_EXTRACT_UTC(CAST(:OLD."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || ''-'' || TO_CHAR(EXTRACT(DAY FROM SYS_EXTRACT_UTC(CAST(:OLD."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || TO_CHAR(SYS_EX') || TO_CLOB('TRACT_UTC(CAST(:OLD."TSLTZ" AS TIMESTAMP WITH TIME ZONE)), ''"T"HH24:MI:SS.FF9'') || '' +00:00 +00:00'' END,
              KEY ''IYM'' VALUE CASE WHEN :OLD."IYM" IS NOT NULL THEN ''P'' || TO_CHAR(EXTRACT(YEAR FROM :OLD."IYM")) || ''Y'' || TO_CHAR(EXTRACT(MONTH FROM :OLD."IYM")) || ''M'' END,
              KEY ''IDS'' VALUE CASE WHEN :OLD."IDS" IS NOT NULL THEN ''P'' || TO_CHAR(EXTRACT(DAY FROM :OLD."IDS")) || ''DT'' || TO_CHAR(EXTRACT(HOUR FROM :OLD."IDS")) || ''H'' || TO_CHAR(EXTRACT(MINUTE FROM :OLD."IDS")) || ''M'' || TO_CHAR(EXTRACT(SECOND FROM :OLD."IDS"), ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,'''''') || ''S'' END,
              KEY ''V'' VALUE :OLD."V",
              KEY ''NV'' VALUE :OLD."NV",
              KEY ''C'' VALUE :OLD."C",
              KEY ''NC'' VALUE :OLD."NC",
              KEY ''DOC'' VALUE :OLD."DOC",
              KEY ''NDOC'' VALUE :OLD."NDOC",
              KEY ''BIN'' VALUE "ferry"."BASE64"(:OLD."BIN"),
              KEY ''R16'' VALUE "ferry"."BASE64"(TO_BLOB(:OLD."R16")),
              KEY ''FLAG'' VALUE ') || TO_CLOB(':OLD."FLAG",
              KEY ''J'' VALUE :OLD."J"
              NULL ON NULL RETURNING CLOB) AS old_img,
            JSON_OBJECT(
              KEY ''ID'' VALUE TO_CHAR(:NEW."ID", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_PLAIN'' VALUE TO_CHAR(:NEW."N_PLAIN", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_MONEY'' VALUE TO_CHAR(:NEW."N_MONEY", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_38'' VALUE TO_CHAR(:NEW."N_38", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_INTEGER'' VALUE TO_CHAR(:NEW."N_INTEGER", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_HUNDREDS'' VALUE TO_CHAR(:NEW."N_HUNDREDS", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''F_126'' VALUE TO_CHAR(:NEW."F_126", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''F_5'' VALUE TO_CHAR(:NEW."F_5", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''BF'' VALUE RAWTOHEX(UTL_RAW.CAST_FROM_BINARY_FLOAT(:NEW."BF")),
              ') || TO_CLOB('KEY ''BD'' VALUE RAWTOHEX(UTL_RAW.CAST_FROM_BINARY_DOUBLE(:NEW."BD")),
              KEY ''D'' VALUE CASE WHEN :NEW."D" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :NEW."D")) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM :NEW."D")) || ''-'' || TO_CHAR(EXTRACT(DAY FROM :NEW."D")) || TO_CHAR(:NEW."D", ''"T"HH24:MI:SS'') END,
              KEY ''TS9'' VALUE CASE WHEN :NEW."TS9" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :NEW."TS9")) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM :NEW."TS9")) || ''-'' || TO_CHAR(EXTRACT(DAY FROM :NEW."TS9")) || TO_CHAR(:NEW."TS9", ''"T"HH24:MI:SS.FF9'') END,
              KEY ''TSTZ'' VALUE CASE WHEN :NEW."TSTZ" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM SYS_EXTRACT_UTC(:NEW."TSTZ"))) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM SYS_EXTRACT_UTC(:NEW."TSTZ"))) || ''-'' || TO_CHAR(EXTRACT(DAY FROM SYS_EXTRACT_UTC(:NEW."TSTZ"))) || TO_CHAR(SYS_EXTRACT_UTC(:NEW."TSTZ"), ''"T"HH24:MI:SS.FF9'') || TO_CHAR(:NEW."TSTZ", ''" "TZH:TZM" "TZR'') END,
              KEY ''TSLTZ'' VALUE CASE WHEN :NEW."TSLTZ" IS NOT NULL ') || TO_CLOB('THEN TO_CHAR(EXTRACT(YEAR FROM SYS_EXTRACT_UTC(CAST(:NEW."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM SYS_EXTRACT_UTC(CAST(:NEW."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || ''-'' || TO_CHAR(EXTRACT(DAY FROM SYS_EXTRACT_UTC(CAST(:NEW."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || TO_CHAR(SYS_EXTRACT_UTC(CAST(:NEW."TSLTZ" AS TIMESTAMP WITH TIME ZONE)), ''"T"HH24:MI:SS.FF9'') || '' +00:00 +00:00'' END,
              KEY ''IYM'' VALUE CASE WHEN :NEW."IYM" IS NOT NULL THEN ''P'' || TO_CHAR(EXTRACT(YEAR FROM :NEW."IYM")) || ''Y'' || TO_CHAR(EXTRACT(MONTH FROM :NEW."IYM")) || ''M'' END,
              KEY ''IDS'' VALUE CASE WHEN :NEW."IDS" IS NOT NULL THEN ''P'' || TO_CHAR(EXTRACT(DAY FROM :NEW."IDS")) || ''DT'' || TO_CHAR(EXTRACT(HOUR FROM :NEW."IDS")) || ''H'' || TO_CHAR(EXTRACT(MINUTE FROM :NEW."IDS")) || ''M'' || TO_CHAR(EXTRACT(SECOND FROM :NEW."IDS"), ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,'''''') || ''S'' END,
              KEY ''V'' VALUE :NEW."V",
              KEY ''NV'' VALUE :NEW."NV",
      ') || TO_CLOB('        KEY ''C'' VALUE :NEW."C",
              KEY ''NC'' VALUE :NEW."NC",
              KEY ''DOC'' VALUE :NEW."DOC",
              KEY ''NDOC'' VALUE :NEW."NDOC",
              KEY ''BIN'' VALUE "ferry"."BASE64"(:NEW."BIN"),
              KEY ''R16'' VALUE "ferry"."BASE64"(TO_BLOB(:NEW."R16")),
              KEY ''FLAG'' VALUE :NEW."FLAG",
              KEY ''J'' VALUE :NEW."J"
              NULL ON NULL RETURNING CLOB) AS new_img FROM DUAL) LOOP
                c.before := r.old_img;
                c.after := r.new_img;
            END LOOP;
            old_key := CASE WHEN :OLD."ID" IS NULL THEN ''~'' ELSE ''='' || TO_CHAR(:OLD."ID", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,'''''') END;
            new_key := CASE WHEN :NEW."ID" IS NULL THEN ''~'' ELSE ''='' || TO_CHAR(:NEW."ID", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,'''''') END;
            IF old_key = new_key THEN
                keep(c);
            ELSE
                moved(moved.COUNT + 1) := c;
                moved_from(old_key) := moved.COUNT;
              ') || TO_CLOB('  moved_to(new_key) := moved.COUNT;
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

-- install 3 of 10
DECLARE
    status  VARCHAR2(7);
    enabled VARCHAR2(8);
    msg     VARCHAR2(2000);
BEGIN
    SELECT o.STATUS INTO status FROM ALL_OBJECTS o
    WHERE o.OWNER = 'ferry' AND o.OBJECT_NAME = 'CAPTURE_1_CHECK' AND o.OBJECT_TYPE = 'TRIGGER';
    SELECT t.STATUS INTO enabled FROM ALL_TRIGGERS t
    WHERE t.OWNER = 'ferry' AND t.TRIGGER_NAME = 'CAPTURE_1_CHECK';
    IF status <> 'VALID' THEN
        FOR e IN (SELECT LINE, TEXT FROM ALL_ERRORS WHERE OWNER = 'ferry' AND NAME = 'CAPTURE_1_CHECK' AND TYPE = 'TRIGGER' ORDER BY SEQUENCE) LOOP
            msg := SUBSTR(msg || ' line ' || e.LINE || ': ' || e.TEXT, 1, 1800);
        END LOOP;
        EXECUTE IMMEDIATE 'DROP TRIGGER "ferry"."CAPTURE_1_CHECK"';
        RAISE_APPLICATION_ERROR(-20103, 'ferry: the capture trigger ferry.CAPTURE_1_CHECK on HR.ALL_TYPES does not compile, so capture was not changed:' || msg);
    END IF;
    EXECUTE IMMEDIATE 'DROP TRIGGER "ferry"."CAPTURE_1_CHECK"';
END;
/

-- install 4 of 10
DECLARE
    ddl CLOB := TO_CLOB('CREATE OR REPLACE TRIGGER "ferry"."CAPTURE_1_TCHECK"
AFTER TRUNCATE ON "HR".SCHEMA
DISABLE
DECLARE
    seq NUMBER;
BEGIN
    IF ORA_DICT_OBJ_TYPE = ''TABLE'' AND ORA_DICT_OBJ_OWNER = ''HR'' AND ORA_DICT_OBJ_NAME = ''ALL_TYPES'' THEN
        seq := "ferry"."OUTBOX_SEQ".NEXTVAL;
        INSERT INTO "ferry"."OUTBOX" ("SCN", "SEQ", "TXID", "TABLE_ID", "OP")
        VALUES (0, seq, ''-'', 1, ''t'');
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
    WHERE o.OWNER = 'ferry' AND o.OBJECT_NAME = 'CAPTURE_1_TCHECK' AND o.OBJECT_TYPE = 'TRIGGER';
    SELECT t.STATUS INTO enabled FROM ALL_TRIGGERS t
    WHERE t.OWNER = 'ferry' AND t.TRIGGER_NAME = 'CAPTURE_1_TCHECK';
    IF status <> 'VALID' THEN
        FOR e IN (SELECT LINE, TEXT FROM ALL_ERRORS WHERE OWNER = 'ferry' AND NAME = 'CAPTURE_1_TCHECK' AND TYPE = 'TRIGGER' ORDER BY SEQUENCE) LOOP
            msg := SUBSTR(msg || ' line ' || e.LINE || ': ' || e.TEXT, 1, 1800);
        END LOOP;
        EXECUTE IMMEDIATE 'DROP TRIGGER "ferry"."CAPTURE_1_TCHECK"';
        RAISE_APPLICATION_ERROR(-20103, 'ferry: the capture trigger ferry.CAPTURE_1_TCHECK on HR.ALL_TYPES does not compile, so capture was not changed:' || msg);
    END IF;
    EXECUTE IMMEDIATE 'DROP TRIGGER "ferry"."CAPTURE_1_TCHECK"';
END;
/

-- install 6 of 10
BEGIN
MERGE INTO "ferry"."CAPTURED" r
USING (SELECT 1 AS "ID" FROM DUAL) s
ON (r."ID" = s."ID")
WHEN MATCHED THEN UPDATE SET
    r."SCHEMA_NAME" = 'HR', r."TABLE_NAME" = 'ALL_TYPES',
    r."KEY_COLUMNS" = TO_CLOB('["ID"]'), r."EXCLUDED" = TO_CLOB('[]'),
    r."COLUMNS" = TO_CLOB('[{"name":"ID","type":"NUMBER(10)","kind":"integer","nullable":false},{"name":"N_PLAIN","type":"NUMBER","kind":"decimal","nullable":true},{"name":"N_MONEY","type":"NUMBER(12,2)","kind":"decimal","nullable":true},{"name":"N_38","type":"NUMBER(38)","kind":"decimal","nullable":true},{"name":"N_INTEGER","type":"NUMBER(*,0)","kind":"decimal","nullable":true},{"name":"N_HUNDREDS","type":"NUMBER(5,-2)","kind":"integer","nullable":true},{"name":"F_126","type":"FLOAT(126)","kind":"decimal","nullable":true},{"name":"F_5","type":"FLOAT(5)","kind":"decimal","nullable":true},{"name":"BF","type":"BINARY_FLOAT","kind":"float","nullable":true},{"name":"BD","type":"BINARY_DOUBLE","kind":"float","nullable":true},{"name":"D","type":"DATE","kind":"timestamp","nullable":true},{"name":"TS9","type":"TIMESTAMP(9)","kind":"timestamp","nullable":true},{"name":"TSTZ","type":"TIMESTAMP(6) WITH TIME ZONE","kind":"timestamptz","nullable":true},{"name":"TSLTZ","type":"TIMESTAMP(6) WITH LOCAL TIME ZONE","kind":"timest') || TO_CLOB('amptz","nullable":true},{"name":"IYM","type":"INTERVAL YEAR(2) TO MONTH","kind":"interval","nullable":true},{"name":"IDS","type":"INTERVAL DAY(2) TO SECOND(6)","kind":"interval","nullable":true},{"name":"V","type":"VARCHAR2(100 CHAR)","kind":"text","nullable":true},{"name":"NV","type":"NVARCHAR2(50)","kind":"text","nullable":true},{"name":"C","type":"CHAR(10 BYTE)","kind":"text","nullable":true},{"name":"NC","type":"NCHAR(5)","kind":"text","nullable":true},{"name":"DOC","type":"CLOB","kind":"text","nullable":true},{"name":"NDOC","type":"NCLOB","kind":"text","nullable":true},{"name":"BIN","type":"BLOB","kind":"binary","nullable":true},{"name":"R16","type":"RAW(16)","kind":"binary","nullable":true},{"name":"FLAG","type":"BOOLEAN","kind":"bool","nullable":true},{"name":"J","type":"JSON","kind":"json","nullable":true}]'),
    r."DDL_HASH" = 'installing', r."UPDATED_AT" = SYSTIMESTAMP
WHEN NOT MATCHED THEN INSERT ("ID", "SCHEMA_NAME", "TABLE_NAME", "KEY_COLUMNS", "EXCLUDED", "COLUMNS", "DDL_HASH")
VALUES (s."ID", 'HR', 'ALL_TYPES', TO_CLOB('["ID"]'), TO_CLOB('[]'),
    TO_CLOB('[{"name":"ID","type":"NUMBER(10)","kind":"integer","nullable":false},{"name":"N_PLAIN","type":"NUMBER","kind":"decimal","nullable":true},{"name":"N_MONEY","type":"NUMBER(12,2)","kind":"decimal","nullable":true},{"name":"N_38","type":"NUMBER(38)","kind":"decimal","nullable":true},{"name":"N_INTEGER","type":"NUMBER(*,0)","kind":"decimal","nullable":true},{"name":"N_HUNDREDS","type":"NUMBER(5,-2)","kind":"integer","nullable":true},{"name":"F_126","type":"FLOAT(126)","kind":"decimal","nullable":true},{"name":"F_5","type":"FLOAT(5)","kind":"decimal","nullable":true},{"name":"BF","type":"BINARY_FLOAT","kind":"float","nullable":true},{"name":"BD","type":"BINARY_DOUBLE","kind":"float","nullable":true},{"name":"D","type":"DATE","kind":"timestamp","nullable":true},{"name":"TS9","type":"TIMESTAMP(9)","kind":"timestamp","nullable":true},{"name":"TSTZ","type":"TIMESTAMP(6) WITH TIME ZONE","kind":"timestamptz","nullable":true},{"name":"TSLTZ","type":"TIMESTAMP(6) WITH LOCAL TIME ZONE","kind":"timest') || TO_CLOB('amptz","nullable":true},{"name":"IYM","type":"INTERVAL YEAR(2) TO MONTH","kind":"interval","nullable":true},{"name":"IDS","type":"INTERVAL DAY(2) TO SECOND(6)","kind":"interval","nullable":true},{"name":"V","type":"VARCHAR2(100 CHAR)","kind":"text","nullable":true},{"name":"NV","type":"NVARCHAR2(50)","kind":"text","nullable":true},{"name":"C","type":"CHAR(10 BYTE)","kind":"text","nullable":true},{"name":"NC","type":"NCHAR(5)","kind":"text","nullable":true},{"name":"DOC","type":"CLOB","kind":"text","nullable":true},{"name":"NDOC","type":"NCLOB","kind":"text","nullable":true},{"name":"BIN","type":"BLOB","kind":"binary","nullable":true},{"name":"R16","type":"RAW(16)","kind":"binary","nullable":true},{"name":"FLAG","type":"BOOLEAN","kind":"bool","nullable":true},{"name":"J","type":"JSON","kind":"json","nullable":true}]'),
    'installing');
END;
/

-- install 7 of 10
DECLARE
    ddl CLOB := TO_CLOB('CREATE OR REPLACE TRIGGER "ferry"."CAPTURE_1"
FOR INSERT OR UPDATE OR DELETE ON "HR"."ALL_TYPES"
COMPOUND TRIGGER
    -- ferry: capture trigger of table 1 in the registry (CAPTURED).
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
            VALUES (pending(i).scn, "ferry"."OUTBOX_SEQ".NEXTVAL, txid, 1, pending(i).op, pending(i).before, pending(i).after);
        pending.DELETE;
    END flush;

    PROCEDURE keep(c change_t) IS
    BEGIN
        pending(pending.COUNT + 1) := c;
        IF pending.COUNT >= 1000 THEN
            ') || TO_CLOB('flush;
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
              KEY ''ID'' VALUE TO_CHAR(:NEW."ID", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_PLAIN'' VALUE TO_CHAR(:NEW."N_P') || TO_CLOB('LAIN", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_MONEY'' VALUE TO_CHAR(:NEW."N_MONEY", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_38'' VALUE TO_CHAR(:NEW."N_38", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_INTEGER'' VALUE TO_CHAR(:NEW."N_INTEGER", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_HUNDREDS'' VALUE TO_CHAR(:NEW."N_HUNDREDS", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''F_126'' VALUE TO_CHAR(:NEW."F_126", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''F_5'' VALUE TO_CHAR(:NEW."F_5", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''BF'' VALUE RAWTOHEX(UTL_RAW.CAST_FROM_BINARY_FLOAT(:NEW."BF")),
              KEY ''BD'' VALUE RAWTOHEX(UTL_RAW.CAST_FROM_BINARY_DOUBLE(:NEW."BD")),
              KEY ''D'' VALUE CASE WHEN :NEW."D" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :NEW."D")) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM :NEW."D")) || ''-'' || TO_CHAR(EXTRACT(DAY FROM :NEW."D")) || TO_') || TO_CLOB('CHAR(:NEW."D", ''"T"HH24:MI:SS'') END,
              KEY ''TS9'' VALUE CASE WHEN :NEW."TS9" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :NEW."TS9")) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM :NEW."TS9")) || ''-'' || TO_CHAR(EXTRACT(DAY FROM :NEW."TS9")) || TO_CHAR(:NEW."TS9", ''"T"HH24:MI:SS.FF9'') END,
              KEY ''TSTZ'' VALUE CASE WHEN :NEW."TSTZ" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM SYS_EXTRACT_UTC(:NEW."TSTZ"))) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM SYS_EXTRACT_UTC(:NEW."TSTZ"))) || ''-'' || TO_CHAR(EXTRACT(DAY FROM SYS_EXTRACT_UTC(:NEW."TSTZ"))) || TO_CHAR(SYS_EXTRACT_UTC(:NEW."TSTZ"), ''"T"HH24:MI:SS.FF9'') || TO_CHAR(:NEW."TSTZ", ''" "TZH:TZM" "TZR'') END,
              KEY ''TSLTZ'' VALUE CASE WHEN :NEW."TSLTZ" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM SYS_EXTRACT_UTC(CAST(:NEW."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM SYS_EXTRACT_UTC(CAST(:NEW."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || ''-'' || TO_CHAR(EXTRACT(DAY FROM SYS_EXTRACT_UTC(CAST(:NEW."TSLTZ" A') || TO_CLOB('S TIMESTAMP WITH TIME ZONE)))) || TO_CHAR(SYS_EXTRACT_UTC(CAST(:NEW."TSLTZ" AS TIMESTAMP WITH TIME ZONE)), ''"T"HH24:MI:SS.FF9'') || '' +00:00 +00:00'' END,
              KEY ''IYM'' VALUE CASE WHEN :NEW."IYM" IS NOT NULL THEN ''P'' || TO_CHAR(EXTRACT(YEAR FROM :NEW."IYM")) || ''Y'' || TO_CHAR(EXTRACT(MONTH FROM :NEW."IYM")) || ''M'' END,
              KEY ''IDS'' VALUE CASE WHEN :NEW."IDS" IS NOT NULL THEN ''P'' || TO_CHAR(EXTRACT(DAY FROM :NEW."IDS")) || ''DT'' || TO_CHAR(EXTRACT(HOUR FROM :NEW."IDS")) || ''H'' || TO_CHAR(EXTRACT(MINUTE FROM :NEW."IDS")) || ''M'' || TO_CHAR(EXTRACT(SECOND FROM :NEW."IDS"), ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,'''''') || ''S'' END,
              KEY ''V'' VALUE :NEW."V",
              KEY ''NV'' VALUE :NEW."NV",
              KEY ''C'' VALUE :NEW."C",
              KEY ''NC'' VALUE :NEW."NC",
              KEY ''DOC'' VALUE :NEW."DOC",
              KEY ''NDOC'' VALUE :NEW."NDOC",
              KEY ''BIN'' VALUE "ferry"."BASE64"(:NEW."BIN"),
              KEY ''R16'' VALUE "ferry"."BASE64"(TO_BL') || TO_CLOB('OB(:NEW."R16")),
              KEY ''FLAG'' VALUE :NEW."FLAG",
              KEY ''J'' VALUE :NEW."J"
              NULL ON NULL RETURNING CLOB) AS img FROM DUAL) LOOP
                c.after := r.img;
            END LOOP;
            keep(c);
        ELSIF DELETING THEN
            c.op := ''d'';
            FOR r IN (SELECT JSON_OBJECT(
              KEY ''ID'' VALUE TO_CHAR(:OLD."ID", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_PLAIN'' VALUE TO_CHAR(:OLD."N_PLAIN", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_MONEY'' VALUE TO_CHAR(:OLD."N_MONEY", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_38'' VALUE TO_CHAR(:OLD."N_38", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_INTEGER'' VALUE TO_CHAR(:OLD."N_INTEGER", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_HUNDREDS'' VALUE TO_CHAR(:OLD."N_HUNDREDS", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''F_126'' VALUE TO_CHAR(:OLD."F_126", ''TM9'', ''NLS_NUMERIC_CH') || TO_CLOB('ARACTERS=''''.,''''''),
              KEY ''F_5'' VALUE TO_CHAR(:OLD."F_5", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''BF'' VALUE RAWTOHEX(UTL_RAW.CAST_FROM_BINARY_FLOAT(:OLD."BF")),
              KEY ''BD'' VALUE RAWTOHEX(UTL_RAW.CAST_FROM_BINARY_DOUBLE(:OLD."BD")),
              KEY ''D'' VALUE CASE WHEN :OLD."D" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :OLD."D")) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM :OLD."D")) || ''-'' || TO_CHAR(EXTRACT(DAY FROM :OLD."D")) || TO_CHAR(:OLD."D", ''"T"HH24:MI:SS'') END,
              KEY ''TS9'' VALUE CASE WHEN :OLD."TS9" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :OLD."TS9")) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM :OLD."TS9")) || ''-'' || TO_CHAR(EXTRACT(DAY FROM :OLD."TS9")) || TO_CHAR(:OLD."TS9", ''"T"HH24:MI:SS.FF9'') END,
              KEY ''TSTZ'' VALUE CASE WHEN :OLD."TSTZ" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM SYS_EXTRACT_UTC(:OLD."TSTZ"))) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM SYS_EXTRACT_UTC(:OLD."TSTZ"))) || ''-'' || TO_CHAR(EXTRACT(DAY FROM SYS') || TO_CLOB('_EXTRACT_UTC(:OLD."TSTZ"))) || TO_CHAR(SYS_EXTRACT_UTC(:OLD."TSTZ"), ''"T"HH24:MI:SS.FF9'') || TO_CHAR(:OLD."TSTZ", ''" "TZH:TZM" "TZR'') END,
              KEY ''TSLTZ'' VALUE CASE WHEN :OLD."TSLTZ" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM SYS_EXTRACT_UTC(CAST(:OLD."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM SYS_EXTRACT_UTC(CAST(:OLD."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || ''-'' || TO_CHAR(EXTRACT(DAY FROM SYS_EXTRACT_UTC(CAST(:OLD."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || TO_CHAR(SYS_EXTRACT_UTC(CAST(:OLD."TSLTZ" AS TIMESTAMP WITH TIME ZONE)), ''"T"HH24:MI:SS.FF9'') || '' +00:00 +00:00'' END,
              KEY ''IYM'' VALUE CASE WHEN :OLD."IYM" IS NOT NULL THEN ''P'' || TO_CHAR(EXTRACT(YEAR FROM :OLD."IYM")) || ''Y'' || TO_CHAR(EXTRACT(MONTH FROM :OLD."IYM")) || ''M'' END,
              KEY ''IDS'' VALUE CASE WHEN :OLD."IDS" IS NOT NULL THEN ''P'' || TO_CHAR(EXTRACT(DAY FROM :OLD."IDS")) || ''DT'' || TO_CHAR(EXTRACT(HOUR FROM :OLD."IDS")) || ''H'' || TO_CHAR(EXTRACT(MINUTE') || TO_CLOB(' FROM :OLD."IDS")) || ''M'' || TO_CHAR(EXTRACT(SECOND FROM :OLD."IDS"), ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,'''''') || ''S'' END,
              KEY ''V'' VALUE :OLD."V",
              KEY ''NV'' VALUE :OLD."NV",
              KEY ''C'' VALUE :OLD."C",
              KEY ''NC'' VALUE :OLD."NC",
              KEY ''DOC'' VALUE :OLD."DOC",
              KEY ''NDOC'' VALUE :OLD."NDOC",
              KEY ''BIN'' VALUE "ferry"."BASE64"(:OLD."BIN"),
              KEY ''R16'' VALUE "ferry"."BASE64"(TO_BLOB(:OLD."R16")),
              KEY ''FLAG'' VALUE :OLD."FLAG",
              KEY ''J'' VALUE :OLD."J"
              NULL ON NULL RETURNING CLOB) AS img FROM DUAL) LOOP
                c.before := r.img;
            END LOOP;
            keep(c);
        ELSE
            c.op := ''u'';
            FOR r IN (SELECT JSON_OBJECT(
              KEY ''ID'' VALUE TO_CHAR(:OLD."ID", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_PLAIN'' VALUE TO_CHAR(:OLD."N_PLAIN", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              ') || TO_CLOB('KEY ''N_MONEY'' VALUE TO_CHAR(:OLD."N_MONEY", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_38'' VALUE TO_CHAR(:OLD."N_38", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_INTEGER'' VALUE TO_CHAR(:OLD."N_INTEGER", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_HUNDREDS'' VALUE TO_CHAR(:OLD."N_HUNDREDS", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''F_126'' VALUE TO_CHAR(:OLD."F_126", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''F_5'' VALUE TO_CHAR(:OLD."F_5", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''BF'' VALUE RAWTOHEX(UTL_RAW.CAST_FROM_BINARY_FLOAT(:OLD."BF")),
              KEY ''BD'' VALUE RAWTOHEX(UTL_RAW.CAST_FROM_BINARY_DOUBLE(:OLD."BD")),
              KEY ''D'' VALUE CASE WHEN :OLD."D" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :OLD."D")) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM :OLD."D")) || ''-'' || TO_CHAR(EXTRACT(DAY FROM :OLD."D")) || TO_CHAR(:OLD."D", ''"T"HH24:MI:SS'') END,
              KEY ''TS9'' V') || TO_CLOB('ALUE CASE WHEN :OLD."TS9" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :OLD."TS9")) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM :OLD."TS9")) || ''-'' || TO_CHAR(EXTRACT(DAY FROM :OLD."TS9")) || TO_CHAR(:OLD."TS9", ''"T"HH24:MI:SS.FF9'') END,
              KEY ''TSTZ'' VALUE CASE WHEN :OLD."TSTZ" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM SYS_EXTRACT_UTC(:OLD."TSTZ"))) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM SYS_EXTRACT_UTC(:OLD."TSTZ"))) || ''-'' || TO_CHAR(EXTRACT(DAY FROM SYS_EXTRACT_UTC(:OLD."TSTZ"))) || TO_CHAR(SYS_EXTRACT_UTC(:OLD."TSTZ"), ''"T"HH24:MI:SS.FF9'') || TO_CHAR(:OLD."TSTZ", ''" "TZH:TZM" "TZR'') END,
              KEY ''TSLTZ'' VALUE CASE WHEN :OLD."TSLTZ" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM SYS_EXTRACT_UTC(CAST(:OLD."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM SYS_EXTRACT_UTC(CAST(:OLD."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || ''-'' || TO_CHAR(EXTRACT(DAY FROM SYS_EXTRACT_UTC(CAST(:OLD."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || TO_CHAR(SYS_EXTRACT_UTC(CAST') || TO_CLOB('(:OLD."TSLTZ" AS TIMESTAMP WITH TIME ZONE)), ''"T"HH24:MI:SS.FF9'') || '' +00:00 +00:00'' END,
              KEY ''IYM'' VALUE CASE WHEN :OLD."IYM" IS NOT NULL THEN ''P'' || TO_CHAR(EXTRACT(YEAR FROM :OLD."IYM")) || ''Y'' || TO_CHAR(EXTRACT(MONTH FROM :OLD."IYM")) || ''M'' END,
              KEY ''IDS'' VALUE CASE WHEN :OLD."IDS" IS NOT NULL THEN ''P'' || TO_CHAR(EXTRACT(DAY FROM :OLD."IDS")) || ''DT'' || TO_CHAR(EXTRACT(HOUR FROM :OLD."IDS")) || ''H'' || TO_CHAR(EXTRACT(MINUTE FROM :OLD."IDS")) || ''M'' || TO_CHAR(EXTRACT(SECOND FROM :OLD."IDS"), ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,'''''') || ''S'' END,
              KEY ''V'' VALUE :OLD."V",
              KEY ''NV'' VALUE :OLD."NV",
              KEY ''C'' VALUE :OLD."C",
              KEY ''NC'' VALUE :OLD."NC",
              KEY ''DOC'' VALUE :OLD."DOC",
              KEY ''NDOC'' VALUE :OLD."NDOC",
              KEY ''BIN'' VALUE "ferry"."BASE64"(:OLD."BIN"),
              KEY ''R16'' VALUE "ferry"."BASE64"(TO_BLOB(:OLD."R16")),
              KEY ''FLAG'' VALUE :OLD."FLAG",
 ') || TO_CLOB('             KEY ''J'' VALUE :OLD."J"
              NULL ON NULL RETURNING CLOB) AS old_img,
            JSON_OBJECT(
              KEY ''ID'' VALUE TO_CHAR(:NEW."ID", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_PLAIN'' VALUE TO_CHAR(:NEW."N_PLAIN", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_MONEY'' VALUE TO_CHAR(:NEW."N_MONEY", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_38'' VALUE TO_CHAR(:NEW."N_38", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_INTEGER'' VALUE TO_CHAR(:NEW."N_INTEGER", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''N_HUNDREDS'' VALUE TO_CHAR(:NEW."N_HUNDREDS", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''F_126'' VALUE TO_CHAR(:NEW."F_126", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''F_5'' VALUE TO_CHAR(:NEW."F_5", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,''''''),
              KEY ''BF'' VALUE RAWTOHEX(UTL_RAW.CAST_FROM_BINARY_FLOAT(:NEW."BF")),
              KEY ''BD'' VALUE') || TO_CLOB(' RAWTOHEX(UTL_RAW.CAST_FROM_BINARY_DOUBLE(:NEW."BD")),
              KEY ''D'' VALUE CASE WHEN :NEW."D" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :NEW."D")) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM :NEW."D")) || ''-'' || TO_CHAR(EXTRACT(DAY FROM :NEW."D")) || TO_CHAR(:NEW."D", ''"T"HH24:MI:SS'') END,
              KEY ''TS9'' VALUE CASE WHEN :NEW."TS9" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :NEW."TS9")) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM :NEW."TS9")) || ''-'' || TO_CHAR(EXTRACT(DAY FROM :NEW."TS9")) || TO_CHAR(:NEW."TS9", ''"T"HH24:MI:SS.FF9'') END,
              KEY ''TSTZ'' VALUE CASE WHEN :NEW."TSTZ" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM SYS_EXTRACT_UTC(:NEW."TSTZ"))) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM SYS_EXTRACT_UTC(:NEW."TSTZ"))) || ''-'' || TO_CHAR(EXTRACT(DAY FROM SYS_EXTRACT_UTC(:NEW."TSTZ"))) || TO_CHAR(SYS_EXTRACT_UTC(:NEW."TSTZ"), ''"T"HH24:MI:SS.FF9'') || TO_CHAR(:NEW."TSTZ", ''" "TZH:TZM" "TZR'') END,
              KEY ''TSLTZ'' VALUE CASE WHEN :NEW."TSLTZ" IS NOT NULL THEN TO_CHAR(E') || TO_CLOB('XTRACT(YEAR FROM SYS_EXTRACT_UTC(CAST(:NEW."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || ''-'' || TO_CHAR(EXTRACT(MONTH FROM SYS_EXTRACT_UTC(CAST(:NEW."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || ''-'' || TO_CHAR(EXTRACT(DAY FROM SYS_EXTRACT_UTC(CAST(:NEW."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || TO_CHAR(SYS_EXTRACT_UTC(CAST(:NEW."TSLTZ" AS TIMESTAMP WITH TIME ZONE)), ''"T"HH24:MI:SS.FF9'') || '' +00:00 +00:00'' END,
              KEY ''IYM'' VALUE CASE WHEN :NEW."IYM" IS NOT NULL THEN ''P'' || TO_CHAR(EXTRACT(YEAR FROM :NEW."IYM")) || ''Y'' || TO_CHAR(EXTRACT(MONTH FROM :NEW."IYM")) || ''M'' END,
              KEY ''IDS'' VALUE CASE WHEN :NEW."IDS" IS NOT NULL THEN ''P'' || TO_CHAR(EXTRACT(DAY FROM :NEW."IDS")) || ''DT'' || TO_CHAR(EXTRACT(HOUR FROM :NEW."IDS")) || ''H'' || TO_CHAR(EXTRACT(MINUTE FROM :NEW."IDS")) || ''M'' || TO_CHAR(EXTRACT(SECOND FROM :NEW."IDS"), ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,'''''') || ''S'' END,
              KEY ''V'' VALUE :NEW."V",
              KEY ''NV'' VALUE :NEW."NV",
              KEY ''C') || TO_CLOB(''' VALUE :NEW."C",
              KEY ''NC'' VALUE :NEW."NC",
              KEY ''DOC'' VALUE :NEW."DOC",
              KEY ''NDOC'' VALUE :NEW."NDOC",
              KEY ''BIN'' VALUE "ferry"."BASE64"(:NEW."BIN"),
              KEY ''R16'' VALUE "ferry"."BASE64"(TO_BLOB(:NEW."R16")),
              KEY ''FLAG'' VALUE :NEW."FLAG",
              KEY ''J'' VALUE :NEW."J"
              NULL ON NULL RETURNING CLOB) AS new_img FROM DUAL) LOOP
                c.before := r.old_img;
                c.after := r.new_img;
            END LOOP;
            old_key := CASE WHEN :OLD."ID" IS NULL THEN ''~'' ELSE ''='' || TO_CHAR(:OLD."ID", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,'''''') END;
            new_key := CASE WHEN :NEW."ID" IS NULL THEN ''~'' ELSE ''='' || TO_CHAR(:NEW."ID", ''TM9'', ''NLS_NUMERIC_CHARACTERS=''''.,'''''') END;
            IF old_key = new_key THEN
                keep(c);
            ELSE
                moved(moved.COUNT + 1) := c;
                moved_from(old_key) := moved.COUNT;
                moved_to(new') || TO_CLOB('_key) := moved.COUNT;
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

-- install 8 of 10
DECLARE
    status  VARCHAR2(7);
    enabled VARCHAR2(8);
    msg     VARCHAR2(2000);
BEGIN
    SELECT o.STATUS INTO status FROM ALL_OBJECTS o
    WHERE o.OWNER = 'ferry' AND o.OBJECT_NAME = 'CAPTURE_1' AND o.OBJECT_TYPE = 'TRIGGER';
    SELECT t.STATUS INTO enabled FROM ALL_TRIGGERS t
    WHERE t.OWNER = 'ferry' AND t.TRIGGER_NAME = 'CAPTURE_1';
    IF status <> 'VALID' THEN
        FOR e IN (SELECT LINE, TEXT FROM ALL_ERRORS WHERE OWNER = 'ferry' AND NAME = 'CAPTURE_1' AND TYPE = 'TRIGGER' ORDER BY SEQUENCE) LOOP
            msg := SUBSTR(msg || ' line ' || e.LINE || ': ' || e.TEXT, 1, 1800);
        END LOOP;
        RAISE_APPLICATION_ERROR(-20103, 'ferry: the capture trigger ferry.CAPTURE_1 on HR.ALL_TYPES does not compile, so capture was not changed:' || msg);
    END IF;
    IF enabled <> 'ENABLED' THEN
        RAISE_APPLICATION_ERROR(-20104, 'ferry: the capture trigger ferry.CAPTURE_1 on HR.ALL_TYPES is disabled, so changes are not captured: enable it or run `ferry migrate up`');
    END IF;
END;
/

-- install 9 of 10
DECLARE
    ddl CLOB := TO_CLOB('CREATE OR REPLACE TRIGGER "ferry"."CAPTURE_1_T"
AFTER TRUNCATE ON "HR".SCHEMA
DECLARE
    seq NUMBER;
BEGIN
    IF ORA_DICT_OBJ_TYPE = ''TABLE'' AND ORA_DICT_OBJ_OWNER = ''HR'' AND ORA_DICT_OBJ_NAME = ''ALL_TYPES'' THEN
        seq := "ferry"."OUTBOX_SEQ".NEXTVAL;
        INSERT INTO "ferry"."OUTBOX" ("SCN", "SEQ", "TXID", "TABLE_ID", "OP")
        VALUES (0, seq, ''-'', 1, ''t'');
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
    WHERE o.OWNER = 'ferry' AND o.OBJECT_NAME = 'CAPTURE_1_T' AND o.OBJECT_TYPE = 'TRIGGER';
    SELECT t.STATUS INTO enabled FROM ALL_TRIGGERS t
    WHERE t.OWNER = 'ferry' AND t.TRIGGER_NAME = 'CAPTURE_1_T';
    IF status <> 'VALID' THEN
        FOR e IN (SELECT LINE, TEXT FROM ALL_ERRORS WHERE OWNER = 'ferry' AND NAME = 'CAPTURE_1_T' AND TYPE = 'TRIGGER' ORDER BY SEQUENCE) LOOP
            msg := SUBSTR(msg || ' line ' || e.LINE || ': ' || e.TEXT, 1, 1800);
        END LOOP;
        RAISE_APPLICATION_ERROR(-20103, 'ferry: the capture trigger ferry.CAPTURE_1_T on HR.ALL_TYPES does not compile, so capture was not changed:' || msg);
    END IF;
    IF enabled <> 'ENABLED' THEN
        RAISE_APPLICATION_ERROR(-20104, 'ferry: the capture trigger ferry.CAPTURE_1_T on HR.ALL_TYPES is disabled, so changes are not captured: enable it or run `ferry migrate up`');
    END IF;
END;
/

-- trigger text: DML
CREATE OR REPLACE TRIGGER "ferry"."CAPTURE_1"
FOR INSERT OR UPDATE OR DELETE ON "HR"."ALL_TYPES"
COMPOUND TRIGGER
    -- ferry: capture trigger of table 1 in the registry (CAPTURED).
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
            VALUES (pending(i).scn, "ferry"."OUTBOX_SEQ".NEXTVAL, txid, 1, pending(i).op, pending(i).before, pending(i).after);
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
              KEY 'ID' VALUE TO_CHAR(:NEW."ID", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'N_PLAIN' VALUE TO_CHAR(:NEW."N_PLAIN", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'N_MONEY' VALUE TO_CHAR(:NEW."N_MONEY", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'N_38' VALUE TO_CHAR(:NEW."N_38", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'N_INTEGER' VALUE TO_CHAR(:NEW."N_INTEGER", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'N_HUNDREDS' VALUE TO_CHAR(:NEW."N_HUNDREDS", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'F_126' VALUE TO_CHAR(:NEW."F_126", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'F_5' VALUE TO_CHAR(:NEW."F_5", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'BF' VALUE RAWTOHEX(UTL_RAW.CAST_FROM_BINARY_FLOAT(:NEW."BF")),
              KEY 'BD' VALUE RAWTOHEX(UTL_RAW.CAST_FROM_BINARY_DOUBLE(:NEW."BD")),
              KEY 'D' VALUE CASE WHEN :NEW."D" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :NEW."D")) || '-' || TO_CHAR(EXTRACT(MONTH FROM :NEW."D")) || '-' || TO_CHAR(EXTRACT(DAY FROM :NEW."D")) || TO_CHAR(:NEW."D", '"T"HH24:MI:SS') END,
              KEY 'TS9' VALUE CASE WHEN :NEW."TS9" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :NEW."TS9")) || '-' || TO_CHAR(EXTRACT(MONTH FROM :NEW."TS9")) || '-' || TO_CHAR(EXTRACT(DAY FROM :NEW."TS9")) || TO_CHAR(:NEW."TS9", '"T"HH24:MI:SS.FF9') END,
              KEY 'TSTZ' VALUE CASE WHEN :NEW."TSTZ" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM SYS_EXTRACT_UTC(:NEW."TSTZ"))) || '-' || TO_CHAR(EXTRACT(MONTH FROM SYS_EXTRACT_UTC(:NEW."TSTZ"))) || '-' || TO_CHAR(EXTRACT(DAY FROM SYS_EXTRACT_UTC(:NEW."TSTZ"))) || TO_CHAR(SYS_EXTRACT_UTC(:NEW."TSTZ"), '"T"HH24:MI:SS.FF9') || TO_CHAR(:NEW."TSTZ", '" "TZH:TZM" "TZR') END,
              KEY 'TSLTZ' VALUE CASE WHEN :NEW."TSLTZ" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM SYS_EXTRACT_UTC(CAST(:NEW."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || '-' || TO_CHAR(EXTRACT(MONTH FROM SYS_EXTRACT_UTC(CAST(:NEW."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || '-' || TO_CHAR(EXTRACT(DAY FROM SYS_EXTRACT_UTC(CAST(:NEW."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || TO_CHAR(SYS_EXTRACT_UTC(CAST(:NEW."TSLTZ" AS TIMESTAMP WITH TIME ZONE)), '"T"HH24:MI:SS.FF9') || ' +00:00 +00:00' END,
              KEY 'IYM' VALUE CASE WHEN :NEW."IYM" IS NOT NULL THEN 'P' || TO_CHAR(EXTRACT(YEAR FROM :NEW."IYM")) || 'Y' || TO_CHAR(EXTRACT(MONTH FROM :NEW."IYM")) || 'M' END,
              KEY 'IDS' VALUE CASE WHEN :NEW."IDS" IS NOT NULL THEN 'P' || TO_CHAR(EXTRACT(DAY FROM :NEW."IDS")) || 'DT' || TO_CHAR(EXTRACT(HOUR FROM :NEW."IDS")) || 'H' || TO_CHAR(EXTRACT(MINUTE FROM :NEW."IDS")) || 'M' || TO_CHAR(EXTRACT(SECOND FROM :NEW."IDS"), 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,''') || 'S' END,
              KEY 'V' VALUE :NEW."V",
              KEY 'NV' VALUE :NEW."NV",
              KEY 'C' VALUE :NEW."C",
              KEY 'NC' VALUE :NEW."NC",
              KEY 'DOC' VALUE :NEW."DOC",
              KEY 'NDOC' VALUE :NEW."NDOC",
              KEY 'BIN' VALUE "ferry"."BASE64"(:NEW."BIN"),
              KEY 'R16' VALUE "ferry"."BASE64"(TO_BLOB(:NEW."R16")),
              KEY 'FLAG' VALUE :NEW."FLAG",
              KEY 'J' VALUE :NEW."J"
              NULL ON NULL RETURNING CLOB) AS img FROM DUAL) LOOP
                c.after := r.img;
            END LOOP;
            keep(c);
        ELSIF DELETING THEN
            c.op := 'd';
            FOR r IN (SELECT JSON_OBJECT(
              KEY 'ID' VALUE TO_CHAR(:OLD."ID", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'N_PLAIN' VALUE TO_CHAR(:OLD."N_PLAIN", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'N_MONEY' VALUE TO_CHAR(:OLD."N_MONEY", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'N_38' VALUE TO_CHAR(:OLD."N_38", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'N_INTEGER' VALUE TO_CHAR(:OLD."N_INTEGER", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'N_HUNDREDS' VALUE TO_CHAR(:OLD."N_HUNDREDS", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'F_126' VALUE TO_CHAR(:OLD."F_126", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'F_5' VALUE TO_CHAR(:OLD."F_5", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'BF' VALUE RAWTOHEX(UTL_RAW.CAST_FROM_BINARY_FLOAT(:OLD."BF")),
              KEY 'BD' VALUE RAWTOHEX(UTL_RAW.CAST_FROM_BINARY_DOUBLE(:OLD."BD")),
              KEY 'D' VALUE CASE WHEN :OLD."D" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :OLD."D")) || '-' || TO_CHAR(EXTRACT(MONTH FROM :OLD."D")) || '-' || TO_CHAR(EXTRACT(DAY FROM :OLD."D")) || TO_CHAR(:OLD."D", '"T"HH24:MI:SS') END,
              KEY 'TS9' VALUE CASE WHEN :OLD."TS9" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :OLD."TS9")) || '-' || TO_CHAR(EXTRACT(MONTH FROM :OLD."TS9")) || '-' || TO_CHAR(EXTRACT(DAY FROM :OLD."TS9")) || TO_CHAR(:OLD."TS9", '"T"HH24:MI:SS.FF9') END,
              KEY 'TSTZ' VALUE CASE WHEN :OLD."TSTZ" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM SYS_EXTRACT_UTC(:OLD."TSTZ"))) || '-' || TO_CHAR(EXTRACT(MONTH FROM SYS_EXTRACT_UTC(:OLD."TSTZ"))) || '-' || TO_CHAR(EXTRACT(DAY FROM SYS_EXTRACT_UTC(:OLD."TSTZ"))) || TO_CHAR(SYS_EXTRACT_UTC(:OLD."TSTZ"), '"T"HH24:MI:SS.FF9') || TO_CHAR(:OLD."TSTZ", '" "TZH:TZM" "TZR') END,
              KEY 'TSLTZ' VALUE CASE WHEN :OLD."TSLTZ" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM SYS_EXTRACT_UTC(CAST(:OLD."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || '-' || TO_CHAR(EXTRACT(MONTH FROM SYS_EXTRACT_UTC(CAST(:OLD."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || '-' || TO_CHAR(EXTRACT(DAY FROM SYS_EXTRACT_UTC(CAST(:OLD."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || TO_CHAR(SYS_EXTRACT_UTC(CAST(:OLD."TSLTZ" AS TIMESTAMP WITH TIME ZONE)), '"T"HH24:MI:SS.FF9') || ' +00:00 +00:00' END,
              KEY 'IYM' VALUE CASE WHEN :OLD."IYM" IS NOT NULL THEN 'P' || TO_CHAR(EXTRACT(YEAR FROM :OLD."IYM")) || 'Y' || TO_CHAR(EXTRACT(MONTH FROM :OLD."IYM")) || 'M' END,
              KEY 'IDS' VALUE CASE WHEN :OLD."IDS" IS NOT NULL THEN 'P' || TO_CHAR(EXTRACT(DAY FROM :OLD."IDS")) || 'DT' || TO_CHAR(EXTRACT(HOUR FROM :OLD."IDS")) || 'H' || TO_CHAR(EXTRACT(MINUTE FROM :OLD."IDS")) || 'M' || TO_CHAR(EXTRACT(SECOND FROM :OLD."IDS"), 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,''') || 'S' END,
              KEY 'V' VALUE :OLD."V",
              KEY 'NV' VALUE :OLD."NV",
              KEY 'C' VALUE :OLD."C",
              KEY 'NC' VALUE :OLD."NC",
              KEY 'DOC' VALUE :OLD."DOC",
              KEY 'NDOC' VALUE :OLD."NDOC",
              KEY 'BIN' VALUE "ferry"."BASE64"(:OLD."BIN"),
              KEY 'R16' VALUE "ferry"."BASE64"(TO_BLOB(:OLD."R16")),
              KEY 'FLAG' VALUE :OLD."FLAG",
              KEY 'J' VALUE :OLD."J"
              NULL ON NULL RETURNING CLOB) AS img FROM DUAL) LOOP
                c.before := r.img;
            END LOOP;
            keep(c);
        ELSE
            c.op := 'u';
            FOR r IN (SELECT JSON_OBJECT(
              KEY 'ID' VALUE TO_CHAR(:OLD."ID", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'N_PLAIN' VALUE TO_CHAR(:OLD."N_PLAIN", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'N_MONEY' VALUE TO_CHAR(:OLD."N_MONEY", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'N_38' VALUE TO_CHAR(:OLD."N_38", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'N_INTEGER' VALUE TO_CHAR(:OLD."N_INTEGER", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'N_HUNDREDS' VALUE TO_CHAR(:OLD."N_HUNDREDS", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'F_126' VALUE TO_CHAR(:OLD."F_126", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'F_5' VALUE TO_CHAR(:OLD."F_5", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'BF' VALUE RAWTOHEX(UTL_RAW.CAST_FROM_BINARY_FLOAT(:OLD."BF")),
              KEY 'BD' VALUE RAWTOHEX(UTL_RAW.CAST_FROM_BINARY_DOUBLE(:OLD."BD")),
              KEY 'D' VALUE CASE WHEN :OLD."D" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :OLD."D")) || '-' || TO_CHAR(EXTRACT(MONTH FROM :OLD."D")) || '-' || TO_CHAR(EXTRACT(DAY FROM :OLD."D")) || TO_CHAR(:OLD."D", '"T"HH24:MI:SS') END,
              KEY 'TS9' VALUE CASE WHEN :OLD."TS9" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :OLD."TS9")) || '-' || TO_CHAR(EXTRACT(MONTH FROM :OLD."TS9")) || '-' || TO_CHAR(EXTRACT(DAY FROM :OLD."TS9")) || TO_CHAR(:OLD."TS9", '"T"HH24:MI:SS.FF9') END,
              KEY 'TSTZ' VALUE CASE WHEN :OLD."TSTZ" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM SYS_EXTRACT_UTC(:OLD."TSTZ"))) || '-' || TO_CHAR(EXTRACT(MONTH FROM SYS_EXTRACT_UTC(:OLD."TSTZ"))) || '-' || TO_CHAR(EXTRACT(DAY FROM SYS_EXTRACT_UTC(:OLD."TSTZ"))) || TO_CHAR(SYS_EXTRACT_UTC(:OLD."TSTZ"), '"T"HH24:MI:SS.FF9') || TO_CHAR(:OLD."TSTZ", '" "TZH:TZM" "TZR') END,
              KEY 'TSLTZ' VALUE CASE WHEN :OLD."TSLTZ" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM SYS_EXTRACT_UTC(CAST(:OLD."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || '-' || TO_CHAR(EXTRACT(MONTH FROM SYS_EXTRACT_UTC(CAST(:OLD."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || '-' || TO_CHAR(EXTRACT(DAY FROM SYS_EXTRACT_UTC(CAST(:OLD."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || TO_CHAR(SYS_EXTRACT_UTC(CAST(:OLD."TSLTZ" AS TIMESTAMP WITH TIME ZONE)), '"T"HH24:MI:SS.FF9') || ' +00:00 +00:00' END,
              KEY 'IYM' VALUE CASE WHEN :OLD."IYM" IS NOT NULL THEN 'P' || TO_CHAR(EXTRACT(YEAR FROM :OLD."IYM")) || 'Y' || TO_CHAR(EXTRACT(MONTH FROM :OLD."IYM")) || 'M' END,
              KEY 'IDS' VALUE CASE WHEN :OLD."IDS" IS NOT NULL THEN 'P' || TO_CHAR(EXTRACT(DAY FROM :OLD."IDS")) || 'DT' || TO_CHAR(EXTRACT(HOUR FROM :OLD."IDS")) || 'H' || TO_CHAR(EXTRACT(MINUTE FROM :OLD."IDS")) || 'M' || TO_CHAR(EXTRACT(SECOND FROM :OLD."IDS"), 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,''') || 'S' END,
              KEY 'V' VALUE :OLD."V",
              KEY 'NV' VALUE :OLD."NV",
              KEY 'C' VALUE :OLD."C",
              KEY 'NC' VALUE :OLD."NC",
              KEY 'DOC' VALUE :OLD."DOC",
              KEY 'NDOC' VALUE :OLD."NDOC",
              KEY 'BIN' VALUE "ferry"."BASE64"(:OLD."BIN"),
              KEY 'R16' VALUE "ferry"."BASE64"(TO_BLOB(:OLD."R16")),
              KEY 'FLAG' VALUE :OLD."FLAG",
              KEY 'J' VALUE :OLD."J"
              NULL ON NULL RETURNING CLOB) AS old_img,
            JSON_OBJECT(
              KEY 'ID' VALUE TO_CHAR(:NEW."ID", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'N_PLAIN' VALUE TO_CHAR(:NEW."N_PLAIN", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'N_MONEY' VALUE TO_CHAR(:NEW."N_MONEY", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'N_38' VALUE TO_CHAR(:NEW."N_38", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'N_INTEGER' VALUE TO_CHAR(:NEW."N_INTEGER", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'N_HUNDREDS' VALUE TO_CHAR(:NEW."N_HUNDREDS", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'F_126' VALUE TO_CHAR(:NEW."F_126", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'F_5' VALUE TO_CHAR(:NEW."F_5", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''),
              KEY 'BF' VALUE RAWTOHEX(UTL_RAW.CAST_FROM_BINARY_FLOAT(:NEW."BF")),
              KEY 'BD' VALUE RAWTOHEX(UTL_RAW.CAST_FROM_BINARY_DOUBLE(:NEW."BD")),
              KEY 'D' VALUE CASE WHEN :NEW."D" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :NEW."D")) || '-' || TO_CHAR(EXTRACT(MONTH FROM :NEW."D")) || '-' || TO_CHAR(EXTRACT(DAY FROM :NEW."D")) || TO_CHAR(:NEW."D", '"T"HH24:MI:SS') END,
              KEY 'TS9' VALUE CASE WHEN :NEW."TS9" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM :NEW."TS9")) || '-' || TO_CHAR(EXTRACT(MONTH FROM :NEW."TS9")) || '-' || TO_CHAR(EXTRACT(DAY FROM :NEW."TS9")) || TO_CHAR(:NEW."TS9", '"T"HH24:MI:SS.FF9') END,
              KEY 'TSTZ' VALUE CASE WHEN :NEW."TSTZ" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM SYS_EXTRACT_UTC(:NEW."TSTZ"))) || '-' || TO_CHAR(EXTRACT(MONTH FROM SYS_EXTRACT_UTC(:NEW."TSTZ"))) || '-' || TO_CHAR(EXTRACT(DAY FROM SYS_EXTRACT_UTC(:NEW."TSTZ"))) || TO_CHAR(SYS_EXTRACT_UTC(:NEW."TSTZ"), '"T"HH24:MI:SS.FF9') || TO_CHAR(:NEW."TSTZ", '" "TZH:TZM" "TZR') END,
              KEY 'TSLTZ' VALUE CASE WHEN :NEW."TSLTZ" IS NOT NULL THEN TO_CHAR(EXTRACT(YEAR FROM SYS_EXTRACT_UTC(CAST(:NEW."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || '-' || TO_CHAR(EXTRACT(MONTH FROM SYS_EXTRACT_UTC(CAST(:NEW."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || '-' || TO_CHAR(EXTRACT(DAY FROM SYS_EXTRACT_UTC(CAST(:NEW."TSLTZ" AS TIMESTAMP WITH TIME ZONE)))) || TO_CHAR(SYS_EXTRACT_UTC(CAST(:NEW."TSLTZ" AS TIMESTAMP WITH TIME ZONE)), '"T"HH24:MI:SS.FF9') || ' +00:00 +00:00' END,
              KEY 'IYM' VALUE CASE WHEN :NEW."IYM" IS NOT NULL THEN 'P' || TO_CHAR(EXTRACT(YEAR FROM :NEW."IYM")) || 'Y' || TO_CHAR(EXTRACT(MONTH FROM :NEW."IYM")) || 'M' END,
              KEY 'IDS' VALUE CASE WHEN :NEW."IDS" IS NOT NULL THEN 'P' || TO_CHAR(EXTRACT(DAY FROM :NEW."IDS")) || 'DT' || TO_CHAR(EXTRACT(HOUR FROM :NEW."IDS")) || 'H' || TO_CHAR(EXTRACT(MINUTE FROM :NEW."IDS")) || 'M' || TO_CHAR(EXTRACT(SECOND FROM :NEW."IDS"), 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,''') || 'S' END,
              KEY 'V' VALUE :NEW."V",
              KEY 'NV' VALUE :NEW."NV",
              KEY 'C' VALUE :NEW."C",
              KEY 'NC' VALUE :NEW."NC",
              KEY 'DOC' VALUE :NEW."DOC",
              KEY 'NDOC' VALUE :NEW."NDOC",
              KEY 'BIN' VALUE "ferry"."BASE64"(:NEW."BIN"),
              KEY 'R16' VALUE "ferry"."BASE64"(TO_BLOB(:NEW."R16")),
              KEY 'FLAG' VALUE :NEW."FLAG",
              KEY 'J' VALUE :NEW."J"
              NULL ON NULL RETURNING CLOB) AS new_img FROM DUAL) LOOP
                c.before := r.old_img;
                c.after := r.new_img;
            END LOOP;
            old_key := CASE WHEN :OLD."ID" IS NULL THEN '~' ELSE '=' || TO_CHAR(:OLD."ID", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,''') END;
            new_key := CASE WHEN :NEW."ID" IS NULL THEN '~' ELSE '=' || TO_CHAR(:NEW."ID", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,''') END;
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
CREATE OR REPLACE TRIGGER "ferry"."CAPTURE_1_T"
AFTER TRUNCATE ON "HR".SCHEMA
DECLARE
    seq NUMBER;
BEGIN
    IF ORA_DICT_OBJ_TYPE = 'TABLE' AND ORA_DICT_OBJ_OWNER = 'HR' AND ORA_DICT_OBJ_NAME = 'ALL_TYPES' THEN
        seq := "ferry"."OUTBOX_SEQ".NEXTVAL;
        INSERT INTO "ferry"."OUTBOX" ("SCN", "SEQ", "TXID", "TABLE_ID", "OP")
        VALUES (0, seq, '-', 1, 't');
        UPDATE "ferry"."OUTBOX"
        SET "SCN" = DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER, "TXID" = DBMS_TRANSACTION.LOCAL_TRANSACTION_ID
        WHERE "SCN" = 0 AND "SEQ" = seq;
    END IF;
END;
/

-- register
BEGIN
MERGE INTO "ferry"."CAPTURED" r
USING (SELECT 1 AS "ID" FROM DUAL) s
ON (r."ID" = s."ID")
WHEN MATCHED THEN UPDATE SET
    r."SCHEMA_NAME" = 'HR', r."TABLE_NAME" = 'ALL_TYPES',
    r."KEY_COLUMNS" = TO_CLOB('["ID"]'), r."EXCLUDED" = TO_CLOB('[]'),
    r."COLUMNS" = TO_CLOB('[{"name":"ID","type":"NUMBER(10)","kind":"integer","nullable":false},{"name":"N_PLAIN","type":"NUMBER","kind":"decimal","nullable":true},{"name":"N_MONEY","type":"NUMBER(12,2)","kind":"decimal","nullable":true},{"name":"N_38","type":"NUMBER(38)","kind":"decimal","nullable":true},{"name":"N_INTEGER","type":"NUMBER(*,0)","kind":"decimal","nullable":true},{"name":"N_HUNDREDS","type":"NUMBER(5,-2)","kind":"integer","nullable":true},{"name":"F_126","type":"FLOAT(126)","kind":"decimal","nullable":true},{"name":"F_5","type":"FLOAT(5)","kind":"decimal","nullable":true},{"name":"BF","type":"BINARY_FLOAT","kind":"float","nullable":true},{"name":"BD","type":"BINARY_DOUBLE","kind":"float","nullable":true},{"name":"D","type":"DATE","kind":"timestamp","nullable":true},{"name":"TS9","type":"TIMESTAMP(9)","kind":"timestamp","nullable":true},{"name":"TSTZ","type":"TIMESTAMP(6) WITH TIME ZONE","kind":"timestamptz","nullable":true},{"name":"TSLTZ","type":"TIMESTAMP(6) WITH LOCAL TIME ZONE","kind":"timest') || TO_CLOB('amptz","nullable":true},{"name":"IYM","type":"INTERVAL YEAR(2) TO MONTH","kind":"interval","nullable":true},{"name":"IDS","type":"INTERVAL DAY(2) TO SECOND(6)","kind":"interval","nullable":true},{"name":"V","type":"VARCHAR2(100 CHAR)","kind":"text","nullable":true},{"name":"NV","type":"NVARCHAR2(50)","kind":"text","nullable":true},{"name":"C","type":"CHAR(10 BYTE)","kind":"text","nullable":true},{"name":"NC","type":"NCHAR(5)","kind":"text","nullable":true},{"name":"DOC","type":"CLOB","kind":"text","nullable":true},{"name":"NDOC","type":"NCLOB","kind":"text","nullable":true},{"name":"BIN","type":"BLOB","kind":"binary","nullable":true},{"name":"R16","type":"RAW(16)","kind":"binary","nullable":true},{"name":"FLAG","type":"BOOLEAN","kind":"bool","nullable":true},{"name":"J","type":"JSON","kind":"json","nullable":true}]'),
    r."DDL_HASH" = '0123456789abcdef', r."UPDATED_AT" = SYSTIMESTAMP
WHEN NOT MATCHED THEN INSERT ("ID", "SCHEMA_NAME", "TABLE_NAME", "KEY_COLUMNS", "EXCLUDED", "COLUMNS", "DDL_HASH")
VALUES (s."ID", 'HR', 'ALL_TYPES', TO_CLOB('["ID"]'), TO_CLOB('[]'),
    TO_CLOB('[{"name":"ID","type":"NUMBER(10)","kind":"integer","nullable":false},{"name":"N_PLAIN","type":"NUMBER","kind":"decimal","nullable":true},{"name":"N_MONEY","type":"NUMBER(12,2)","kind":"decimal","nullable":true},{"name":"N_38","type":"NUMBER(38)","kind":"decimal","nullable":true},{"name":"N_INTEGER","type":"NUMBER(*,0)","kind":"decimal","nullable":true},{"name":"N_HUNDREDS","type":"NUMBER(5,-2)","kind":"integer","nullable":true},{"name":"F_126","type":"FLOAT(126)","kind":"decimal","nullable":true},{"name":"F_5","type":"FLOAT(5)","kind":"decimal","nullable":true},{"name":"BF","type":"BINARY_FLOAT","kind":"float","nullable":true},{"name":"BD","type":"BINARY_DOUBLE","kind":"float","nullable":true},{"name":"D","type":"DATE","kind":"timestamp","nullable":true},{"name":"TS9","type":"TIMESTAMP(9)","kind":"timestamp","nullable":true},{"name":"TSTZ","type":"TIMESTAMP(6) WITH TIME ZONE","kind":"timestamptz","nullable":true},{"name":"TSLTZ","type":"TIMESTAMP(6) WITH LOCAL TIME ZONE","kind":"timest') || TO_CLOB('amptz","nullable":true},{"name":"IYM","type":"INTERVAL YEAR(2) TO MONTH","kind":"interval","nullable":true},{"name":"IDS","type":"INTERVAL DAY(2) TO SECOND(6)","kind":"interval","nullable":true},{"name":"V","type":"VARCHAR2(100 CHAR)","kind":"text","nullable":true},{"name":"NV","type":"NVARCHAR2(50)","kind":"text","nullable":true},{"name":"C","type":"CHAR(10 BYTE)","kind":"text","nullable":true},{"name":"NC","type":"NCHAR(5)","kind":"text","nullable":true},{"name":"DOC","type":"CLOB","kind":"text","nullable":true},{"name":"NDOC","type":"NCLOB","kind":"text","nullable":true},{"name":"BIN","type":"BLOB","kind":"binary","nullable":true},{"name":"R16","type":"RAW(16)","kind":"binary","nullable":true},{"name":"FLAG","type":"BOOLEAN","kind":"bool","nullable":true},{"name":"J","type":"JSON","kind":"json","nullable":true}]'),
    '0123456789abcdef');
END;
/

-- remove 1 of 5
BEGIN
    EXECUTE IMMEDIATE 'DROP TRIGGER "ferry"."CAPTURE_1"';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE != -4080 THEN
            RAISE;
        END IF;
END;
/

-- remove 2 of 5
BEGIN
    EXECUTE IMMEDIATE 'DROP TRIGGER "ferry"."CAPTURE_1_T"';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE != -4080 THEN
            RAISE;
        END IF;
END;
/

-- remove 3 of 5
BEGIN
    EXECUTE IMMEDIATE 'DROP TRIGGER "ferry"."CAPTURE_1_CHECK"';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE != -4080 THEN
            RAISE;
        END IF;
END;
/

-- remove 4 of 5
BEGIN
    EXECUTE IMMEDIATE 'DROP TRIGGER "ferry"."CAPTURE_1_TCHECK"';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE != -4080 THEN
            RAISE;
        END IF;
END;
/

-- remove 5 of 5
BEGIN
    DELETE FROM "ferry"."CAPTURED" WHERE "ID" = 1;
END;
/

