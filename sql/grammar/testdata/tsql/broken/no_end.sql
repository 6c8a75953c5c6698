CREATE TRIGGER [dbo].[t] ON [dbo].[emp] AFTER INSERT AS
BEGIN
    INSERT INTO [ferry].[outbox] ([table_id]) SELECT 1 FROM inserted;
