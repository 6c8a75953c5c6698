CREATE OR ALTER TRIGGER [sales].[ferry_capture_1] ON [sales].[order_lines]
WITH EXECUTE AS OWNER
AFTER INSERT, UPDATE, DELETE
AS
BEGIN
    -- ferry: captures changes of sales.order_lines into ferry.outbox as table 1.
    SET NOCOUNT ON;
    IF NOT EXISTS (SELECT 1 FROM inserted) AND NOT EXISTS (SELECT 1 FROM deleted) RETURN;
    IF CAST(SESSION_CONTEXT(N'ferry.origin') AS nvarchar(128)) = N'hq->branch' RETURN;
    INSERT INTO [ferry].[outbox] ([table_id], [op], [before], [after])
    SELECT 1,
        CASE WHEN d.[ferry_row] IS NULL THEN 'c' WHEN i.[ferry_row] IS NULL THEN 'd' ELSE 'u' END,
        CASE WHEN d.[ferry_row] = 1 THEN CAST(N'{' AS nvarchar(max))
            + N'"order_id":' + ISNULL(CONVERT(nvarchar(20), d.[order_id]), N'null')
            + N',"line_no":' + ISNULL(CONVERT(nvarchar(20), d.[line_no]), N'null')
            + N',"sku":' + ISNULL(N'"' + STRING_ESCAPE(d.[sku], 'json') + N'"', N'null')
            + N',"qty":' + ISNULL(N'"' + CONVERT(nvarchar(41), d.[qty]) + N'"', N'null')
            + N',"secret":' + ISNULL(N'"' + STRING_ESCAPE(d.[secret], 'json') + N'"', N'null')
            + N'}' END,
        CASE WHEN i.[ferry_row] = 1 THEN CAST(N'{' AS nvarchar(max))
            + N'"order_id":' + ISNULL(CONVERT(nvarchar(20), i.[order_id]), N'null')
            + N',"line_no":' + ISNULL(CONVERT(nvarchar(20), i.[line_no]), N'null')
            + N',"sku":' + ISNULL(N'"' + STRING_ESCAPE(i.[sku], 'json') + N'"', N'null')
            + N',"qty":' + ISNULL(N'"' + CONVERT(nvarchar(41), i.[qty]) + N'"', N'null')
            + N',"secret":' + ISNULL(N'"' + STRING_ESCAPE(i.[secret], 'json') + N'"', N'null')
            + N'}' END
    FROM (SELECT 1 AS [ferry_row], [order_id], [line_no], [sku], [qty], [secret] FROM inserted) AS i
    FULL OUTER JOIN (SELECT 1 AS [ferry_row], [order_id], [line_no], [sku], [qty], [secret] FROM deleted) AS d
        ON i.[order_id] = d.[order_id];
END;
