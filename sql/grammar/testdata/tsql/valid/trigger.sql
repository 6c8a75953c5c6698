CREATE OR ALTER TRIGGER [dbo].[ferry_capture_emp] ON [dbo].[emp]
AFTER INSERT, UPDATE, DELETE
AS
BEGIN
    SET NOCOUNT ON;
    INSERT INTO [ferry].[outbox] ([table_id], [op], [before], [after])
    SELECT 1,
           CASE WHEN d.[id] IS NULL THEN 'c' WHEN i.[id] IS NULL THEN 'd' ELSE 'u' END,
           (SELECT d2.* FROM deleted d2 WHERE d2.[id] = d.[id] FOR JSON PATH, WITHOUT_ARRAY_WRAPPER, INCLUDE_NULL_VALUES),
           (SELECT i2.* FROM inserted i2 WHERE i2.[id] = i.[id] FOR JSON PATH, WITHOUT_ARRAY_WRAPPER, INCLUDE_NULL_VALUES)
    FROM inserted i
    FULL OUTER JOIN deleted d ON i.[id] = d.[id];
END
