-- install
CREATE OR ALTER TRIGGER [dbo].[ferry_capture_1] ON [dbo].[every_type]
WITH EXECUTE AS OWNER
AFTER INSERT, UPDATE, DELETE
AS
BEGIN
    -- ferry: captures changes of dbo.every_type into ferry.outbox as table 1.
    SET NOCOUNT ON;
    IF NOT EXISTS (SELECT 1 FROM inserted) AND NOT EXISTS (SELECT 1 FROM deleted) RETURN;
    -- Loop prevention (two-way sync) goes here: RETURN when SESSION_CONTEXT(N'ferry.origin') names this pipeline.
    INSERT INTO [ferry].[outbox] ([table_id], [op], [before], [after])
    SELECT 1,
        CASE WHEN d.[ferry_row] IS NULL THEN 'c' WHEN i.[ferry_row] IS NULL THEN 'd' ELSE 'u' END,
        CASE WHEN d.[ferry_row] = 1 THEN CAST(N'{' AS nvarchar(max))
            + N'"id":' + ISNULL(CONVERT(nvarchar(20), d.[id]), N'null')
            + N',"c_bit":' + CASE WHEN d.[c_bit] IS NULL THEN N'null' WHEN d.[c_bit] = 1 THEN N'true' ELSE N'false' END
            + N',"c_tinyint":' + ISNULL(CONVERT(nvarchar(20), d.[c_tinyint]), N'null')
            + N',"c_smallint":' + ISNULL(CONVERT(nvarchar(20), d.[c_smallint]), N'null')
            + N',"c_int":' + ISNULL(CONVERT(nvarchar(20), d.[c_int]), N'null')
            + N',"c_bigint":' + ISNULL(CONVERT(nvarchar(20), d.[c_bigint]), N'null')
            + N',"c_decimal":' + ISNULL(N'"' + CONVERT(nvarchar(41), d.[c_decimal]) + N'"', N'null')
            + N',"c_numeric":' + ISNULL(N'"' + CONVERT(nvarchar(41), d.[c_numeric]) + N'"', N'null')
            + N',"c_fraction":' + ISNULL(N'"' + CONVERT(nvarchar(41), d.[c_fraction]) + N'"', N'null')
            + N',"c_money":' + ISNULL(N'"' + CONVERT(nvarchar(30), d.[c_money], 2) + N'"', N'null')
            + N',"c_smallmoney":' + ISNULL(N'"' + CONVERT(nvarchar(30), d.[c_smallmoney], 2) + N'"', N'null')
            + N',"c_float":' + ISNULL(N'"' + CONVERT(nvarchar(30), d.[c_float], 3) + N'"', N'null')
            + N',"c_real":' + ISNULL(N'"' + CONVERT(nvarchar(30), d.[c_real], 3) + N'"', N'null')
            + N',"c_date":' + ISNULL(N'"' + CONVERT(nvarchar(10), d.[c_date], 23) + N'"', N'null')
            + N',"c_time":' + ISNULL(N'"' + CONVERT(nvarchar(16), d.[c_time], 121) + N'"', N'null')
            + N',"c_time0":' + ISNULL(N'"' + CONVERT(nvarchar(16), d.[c_time0], 121) + N'"', N'null')
            + N',"c_datetime":' + ISNULL(N'"' + CONVERT(nvarchar(27), d.[c_datetime], 121) + N'"', N'null')
            + N',"c_smalldatetime":' + ISNULL(N'"' + CONVERT(nvarchar(19), d.[c_smalldatetime], 120) + N'"', N'null')
            + N',"c_datetime2":' + ISNULL(N'"' + CONVERT(nvarchar(27), d.[c_datetime2], 121) + N'"', N'null')
            + N',"c_datetime2_0":' + ISNULL(N'"' + CONVERT(nvarchar(27), d.[c_datetime2_0], 121) + N'"', N'null')
            + N',"c_datetimeoffset":' + ISNULL(N'"' + CONVERT(nvarchar(34), d.[c_datetimeoffset], 121) + N'"', N'null')
            + N',"c_char":' + ISNULL(N'"' + STRING_ESCAPE(d.[c_char], 'json') + N'"', N'null')
            + N',"c_varchar":' + ISNULL(N'"' + STRING_ESCAPE(d.[c_varchar], 'json') + N'"', N'null')
            + N',"c_varchar_max":' + ISNULL(N'"' + STRING_ESCAPE(d.[c_varchar_max], 'json') + N'"', N'null')
            + N',"c_nchar":' + ISNULL(N'"' + STRING_ESCAPE(d.[c_nchar], 'json') + N'"', N'null')
            + N',"c_nvarchar":' + ISNULL(N'"' + STRING_ESCAPE(d.[c_nvarchar], 'json') + N'"', N'null')
            + N',"c_nvarchar_max":' + ISNULL(N'"' + STRING_ESCAPE(d.[c_nvarchar_max], 'json') + N'"', N'null')
            + N',"c_binary":' + ISNULL(N'"' + CONVERT(nvarchar(max), d.[c_binary], 2) + N'"', N'null')
            + N',"c_varbinary":' + ISNULL(N'"' + CONVERT(nvarchar(max), d.[c_varbinary], 2) + N'"', N'null')
            + N',"c_varbinary_max":' + ISNULL(N'"' + CONVERT(nvarchar(max), d.[c_varbinary_max], 2) + N'"', N'null')
            + N',"c_uniqueidentifier":' + ISNULL(N'"' + CONVERT(nvarchar(36), d.[c_uniqueidentifier]) + N'"', N'null')
            + N',"c_xml":' + ISNULL(N'"' + STRING_ESCAPE(CONVERT(nvarchar(max), d.[c_xml]), 'json') + N'"', N'null')
            + N',"c_rowversion":' + ISNULL(N'"' + CONVERT(nvarchar(max), d.[c_rowversion], 2) + N'"', N'null')
            + N'}' END,
        CASE WHEN i.[ferry_row] = 1 THEN CAST(N'{' AS nvarchar(max))
            + N'"id":' + ISNULL(CONVERT(nvarchar(20), i.[id]), N'null')
            + N',"c_bit":' + CASE WHEN i.[c_bit] IS NULL THEN N'null' WHEN i.[c_bit] = 1 THEN N'true' ELSE N'false' END
            + N',"c_tinyint":' + ISNULL(CONVERT(nvarchar(20), i.[c_tinyint]), N'null')
            + N',"c_smallint":' + ISNULL(CONVERT(nvarchar(20), i.[c_smallint]), N'null')
            + N',"c_int":' + ISNULL(CONVERT(nvarchar(20), i.[c_int]), N'null')
            + N',"c_bigint":' + ISNULL(CONVERT(nvarchar(20), i.[c_bigint]), N'null')
            + N',"c_decimal":' + ISNULL(N'"' + CONVERT(nvarchar(41), i.[c_decimal]) + N'"', N'null')
            + N',"c_numeric":' + ISNULL(N'"' + CONVERT(nvarchar(41), i.[c_numeric]) + N'"', N'null')
            + N',"c_fraction":' + ISNULL(N'"' + CONVERT(nvarchar(41), i.[c_fraction]) + N'"', N'null')
            + N',"c_money":' + ISNULL(N'"' + CONVERT(nvarchar(30), i.[c_money], 2) + N'"', N'null')
            + N',"c_smallmoney":' + ISNULL(N'"' + CONVERT(nvarchar(30), i.[c_smallmoney], 2) + N'"', N'null')
            + N',"c_float":' + ISNULL(N'"' + CONVERT(nvarchar(30), i.[c_float], 3) + N'"', N'null')
            + N',"c_real":' + ISNULL(N'"' + CONVERT(nvarchar(30), i.[c_real], 3) + N'"', N'null')
            + N',"c_date":' + ISNULL(N'"' + CONVERT(nvarchar(10), i.[c_date], 23) + N'"', N'null')
            + N',"c_time":' + ISNULL(N'"' + CONVERT(nvarchar(16), i.[c_time], 121) + N'"', N'null')
            + N',"c_time0":' + ISNULL(N'"' + CONVERT(nvarchar(16), i.[c_time0], 121) + N'"', N'null')
            + N',"c_datetime":' + ISNULL(N'"' + CONVERT(nvarchar(27), i.[c_datetime], 121) + N'"', N'null')
            + N',"c_smalldatetime":' + ISNULL(N'"' + CONVERT(nvarchar(19), i.[c_smalldatetime], 120) + N'"', N'null')
            + N',"c_datetime2":' + ISNULL(N'"' + CONVERT(nvarchar(27), i.[c_datetime2], 121) + N'"', N'null')
            + N',"c_datetime2_0":' + ISNULL(N'"' + CONVERT(nvarchar(27), i.[c_datetime2_0], 121) + N'"', N'null')
            + N',"c_datetimeoffset":' + ISNULL(N'"' + CONVERT(nvarchar(34), i.[c_datetimeoffset], 121) + N'"', N'null')
            + N',"c_char":' + ISNULL(N'"' + STRING_ESCAPE(i.[c_char], 'json') + N'"', N'null')
            + N',"c_varchar":' + ISNULL(N'"' + STRING_ESCAPE(i.[c_varchar], 'json') + N'"', N'null')
            + N',"c_varchar_max":' + ISNULL(N'"' + STRING_ESCAPE(i.[c_varchar_max], 'json') + N'"', N'null')
            + N',"c_nchar":' + ISNULL(N'"' + STRING_ESCAPE(i.[c_nchar], 'json') + N'"', N'null')
            + N',"c_nvarchar":' + ISNULL(N'"' + STRING_ESCAPE(i.[c_nvarchar], 'json') + N'"', N'null')
            + N',"c_nvarchar_max":' + ISNULL(N'"' + STRING_ESCAPE(i.[c_nvarchar_max], 'json') + N'"', N'null')
            + N',"c_binary":' + ISNULL(N'"' + CONVERT(nvarchar(max), i.[c_binary], 2) + N'"', N'null')
            + N',"c_varbinary":' + ISNULL(N'"' + CONVERT(nvarchar(max), i.[c_varbinary], 2) + N'"', N'null')
            + N',"c_varbinary_max":' + ISNULL(N'"' + CONVERT(nvarchar(max), i.[c_varbinary_max], 2) + N'"', N'null')
            + N',"c_uniqueidentifier":' + ISNULL(N'"' + CONVERT(nvarchar(36), i.[c_uniqueidentifier]) + N'"', N'null')
            + N',"c_xml":' + ISNULL(N'"' + STRING_ESCAPE(CONVERT(nvarchar(max), i.[c_xml]), 'json') + N'"', N'null')
            + N',"c_rowversion":' + ISNULL(N'"' + CONVERT(nvarchar(max), i.[c_rowversion], 2) + N'"', N'null')
            + N'}' END
    FROM (SELECT 1 AS [ferry_row], [id], [c_bit], [c_tinyint], [c_smallint], [c_int], [c_bigint], [c_decimal], [c_numeric], [c_fraction], [c_money], [c_smallmoney], [c_float], [c_real], [c_date], [c_time], [c_time0], [c_datetime], [c_smalldatetime], [c_datetime2], [c_datetime2_0], [c_datetimeoffset], [c_char], [c_varchar], [c_varchar_max], [c_nchar], [c_nvarchar], [c_nvarchar_max], [c_binary], [c_varbinary], [c_varbinary_max], [c_uniqueidentifier], [c_xml], [c_rowversion] FROM inserted) AS i
    FULL OUTER JOIN (SELECT 1 AS [ferry_row], [id], [c_bit], [c_tinyint], [c_smallint], [c_int], [c_bigint], [c_decimal], [c_numeric], [c_fraction], [c_money], [c_smallmoney], [c_float], [c_real], [c_date], [c_time], [c_time0], [c_datetime], [c_smalldatetime], [c_datetime2], [c_datetime2_0], [c_datetimeoffset], [c_char], [c_varchar], [c_varchar_max], [c_nchar], [c_nvarchar], [c_nvarchar_max], [c_binary], [c_varbinary], [c_varbinary_max], [c_uniqueidentifier], [c_xml], [c_rowversion] FROM deleted) AS d
        ON i.[id] = d.[id];
