-- Heartbeats: the leading relay runs HEARTBEAT every relay.heartbeat; the
-- row it writes goes through the outbox like a change (op 'h', table_id 0:
-- no table), so a heartbeat that reaches a target proves every stage
-- between. It is never applied to a user table.

-- +goose NO TRANSACTION
-- +goose Up
-- Definer's rights (the capture schema's), so that the relay's user needs
-- EXECUTE on the procedure and no INSERT on the outbox. The row is inserted
-- first and stamped after, as the TRUNCATE trigger does: the stamp is then
-- read inside the transaction the insert began, at or above its START_SCN,
-- as the relay's low-water mark requires (sql/oracle/outbox.go).
-- +goose StatementBegin
BEGIN
    EXECUTE IMMEDIATE q'[CREATE OR REPLACE PROCEDURE {{.Schema}}."HEARTBEAT" (interval_ms IN NUMBER)
AUTHID DEFINER
IS
    seq NUMBER;
BEGIN
    seq := {{.Schema}}."OUTBOX_SEQ".NEXTVAL;
    INSERT INTO {{.Schema}}."OUTBOX" ("SCN", "SEQ", "TXID", "TABLE_ID", "OP", "AFTER")
    VALUES (0, seq, '-', 0, 'h', TO_CLOB('{"interval_ms":' || TO_CHAR(TRUNC(interval_ms), 'TM9') || '}'));
    UPDATE {{.Schema}}."OUTBOX"
    SET "SCN" = DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER, "TXID" = DBMS_TRANSACTION.LOCAL_TRANSACTION_ID
    WHERE "SCN" = 0 AND "SEQ" = seq;
END;]';
END;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
BEGIN
    EXECUTE IMMEDIATE q'[DROP PROCEDURE {{.Schema}}."HEARTBEAT"]';
EXCEPTION
    WHEN OTHERS THEN
        IF SQLCODE != -4043 THEN
            RAISE;
        END IF;
END;
-- +goose StatementEnd
