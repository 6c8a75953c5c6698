CREATE TRIGGER [dbo].[t] ON [dbo].[emp] AFTR INSERT AS
BEGIN
    INSERT INTO [ferry].[outbox] ([table_id]) SELECT 1 FROM inserted;
END
