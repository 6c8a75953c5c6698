-- install
CREATE OR ALTER TRIGGER [dbo].[ferry_capture_4] ON [dbo].[documents]
WITH EXECUTE AS OWNER
AFTER INSERT, UPDATE, DELETE
AS
BEGIN
    -- ferry: captures changes of dbo.documents into ferry.outbox as table 4.
    SET NOCOUNT ON;
    IF NOT EXISTS (SELECT 1 FROM inserted) AND NOT EXISTS (SELECT 1 FROM deleted) RETURN;
    -- Loop prevention (two-way sync) goes here: RETURN when SESSION_CONTEXT(N'ferry.origin') names this pipeline.
    INSERT INTO [ferry].[outbox] ([table_id], [op], [before], [after])
    SELECT 4,
        CASE WHEN d.[ferry_row] IS NULL THEN 'c' WHEN i.[ferry_row] IS NULL THEN 'd' ELSE 'u' END,
        CASE WHEN d.[ferry_row] = 1 THEN CAST(N'{' AS nvarchar(max))
            + N'"doc_id":' + ISNULL(N'"' + CONVERT(nvarchar(36), d.[doc_id]) + N'"', N'null')
            + N',"title":' + ISNULL(N'"' + STRING_ESCAPE(d.[title], 'json') + N'"', N'null')
            + N'}' END,
        CASE WHEN i.[ferry_row] = 1 THEN CAST(N'{' AS nvarchar(max))
            + N'"doc_id":' + ISNULL(N'"' + CONVERT(nvarchar(36), i.[doc_id]) + N'"', N'null')
            + N',"title":' + ISNULL(N'"' + STRING_ESCAPE(i.[title], 'json') + N'"', N'null')
            + N',"body":' + ISNULL(N'"' + STRING_ESCAPE(CONVERT(nvarchar(max), b.[body]), 'json') + N'"', N'null')
            + N',"body_u":' + ISNULL(N'"' + STRING_ESCAPE(CONVERT(nvarchar(max), b.[body_u]), 'json') + N'"', N'null')
            + N',"scan":' + ISNULL(N'"' + CONVERT(nvarchar(max), CONVERT(varbinary(max), b.[scan]), 2) + N'"', N'null')
            + N'}' END
    FROM (SELECT 1 AS [ferry_row], [doc_id], [title] FROM inserted) AS i
    FULL OUTER JOIN (SELECT 1 AS [ferry_row], [doc_id], [title] FROM deleted) AS d
        ON i.[doc_id] = d.[doc_id]
    LEFT JOIN [dbo].[documents] AS b ON b.[doc_id] = i.[doc_id];
END;
GO
MERGE [ferry].[captured] WITH (HOLDLOCK) AS t
USING (VALUES (4, N'dbo', N'documents', N'["doc_id"]', N'[]', N'[{"name":"doc_id","type":"uniqueidentifier","kind":"uuid","nullable":false},{"name":"title","type":"nvarchar(200)","kind":"text","nullable":false},{"name":"body","type":"text","kind":"text","nullable":true},{"name":"body_u","type":"ntext","kind":"text","nullable":true},{"name":"scan","type":"image","kind":"binary","nullable":true}]', N'0123456789abcdef'))
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
DROP TRIGGER IF EXISTS [dbo].[ferry_capture_4];
GO
DELETE FROM [ferry].[captured] WHERE [id] = 4;
