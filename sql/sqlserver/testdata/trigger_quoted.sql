-- install
CREATE OR ALTER TRIGGER [My Schema].[ferry_capture_3] ON [My Schema].[x]]; DROP TABLE victim; --]
WITH EXECUTE AS OWNER
AFTER INSERT, UPDATE, DELETE
AS
BEGIN
    -- ferry: captures changes of My Schema.x]; DROP TABLE victim; -- into ferry.outbox as table 3.
    SET NOCOUNT ON;
    IF NOT EXISTS (SELECT 1 FROM inserted) AND NOT EXISTS (SELECT 1 FROM deleted) RETURN;
    -- Loop prevention (two-way sync) goes here: RETURN when SESSION_CONTEXT(N'ferry.origin') names this pipeline.
    INSERT INTO [ferry].[outbox] ([table_id], [op], [before], [after])
    SELECT 3,
        CASE WHEN d.[ferry_row_1] IS NULL THEN 'c' WHEN i.[ferry_row_1] IS NULL THEN 'd' ELSE 'u' END,
        CASE WHEN d.[ferry_row_1] = 1 THEN CAST(N'{' AS nvarchar(max))
            + N'"select":' + ISNULL(CONVERT(nvarchar(20), d.[select]), N'null')
            + N',"Order Date":' + ISNULL(N'"' + CONVERT(nvarchar(10), d.[Order Date], 23) + N'"', N'null')
            + N',"a.b":' + ISNULL(N'"' + STRING_ESCAPE(d.[a.b], 'json') + N'"', N'null')
            + N',"it''s \"quoted\"":' + ISNULL(N'"' + STRING_ESCAPE(d.[it's "quoted"], 'json') + N'"', N'null')
            + N',"back\\slash":' + ISNULL(CONVERT(nvarchar(20), d.[back\slash]), N'null')
            + N',"ferry_row":' + CASE WHEN d.[ferry_row] IS NULL THEN N'null' WHEN d.[ferry_row] = 1 THEN N'true' ELSE N'false' END
            + N',"emoji😀":' + ISNULL(N'"' + STRING_ESCAPE(d.[emoji😀], 'json') + N'"', N'null')
            + N',"end]; EXEC xp_cmdshell ''x''; --":' + ISNULL(CONVERT(nvarchar(20), d.[end]]; EXEC xp_cmdshell 'x'; --]), N'null')
            + N'}' END,
        CASE WHEN i.[ferry_row_1] = 1 THEN CAST(N'{' AS nvarchar(max))
            + N'"select":' + ISNULL(CONVERT(nvarchar(20), i.[select]), N'null')
            + N',"Order Date":' + ISNULL(N'"' + CONVERT(nvarchar(10), i.[Order Date], 23) + N'"', N'null')
            + N',"a.b":' + ISNULL(N'"' + STRING_ESCAPE(i.[a.b], 'json') + N'"', N'null')
            + N',"it''s \"quoted\"":' + ISNULL(N'"' + STRING_ESCAPE(i.[it's "quoted"], 'json') + N'"', N'null')
            + N',"back\\slash":' + ISNULL(CONVERT(nvarchar(20), i.[back\slash]), N'null')
            + N',"ferry_row":' + CASE WHEN i.[ferry_row] IS NULL THEN N'null' WHEN i.[ferry_row] = 1 THEN N'true' ELSE N'false' END
            + N',"emoji😀":' + ISNULL(N'"' + STRING_ESCAPE(i.[emoji😀], 'json') + N'"', N'null')
            + N',"end]; EXEC xp_cmdshell ''x''; --":' + ISNULL(CONVERT(nvarchar(20), i.[end]]; EXEC xp_cmdshell 'x'; --]), N'null')
            + N'}' END
    FROM (SELECT 1 AS [ferry_row_1], [select], [Order Date], [a.b], [it's "quoted"], [back\slash], [ferry_row], [emoji😀], [end]]; EXEC xp_cmdshell 'x'; --] FROM inserted) AS i
    FULL OUTER JOIN (SELECT 1 AS [ferry_row_1], [select], [Order Date], [a.b], [it's "quoted"], [back\slash], [ferry_row], [emoji😀], [end]]; EXEC xp_cmdshell 'x'; --] FROM deleted) AS d
        ON i.[select] = d.[select] AND (i.[Order Date] = d.[Order Date] OR (i.[Order Date] IS NULL AND d.[Order Date] IS NULL));
END;
GO
MERGE [ferry].[captured] WITH (HOLDLOCK) AS t
USING (VALUES (3, N'My Schema', N'x]; DROP TABLE victim; --', N'["select","Order Date"]', N'[]', N'[{"name":"select","type":"int","kind":"integer","nullable":false},{"name":"Order Date","type":"date","kind":"date","nullable":true},{"name":"a.b","type":"nvarchar(10)","kind":"text","nullable":true},{"name":"it''s \"quoted\"","type":"varchar(10)","kind":"text","nullable":true},{"name":"back\\slash","type":"int","kind":"integer","nullable":true},{"name":"ferry_row","type":"bit","kind":"bool","nullable":true},{"name":"emoji😀","type":"nvarchar(5)","kind":"text","nullable":true},{"name":"end]; EXEC xp_cmdshell ''x''; --","type":"int","kind":"integer","nullable":true}]', N'0123456789abcdef'))
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
DROP TRIGGER IF EXISTS [My Schema].[ferry_capture_3];
GO
DELETE FROM [ferry].[captured] WHERE [id] = 3;
