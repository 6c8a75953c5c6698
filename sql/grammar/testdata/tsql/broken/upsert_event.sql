CREATE TRIGGER [dbo].[t] ON [dbo].[emp] AFTER UPSERT AS
BEGIN
    INSERT INTO [ferry].[outbox] ([table_id]) SELECT 1 FROM inserted;
END
