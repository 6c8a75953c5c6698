-- Ferry's capture schema for Oracle: the outbox the triggers write, its
-- sequence, the registry of captured tables, the relay's offset record and
-- the BASE64 function the triggers render binary values with.
--
-- The capture schema is an Oracle user, which a DBA creates (README).
-- Oracle commits every DDL statement on its own, so each statement below is
-- a block that succeeds when its object exists already (ORA-00955): a run
-- cut short is finished by running `ferry migrate up` again.

-- +goose NO TRANSACTION
-- +goose Up
-- ORDER: on RAC each instance caches its own block of a NOORDER sequence,
-- so a later change of a key on another instance could take a smaller
-- number; ORDER hands numbers out in time order across instances.
-- +goose StatementBegin
BEGIN
    EXECUTE IMMEDIATE q'[CREATE SEQUENCE {{.Schema}}."OUTBOX_SEQ" START WITH 1 INCREMENT BY 1 CACHE 1000 ORDER NOCYCLE]';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE != -955 THEN
            RAISE;
        END IF;
END;
-- +goose StatementEnd

-- One row per change. SCN is the stamp the trigger takes after the row's
-- change; SEQ orders changes with the same stamp. The primary key is the
-- relay's read order (sql/oracle/outbox.go).
-- +goose StatementBegin
BEGIN
    EXECUTE IMMEDIATE q'[CREATE TABLE {{.Schema}}."OUTBOX" (
    "SCN"      NUMBER NOT NULL,
    "SEQ"      NUMBER(19) NOT NULL,
    "TXID"     VARCHAR2(64) NOT NULL,
    "TABLE_ID" NUMBER(10) NOT NULL,
    "OP"       CHAR(1) NOT NULL,
    "TS"       TIMESTAMP(6) WITH TIME ZONE DEFAULT SYSTIMESTAMP NOT NULL,
    "BEFORE"   CLOB,
    "AFTER"    CLOB,
    CONSTRAINT "OUTBOX_PK" PRIMARY KEY ("SCN", "SEQ")
)]';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE != -955 THEN
            RAISE;
        END IF;
END;
-- +goose StatementEnd

-- +goose StatementBegin
BEGIN
    EXECUTE IMMEDIATE q'[CREATE TABLE {{.Schema}}."CAPTURED" (
    "ID"          NUMBER(10) NOT NULL,
    "SCHEMA_NAME" VARCHAR2(128 BYTE) NOT NULL,
    "TABLE_NAME"  VARCHAR2(128 BYTE) NOT NULL,
    "KEY_COLUMNS" CLOB NOT NULL,
    "EXCLUDED"    CLOB NOT NULL,
    "COLUMNS"     CLOB NOT NULL,
    "DDL_HASH"    VARCHAR2(64) NOT NULL,
    "UPDATED_AT"  TIMESTAMP(6) WITH TIME ZONE DEFAULT SYSTIMESTAMP NOT NULL,
    CONSTRAINT "CAPTURED_PK" PRIMARY KEY ("ID"),
    CONSTRAINT "CAPTURED_NAME" UNIQUE ("SCHEMA_NAME", "TABLE_NAME")
)]';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE != -955 THEN
            RAISE;
        END IF;
END;
-- +goose StatementEnd

-- The relay's committed position is kept in Kafka, with the changes it
-- covers; this copy lets operators see where each relay stands.
-- +goose StatementBegin
BEGIN
    EXECUTE IMMEDIATE q'[CREATE TABLE {{.Schema}}."RELAY_OFFSET" (
    "SOURCE"       VARCHAR2(1000) NOT NULL,
    "POSITION"     CLOB NOT NULL,
    "SAFE_SCN"     NUMBER NOT NULL,
    "COMMITTED_AT" TIMESTAMP(6) WITH TIME ZONE DEFAULT SYSTIMESTAMP NOT NULL,
    CONSTRAINT "RELAY_OFFSET_PK" PRIMARY KEY ("SOURCE")
)]';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE != -955 THEN
            RAISE;
        END IF;
END;
-- +goose StatementEnd

-- UTL_ENCODE works on RAW of at most 32767 bytes and breaks its output into
-- lines; this encodes a BLOB of any size in chunks of 23808 bytes (a
-- multiple of 3, so no chunk but the last is padded, and whose encoding with
-- line breaks fits 32767 bytes) and drops the line breaks. CREATE OR
-- REPLACE is idempotent; a function that does not compile raises ORA-24344
-- here, which stops the migration.
-- +goose StatementBegin
BEGIN
    EXECUTE IMMEDIATE q'[CREATE OR REPLACE FUNCTION {{.Schema}}."BASE64" (b IN BLOB) RETURN CLOB
IS
    result CLOB;
    chunk  VARCHAR2(32767);
    pos    INTEGER := 1;
    len    INTEGER;
BEGIN
    IF b IS NULL THEN
        RETURN NULL;
    END IF;
    len := DBMS_LOB.GETLENGTH(b);
    DBMS_LOB.CREATETEMPORARY(result, TRUE, DBMS_LOB.CALL);
    WHILE pos <= len LOOP
        chunk := UTL_RAW.CAST_TO_VARCHAR2(UTL_ENCODE.BASE64_ENCODE(DBMS_LOB.SUBSTR(b, 23808, pos)));
        chunk := REPLACE(REPLACE(chunk, CHR(13)), CHR(10));
        DBMS_LOB.WRITEAPPEND(result, LENGTH(chunk), chunk);
        pos := pos + 23808;
    END LOOP;
    RETURN result;
END;]';
END;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
BEGIN
    FOR o IN (SELECT 'FUNCTION' AS kind, 'BASE64' AS name FROM DUAL
              UNION ALL SELECT 'TABLE', 'RELAY_OFFSET' FROM DUAL
              UNION ALL SELECT 'TABLE', 'CAPTURED' FROM DUAL
              UNION ALL SELECT 'TABLE', 'OUTBOX' FROM DUAL
              UNION ALL SELECT 'SEQUENCE', 'OUTBOX_SEQ' FROM DUAL) LOOP
        BEGIN
            EXECUTE IMMEDIATE 'DROP ' || o.kind || q'[ {{.Schema}}."]' || o.name || '"' ||
                CASE o.kind WHEN 'TABLE' THEN ' PURGE' END;
        EXCEPTION
            WHEN OTHERS THEN
                -- gone already: table, sequence, function
                IF SQLCODE NOT IN (-942, -2289, -4043) THEN
                    RAISE;
                END IF;
        END;
    END LOOP;
END;
-- +goose StatementEnd
