-- install
CREATE OR ALTER TRIGGER [sales].[cdc_capture_7] ON [sales].[order_lines]
WITH EXECUTE AS OWNER
AFTER INSERT, UPDATE, DELETE
AS
BEGIN
    -- ferry: captures changes of sales.order_lines into cdc.outbox as table 7.
    SET NOCOUNT ON;
    IF NOT EXISTS (SELECT 1 FROM inserted) AND NOT EXISTS (SELECT 1 FROM deleted) RETURN;
    -- Loop prevention (two-way sync) goes here: RETURN when SESSION_CONTEXT(N'ferry.origin') names this pipeline.
    INSERT INTO [cdc].[outbox] ([table_id], [op], [before], [after])
    SELECT 7,
        CASE WHEN d.[ferry_row] IS NULL THEN 'c' WHEN i.[ferry_row] IS NULL THEN 'd' ELSE 'u' END,
        CASE WHEN d.[ferry_row] = 1 THEN CAST(N'{' AS nvarchar(max))
            + N'"order_id":' + ISNULL(CONVERT(nvarchar(20), d.[order_id]), N'null')
            + N',"line_no":' + ISNULL(CONVERT(nvarchar(20), d.[line_no]), N'null')
            + N',"sku":' + ISNULL(N'"' + STRING_ESCAPE(d.[sku], 'json') + N'"', N'null')
            + N',"qty":' + ISNULL(N'"' + CONVERT(nvarchar(41), d.[qty]) + N'"', N'null')
            + N'}' END,
        CASE WHEN i.[ferry_row] = 1 THEN CAST(N'{' AS nvarchar(max))
            + N'"order_id":' + ISNULL(CONVERT(nvarchar(20), i.[order_id]), N'null')
            + N',"line_no":' + ISNULL(CONVERT(nvarchar(20), i.[line_no]), N'null')
            + N',"sku":' + ISNULL(N'"' + STRING_ESCAPE(i.[sku], 'json') + N'"', N'null')
            + N',"qty":' + ISNULL(N'"' + CONVERT(nvarchar(41), i.[qty]) + N'"', N'null')
            + N'}' END
    FROM (SELECT 1 AS [ferry_row], [order_id], [line_no], [sku], [qty] FROM inserted) AS i
    FULL OUTER JOIN (SELECT 1 AS [ferry_row], [order_id], [line_no], [sku], [qty] FROM deleted) AS d
        ON i.[order_id] = d.[order_id] AND (i.[line_no] = d.[line_no] OR (i.[line_no] IS NULL AND d.[line_no] IS NULL));
END;
GO
MERGE [cdc].[captured] WITH (HOLDLOCK) AS t
USING (VALUES (7, N'sales', N'order_lines', N'["order_id","line_no"]', N'["secret"]', N'[{"name":"order_id","type":"bigint","kind":"integer","nullable":false},{"name":"line_no","type":"smallint","kind":"integer","nullable":true},{"name":"sku","type":"varchar(20)","kind":"text","nullable":false},{"name":"qty","type":"decimal(12,3)","kind":"decimal","nullable":false},{"name":"secret","type":"nvarchar(50)","kind":"text","nullable":true}]', N'0123456789abcdef'))
    AS s ([id], [schema_name], [table_name], [key_columns], [excluded], [columns], [ddl_hash])
ON t.[id] = s.[id]
WHEN MATCHED THEN UPDATE SET
    t.[schema_name] = s.[schema_name], t.[table_name] = s.[table_name],
    t.[key_columns] = s.[key_columns], t.[excluded] = s.[excluded],
    t.[columns] = s.[columns], t.[ddl_hash] = s.[ddl_hash], t.[updated_at] = SYSUTCDATETIME()
WHEN NOT MATCHED THEN INSERT ([id], [schema_name], [table_name], [key_columns], [excluded], [columns], [ddl_hash])
    VALUES (s.[id], s.[schema_name], s.[table_name], s.[key_columns], s.[excluded], s.[columns], s.[ddl_hash]);
GO
-- remove
DROP TRIGGER IF EXISTS [sales].[cdc_capture_7];
GO
DELETE FROM [cdc].[captured] WHERE [id] = 7;
