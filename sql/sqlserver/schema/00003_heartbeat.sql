-- Heartbeats: the leading relay runs heartbeat every relay.heartbeat; the
-- row it writes goes through the outbox like a change (op 'h', table_id 0:
-- no table), so a heartbeat that reaches a target proves every stage
-- between: the source took the write, the relay read it, Kafka committed
-- it, the applier applied the partition up to it. It is never applied to
-- a user table.

-- +goose Up
-- EXECUTE AS OWNER, so that the relay's user needs EXECUTE on the
-- procedure and no INSERT on the outbox.
-- +goose StatementBegin
CREATE PROCEDURE {{.Schema}}.[heartbeat] @interval_ms int
WITH EXECUTE AS OWNER
AS
BEGIN
    SET NOCOUNT ON;
    INSERT INTO {{.Schema}}.[outbox] ([table_id], [op], [after])
    VALUES (0, 'h', CONCAT(N'{"interval_ms":', @interval_ms, N'}'));
END;
-- +goose StatementEnd

-- +goose Down
DROP PROCEDURE {{.Schema}}.[heartbeat];