END;
GO
MERGE [ferry].[captured] WITH (HOLDLOCK) AS t
USING (VALUES (1, N'dbo', N'every_type', N'["id"]', N'[]', N'[{"name":"id","type":"int","kind":"integer","nullable":false},{"name":"c_bit","type":"bit","kind":"bool","nullable":true},{"name":"c_tinyint","type":"tinyint","kind":"integer","nullable":true},{"name":"c_smallint","type":"smallint","kind":"integer","nullable":true},{"name":"c_int","type":"int","kind":"integer","nullable":true},{"name":"c_bigint","type":"bigint","kind":"integer","nullable":true},{"name":"c_decimal","type":"decimal(38,10)","kind":"decimal","nullable":true},{"name":"c_numeric","type":"numeric(38,0)","kind":"decimal","nullable":true},{"name":"c_fraction","type":"decimal(38,38)","kind":"decimal","nullable":true},{"name":"c_money","type":"money","kind":"decimal","nullable":true},{"name":"c_smallmoney","type":"smallmoney","kind":"decimal","nullable":true},{"name":"c_float","type":"float","kind":"float","nullable":true},{"name":"c_real","type":"real","kind":"float","nullable":true},{"name":"c_date","type":"date","kind":"date","nullable":true},{"name":"c_time","type":"time(7)","kind":"time","nullable":true},{"name":"c_time0","type":"time(0)","kind":"time","nullable":true},{"name":"c_datetime","type":"datetime","kind":"timestamp","nullable":true},{"name":"c_smalldatetime","type":"smalldatetime","kind":"timestamp","nullable":true},{"name":"c_datetime2","type":"datetime2(7)","kind":"timestamp","nullable":true},{"name":"c_datetime2_0","type":"datetime2(0)","kind":"timestamp","nullable":true},{"name":"c_datetimeoffset","type":"datetimeoffset(7)","kind":"timestamptz","nullable":true},{"name":"c_char","type":"char(10)","kind":"text","nullable":true},{"name":"c_varchar","type":"varchar(50)","kind":"text","nullable":true},{"name":"c_varchar_max","type":"varchar(max)","kind":"text","nullable":true},{"name":"c_nchar","type":"nchar(10)","kind":"text","nullable":true},{"name":"c_nvarchar","type":"nvarchar(100)","kind":"text","nullable":true},{"name":"c_nvarchar_max","type":"nvarchar(max)","kind":"text","nullable":true},{"name":"c_binary","type":"binary(16)","kind":"binary","nullable":true},{"name":"c_varbinary","type":"varbinary(100)","kind":"binary","nullable":true},{"name":"c_varbinary_max","type":"varbinary(max)","kind":"binary","nullable":true},{"name":"c_uniqueidentifier","type":"uniqueidentifier","kind":"uuid","nullable":true},{"name":"c_xml","type":"xml","kind":"text","nullable":true},{"name":"c_rowversion","type":"rowversion","kind":"binary","nullable":false}]', N'0123456789abcdef'))
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
DROP TRIGGER IF EXISTS [dbo].[ferry_capture_1];
GO
DELETE FROM [ferry].[captured] WHERE [id] = 1;
