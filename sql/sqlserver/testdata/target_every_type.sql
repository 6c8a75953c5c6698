-- write: deletes and upserts in one MERGE, few rows
SET XACT_ABORT OFF;
MERGE [dbo].[every_type] WITH (HOLDLOCK) AS t
USING (
    SELECT N'u', s.[id], s.[c_bit], s.[c_tinyint], s.[c_smallint], s.[c_int], s.[c_bigint], s.[c_decimal], s.[c_numeric], s.[c_fraction], s.[c_money], s.[c_smallmoney], s.[c_float], s.[c_real], s.[c_date], s.[c_time], s.[c_time0], s.[c_datetime], s.[c_smalldatetime], s.[c_datetime2], s.[c_datetime2_0], s.[c_datetimeoffset], s.[c_char], s.[c_varchar], s.[c_varchar_max], s.[c_nchar], s.[c_nvarchar], s.[c_nvarchar_max], s.[c_binary], s.[c_varbinary], s.[c_varbinary_max], s.[c_uniqueidentifier], s.[c_xml] FROM (VALUES
    (CAST(@p1 AS int), CAST(@p2 AS bit), CAST(@p3 AS tinyint), CAST(@p4 AS smallint), CAST(@p5 AS int), CAST(@p6 AS bigint), CAST(@p7 AS decimal(38,10)), CAST(@p8 AS numeric(38,0)), CAST(@p9 AS decimal(38,38)), CAST(@p10 AS money), CAST(@p11 AS smallmoney), CAST(@p12 AS float), CAST(@p13 AS real), CAST(@p14 AS date), CAST(@p15 AS time(7)), CAST(@p16 AS time(0)), CAST(@p17 AS datetime), CAST(@p18 AS smalldatetime), CAST(@p19 AS datetime2(7)), CAST(@p20 AS datetime2(0)), CAST(@p21 AS datetimeoffset(7)), CAST(@p22 AS char(10)), CAST(@p23 AS nvarchar(50)), CAST(@p24 AS varchar(max)), CAST(@p25 AS nchar(10)), CAST(@p26 AS nvarchar(100)), CAST(@p27 AS nvarchar(max)), CAST(@p28 AS binary(16)), CAST(@p29 AS varbinary(100)), CAST(@p30 AS varbinary(max)), CAST(@p31 AS uniqueidentifier), CAST(@p32 AS xml)),
    (CAST(@p33 AS int), CAST(@p34 AS bit), CAST(@p35 AS tinyint), CAST(@p36 AS smallint), CAST(@p37 AS int), CAST(@p38 AS bigint), CAST(@p39 AS decimal(38,10)), CAST(@p40 AS numeric(38,0)), CAST(@p41 AS decimal(38,38)), CAST(@p42 AS money), CAST(@p43 AS smallmoney), CAST(@p44 AS float), CAST(@p45 AS real), CAST(@p46 AS date), CAST(@p47 AS time(7)), CAST(@p48 AS time(0)), CAST(@p49 AS datetime), CAST(@p50 AS smalldatetime), CAST(@p51 AS datetime2(7)), CAST(@p52 AS datetime2(0)), CAST(@p53 AS datetimeoffset(7)), CAST(@p54 AS char(10)), CAST(@p55 AS nvarchar(50)), CAST(@p56 AS varchar(max)), CAST(@p57 AS nchar(10)), CAST(@p58 AS nvarchar(100)), CAST(@p59 AS nvarchar(max)), CAST(@p60 AS binary(16)), CAST(@p61 AS varbinary(100)), CAST(@p62 AS varbinary(max)), CAST(@p63 AS uniqueidentifier), CAST(@p64 AS xml))
) AS s ([id], [c_bit], [c_tinyint], [c_smallint], [c_int], [c_bigint], [c_decimal], [c_numeric], [c_fraction], [c_money], [c_smallmoney], [c_float], [c_real], [c_date], [c_time], [c_time0], [c_datetime], [c_smalldatetime], [c_datetime2], [c_datetime2_0], [c_datetimeoffset], [c_char], [c_varchar], [c_varchar_max], [c_nchar], [c_nvarchar], [c_nvarchar_max], [c_binary], [c_varbinary], [c_varbinary_max], [c_uniqueidentifier], [c_xml])
    UNION ALL
    SELECT N'd', s.[id], NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM (VALUES
    (CAST(@p65 AS int)),
    (CAST(@p66 AS int))
) AS s ([id])
) AS s ([ferry:op], [id], [c_bit], [c_tinyint], [c_smallint], [c_int], [c_bigint], [c_decimal], [c_numeric], [c_fraction], [c_money], [c_smallmoney], [c_float], [c_real], [c_date], [c_time], [c_time0], [c_datetime], [c_smalldatetime], [c_datetime2], [c_datetime2_0], [c_datetimeoffset], [c_char], [c_varchar], [c_varchar_max], [c_nchar], [c_nvarchar], [c_nvarchar_max], [c_binary], [c_varbinary], [c_varbinary_max], [c_uniqueidentifier], [c_xml])
ON t.[id] = s.[id]
WHEN MATCHED AND s.[ferry:op] = N'd' THEN DELETE
WHEN MATCHED THEN UPDATE SET t.[c_bit] = s.[c_bit], t.[c_tinyint] = s.[c_tinyint], t.[c_smallint] = s.[c_smallint], t.[c_int] = s.[c_int], t.[c_bigint] = s.[c_bigint], t.[c_decimal] = s.[c_decimal], t.[c_numeric] = s.[c_numeric], t.[c_fraction] = s.[c_fraction], t.[c_money] = s.[c_money], t.[c_smallmoney] = s.[c_smallmoney], t.[c_float] = s.[c_float], t.[c_real] = s.[c_real], t.[c_date] = s.[c_date], t.[c_time] = s.[c_time], t.[c_time0] = s.[c_time0], t.[c_datetime] = s.[c_datetime], t.[c_smalldatetime] = s.[c_smalldatetime], t.[c_datetime2] = s.[c_datetime2], t.[c_datetime2_0] = s.[c_datetime2_0], t.[c_datetimeoffset] = s.[c_datetimeoffset], t.[c_char] = s.[c_char], t.[c_varchar] = s.[c_varchar], t.[c_varchar_max] = s.[c_varchar_max], t.[c_nchar] = s.[c_nchar], t.[c_nvarchar] = s.[c_nvarchar], t.[c_nvarchar_max] = s.[c_nvarchar_max], t.[c_binary] = s.[c_binary], t.[c_varbinary] = s.[c_varbinary], t.[c_varbinary_max] = s.[c_varbinary_max], t.[c_uniqueidentifier] = s.[c_uniqueidentifier], t.[c_xml] = s.[c_xml]
WHEN NOT MATCHED BY TARGET AND s.[ferry:op] = N'u' THEN INSERT ([id], [c_bit], [c_tinyint], [c_smallint], [c_int], [c_bigint], [c_decimal], [c_numeric], [c_fraction], [c_money], [c_smallmoney], [c_float], [c_real], [c_date], [c_time], [c_time0], [c_datetime], [c_smalldatetime], [c_datetime2], [c_datetime2_0], [c_datetimeoffset], [c_char], [c_varchar], [c_varchar_max], [c_nchar], [c_nvarchar], [c_nvarchar_max], [c_binary], [c_varbinary], [c_varbinary_max], [c_uniqueidentifier], [c_xml]) VALUES (s.[id], s.[c_bit], s.[c_tinyint], s.[c_smallint], s.[c_int], s.[c_bigint], s.[c_decimal], s.[c_numeric], s.[c_fraction], s.[c_money], s.[c_smallmoney], s.[c_float], s.[c_real], s.[c_date], s.[c_time], s.[c_time0], s.[c_datetime], s.[c_smalldatetime], s.[c_datetime2], s.[c_datetime2_0], s.[c_datetimeoffset], s.[c_char], s.[c_varchar], s.[c_varchar_max], s.[c_nchar], s.[c_nvarchar], s.[c_nvarchar_max], s.[c_binary], s.[c_varbinary], s.[c_varbinary_max], s.[c_uniqueidentifier], s.[c_xml]);
GO
-- write, many rows: both stage tables (made as above), bulk copy, then
DROP TABLE IF EXISTS [#ferry_stage_keys];
SELECT TOP (0) t.[id] INTO [#ferry_stage_keys] FROM [dbo].[every_type] AS t LEFT JOIN (SELECT 1 AS [x]) AS ferry_none ON 1 = 0;
GO
IF (SELECT COUNT_BIG(*) FROM [#ferry_stage]) <> @p1
    THROW 51000, N'ferry: the stage table does not hold the rows sent', 1;
IF (SELECT COUNT_BIG(*) FROM [#ferry_stage_keys]) <> @p2
    THROW 51000, N'ferry: the stage table does not hold the rows sent', 1;
SET XACT_ABORT OFF;
MERGE [dbo].[every_type] WITH (HOLDLOCK) AS t
USING (
    SELECT N'u', s.[id], s.[c_bit], s.[c_tinyint], s.[c_smallint], s.[c_int], s.[c_bigint], s.[c_decimal], s.[c_numeric], s.[c_fraction], s.[c_money], s.[c_smallmoney], s.[c_float], s.[c_real], s.[c_date], s.[c_time], s.[c_time0], s.[c_datetime], s.[c_smalldatetime], s.[c_datetime2], s.[c_datetime2_0], s.[c_datetimeoffset], s.[c_char], s.[c_varchar], s.[c_varchar_max], s.[c_nchar], s.[c_nvarchar], s.[c_nvarchar_max], s.[c_binary], s.[c_varbinary], s.[c_varbinary_max], s.[c_uniqueidentifier], s.[c_xml] FROM [#ferry_stage] AS s
    UNION ALL
    SELECT N'd', s.[id], NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM [#ferry_stage_keys] AS s
) AS s ([ferry:op], [id], [c_bit], [c_tinyint], [c_smallint], [c_int], [c_bigint], [c_decimal], [c_numeric], [c_fraction], [c_money], [c_smallmoney], [c_float], [c_real], [c_date], [c_time], [c_time0], [c_datetime], [c_smalldatetime], [c_datetime2], [c_datetime2_0], [c_datetimeoffset], [c_char], [c_varchar], [c_varchar_max], [c_nchar], [c_nvarchar], [c_nvarchar_max], [c_binary], [c_varbinary], [c_varbinary_max], [c_uniqueidentifier], [c_xml])
ON t.[id] = s.[id]
WHEN MATCHED AND s.[ferry:op] = N'd' THEN DELETE
WHEN MATCHED THEN UPDATE SET t.[c_bit] = s.[c_bit], t.[c_tinyint] = s.[c_tinyint], t.[c_smallint] = s.[c_smallint], t.[c_int] = s.[c_int], t.[c_bigint] = s.[c_bigint], t.[c_decimal] = s.[c_decimal], t.[c_numeric] = s.[c_numeric], t.[c_fraction] = s.[c_fraction], t.[c_money] = s.[c_money], t.[c_smallmoney] = s.[c_smallmoney], t.[c_float] = s.[c_float], t.[c_real] = s.[c_real], t.[c_date] = s.[c_date], t.[c_time] = s.[c_time], t.[c_time0] = s.[c_time0], t.[c_datetime] = s.[c_datetime], t.[c_smalldatetime] = s.[c_smalldatetime], t.[c_datetime2] = s.[c_datetime2], t.[c_datetime2_0] = s.[c_datetime2_0], t.[c_datetimeoffset] = s.[c_datetimeoffset], t.[c_char] = s.[c_char], t.[c_varchar] = s.[c_varchar], t.[c_varchar_max] = s.[c_varchar_max], t.[c_nchar] = s.[c_nchar], t.[c_nvarchar] = s.[c_nvarchar], t.[c_nvarchar_max] = s.[c_nvarchar_max], t.[c_binary] = s.[c_binary], t.[c_varbinary] = s.[c_varbinary], t.[c_varbinary_max] = s.[c_varbinary_max], t.[c_uniqueidentifier] = s.[c_uniqueidentifier], t.[c_xml] = s.[c_xml]
WHEN NOT MATCHED BY TARGET AND s.[ferry:op] = N'u' THEN INSERT ([id], [c_bit], [c_tinyint], [c_smallint], [c_int], [c_bigint], [c_decimal], [c_numeric], [c_fraction], [c_money], [c_smallmoney], [c_float], [c_real], [c_date], [c_time], [c_time0], [c_datetime], [c_smalldatetime], [c_datetime2], [c_datetime2_0], [c_datetimeoffset], [c_char], [c_varchar], [c_varchar_max], [c_nchar], [c_nvarchar], [c_nvarchar_max], [c_binary], [c_varbinary], [c_varbinary_max], [c_uniqueidentifier], [c_xml]) VALUES (s.[id], s.[c_bit], s.[c_tinyint], s.[c_smallint], s.[c_int], s.[c_bigint], s.[c_decimal], s.[c_numeric], s.[c_fraction], s.[c_money], s.[c_smallmoney], s.[c_float], s.[c_real], s.[c_date], s.[c_time], s.[c_time0], s.[c_datetime], s.[c_smalldatetime], s.[c_datetime2], s.[c_datetime2_0], s.[c_datetimeoffset], s.[c_char], s.[c_varchar], s.[c_varchar_max], s.[c_nchar], s.[c_nvarchar], s.[c_nvarchar_max], s.[c_binary], s.[c_varbinary], s.[c_varbinary_max], s.[c_uniqueidentifier], s.[c_xml]);
DROP TABLE [#ferry_stage];
DROP TABLE [#ferry_stage_keys];
GO
-- upsert, few rows: one MERGE from parameters
SET XACT_ABORT OFF;
MERGE [dbo].[every_type] WITH (HOLDLOCK) AS t
USING (VALUES
    (CAST(@p1 AS int), CAST(@p2 AS bit), CAST(@p3 AS tinyint), CAST(@p4 AS smallint), CAST(@p5 AS int), CAST(@p6 AS bigint), CAST(@p7 AS decimal(38,10)), CAST(@p8 AS numeric(38,0)), CAST(@p9 AS decimal(38,38)), CAST(@p10 AS money), CAST(@p11 AS smallmoney), CAST(@p12 AS float), CAST(@p13 AS real), CAST(@p14 AS date), CAST(@p15 AS time(7)), CAST(@p16 AS time(0)), CAST(@p17 AS datetime), CAST(@p18 AS smalldatetime), CAST(@p19 AS datetime2(7)), CAST(@p20 AS datetime2(0)), CAST(@p21 AS datetimeoffset(7)), CAST(@p22 AS char(10)), CAST(@p23 AS nvarchar(50)), CAST(@p24 AS varchar(max)), CAST(@p25 AS nchar(10)), CAST(@p26 AS nvarchar(100)), CAST(@p27 AS nvarchar(max)), CAST(@p28 AS binary(16)), CAST(@p29 AS varbinary(100)), CAST(@p30 AS varbinary(max)), CAST(@p31 AS uniqueidentifier), CAST(@p32 AS xml)),
    (CAST(@p33 AS int), CAST(@p34 AS bit), CAST(@p35 AS tinyint), CAST(@p36 AS smallint), CAST(@p37 AS int), CAST(@p38 AS bigint), CAST(@p39 AS decimal(38,10)), CAST(@p40 AS numeric(38,0)), CAST(@p41 AS decimal(38,38)), CAST(@p42 AS money), CAST(@p43 AS smallmoney), CAST(@p44 AS float), CAST(@p45 AS real), CAST(@p46 AS date), CAST(@p47 AS time(7)), CAST(@p48 AS time(0)), CAST(@p49 AS datetime), CAST(@p50 AS smalldatetime), CAST(@p51 AS datetime2(7)), CAST(@p52 AS datetime2(0)), CAST(@p53 AS datetimeoffset(7)), CAST(@p54 AS char(10)), CAST(@p55 AS nvarchar(50)), CAST(@p56 AS varchar(max)), CAST(@p57 AS nchar(10)), CAST(@p58 AS nvarchar(100)), CAST(@p59 AS nvarchar(max)), CAST(@p60 AS binary(16)), CAST(@p61 AS varbinary(100)), CAST(@p62 AS varbinary(max)), CAST(@p63 AS uniqueidentifier), CAST(@p64 AS xml))
) AS s ([id], [c_bit], [c_tinyint], [c_smallint], [c_int], [c_bigint], [c_decimal], [c_numeric], [c_fraction], [c_money], [c_smallmoney], [c_float], [c_real], [c_date], [c_time], [c_time0], [c_datetime], [c_smalldatetime], [c_datetime2], [c_datetime2_0], [c_datetimeoffset], [c_char], [c_varchar], [c_varchar_max], [c_nchar], [c_nvarchar], [c_nvarchar_max], [c_binary], [c_varbinary], [c_varbinary_max], [c_uniqueidentifier], [c_xml])
ON t.[id] = s.[id]
WHEN MATCHED THEN UPDATE SET t.[c_bit] = s.[c_bit], t.[c_tinyint] = s.[c_tinyint], t.[c_smallint] = s.[c_smallint], t.[c_int] = s.[c_int], t.[c_bigint] = s.[c_bigint], t.[c_decimal] = s.[c_decimal], t.[c_numeric] = s.[c_numeric], t.[c_fraction] = s.[c_fraction], t.[c_money] = s.[c_money], t.[c_smallmoney] = s.[c_smallmoney], t.[c_float] = s.[c_float], t.[c_real] = s.[c_real], t.[c_date] = s.[c_date], t.[c_time] = s.[c_time], t.[c_time0] = s.[c_time0], t.[c_datetime] = s.[c_datetime], t.[c_smalldatetime] = s.[c_smalldatetime], t.[c_datetime2] = s.[c_datetime2], t.[c_datetime2_0] = s.[c_datetime2_0], t.[c_datetimeoffset] = s.[c_datetimeoffset], t.[c_char] = s.[c_char], t.[c_varchar] = s.[c_varchar], t.[c_varchar_max] = s.[c_varchar_max], t.[c_nchar] = s.[c_nchar], t.[c_nvarchar] = s.[c_nvarchar], t.[c_nvarchar_max] = s.[c_nvarchar_max], t.[c_binary] = s.[c_binary], t.[c_varbinary] = s.[c_varbinary], t.[c_varbinary_max] = s.[c_varbinary_max], t.[c_uniqueidentifier] = s.[c_uniqueidentifier], t.[c_xml] = s.[c_xml]
WHEN NOT MATCHED BY TARGET THEN INSERT ([id], [c_bit], [c_tinyint], [c_smallint], [c_int], [c_bigint], [c_decimal], [c_numeric], [c_fraction], [c_money], [c_smallmoney], [c_float], [c_real], [c_date], [c_time], [c_time0], [c_datetime], [c_smalldatetime], [c_datetime2], [c_datetime2_0], [c_datetimeoffset], [c_char], [c_varchar], [c_varchar_max], [c_nchar], [c_nvarchar], [c_nvarchar_max], [c_binary], [c_varbinary], [c_varbinary_max], [c_uniqueidentifier], [c_xml]) VALUES (s.[id], s.[c_bit], s.[c_tinyint], s.[c_smallint], s.[c_int], s.[c_bigint], s.[c_decimal], s.[c_numeric], s.[c_fraction], s.[c_money], s.[c_smallmoney], s.[c_float], s.[c_real], s.[c_date], s.[c_time], s.[c_time0], s.[c_datetime], s.[c_smalldatetime], s.[c_datetime2], s.[c_datetime2_0], s.[c_datetimeoffset], s.[c_char], s.[c_varchar], s.[c_varchar_max], s.[c_nchar], s.[c_nvarchar], s.[c_nvarchar_max], s.[c_binary], s.[c_varbinary], s.[c_varbinary_max], s.[c_uniqueidentifier], s.[c_xml]);
GO
-- upsert, many rows: the stage table, made without parameters
DROP TABLE IF EXISTS [#ferry_stage];
SELECT TOP (0) t.[id], t.[c_bit], t.[c_tinyint], t.[c_smallint], t.[c_int], t.[c_bigint], t.[c_decimal], t.[c_numeric], t.[c_fraction], t.[c_money], t.[c_smallmoney], t.[c_float], t.[c_real], t.[c_date], t.[c_time], t.[c_time0], t.[c_datetime], t.[c_smalldatetime], t.[c_datetime2], t.[c_datetime2_0], t.[c_datetimeoffset], t.[c_char], t.[c_varchar], t.[c_varchar_max], t.[c_nchar], t.[c_nvarchar], t.[c_nvarchar_max], t.[c_binary], t.[c_varbinary], t.[c_varbinary_max], t.[c_uniqueidentifier], t.[c_xml] INTO [#ferry_stage] FROM [dbo].[every_type] AS t LEFT JOIN (SELECT 1 AS [x]) AS ferry_none ON 1 = 0;
GO
-- then bulk copy into it, then one MERGE
IF (SELECT COUNT_BIG(*) FROM [#ferry_stage]) <> @p1
    THROW 51000, N'ferry: the stage table does not hold the rows sent', 1;
SET XACT_ABORT OFF;
MERGE [dbo].[every_type] WITH (HOLDLOCK) AS t
USING [#ferry_stage] AS s
ON t.[id] = s.[id]
WHEN MATCHED THEN UPDATE SET t.[c_bit] = s.[c_bit], t.[c_tinyint] = s.[c_tinyint], t.[c_smallint] = s.[c_smallint], t.[c_int] = s.[c_int], t.[c_bigint] = s.[c_bigint], t.[c_decimal] = s.[c_decimal], t.[c_numeric] = s.[c_numeric], t.[c_fraction] = s.[c_fraction], t.[c_money] = s.[c_money], t.[c_smallmoney] = s.[c_smallmoney], t.[c_float] = s.[c_float], t.[c_real] = s.[c_real], t.[c_date] = s.[c_date], t.[c_time] = s.[c_time], t.[c_time0] = s.[c_time0], t.[c_datetime] = s.[c_datetime], t.[c_smalldatetime] = s.[c_smalldatetime], t.[c_datetime2] = s.[c_datetime2], t.[c_datetime2_0] = s.[c_datetime2_0], t.[c_datetimeoffset] = s.[c_datetimeoffset], t.[c_char] = s.[c_char], t.[c_varchar] = s.[c_varchar], t.[c_varchar_max] = s.[c_varchar_max], t.[c_nchar] = s.[c_nchar], t.[c_nvarchar] = s.[c_nvarchar], t.[c_nvarchar_max] = s.[c_nvarchar_max], t.[c_binary] = s.[c_binary], t.[c_varbinary] = s.[c_varbinary], t.[c_varbinary_max] = s.[c_varbinary_max], t.[c_uniqueidentifier] = s.[c_uniqueidentifier], t.[c_xml] = s.[c_xml]
WHEN NOT MATCHED BY TARGET THEN INSERT ([id], [c_bit], [c_tinyint], [c_smallint], [c_int], [c_bigint], [c_decimal], [c_numeric], [c_fraction], [c_money], [c_smallmoney], [c_float], [c_real], [c_date], [c_time], [c_time0], [c_datetime], [c_smalldatetime], [c_datetime2], [c_datetime2_0], [c_datetimeoffset], [c_char], [c_varchar], [c_varchar_max], [c_nchar], [c_nvarchar], [c_nvarchar_max], [c_binary], [c_varbinary], [c_varbinary_max], [c_uniqueidentifier], [c_xml]) VALUES (s.[id], s.[c_bit], s.[c_tinyint], s.[c_smallint], s.[c_int], s.[c_bigint], s.[c_decimal], s.[c_numeric], s.[c_fraction], s.[c_money], s.[c_smallmoney], s.[c_float], s.[c_real], s.[c_date], s.[c_time], s.[c_time0], s.[c_datetime], s.[c_smalldatetime], s.[c_datetime2], s.[c_datetime2_0], s.[c_datetimeoffset], s.[c_char], s.[c_varchar], s.[c_varchar_max], s.[c_nchar], s.[c_nvarchar], s.[c_nvarchar_max], s.[c_binary], s.[c_varbinary], s.[c_varbinary_max], s.[c_uniqueidentifier], s.[c_xml]);
DROP TABLE [#ferry_stage];
GO
-- delete, few rows
SET XACT_ABORT OFF;
DELETE t FROM [dbo].[every_type] AS t
JOIN (VALUES
    (CAST(@p1 AS int)),
    (CAST(@p2 AS int))
) AS s ([id])
ON t.[id] = s.[id];
GO
-- delete, many rows: stage, bulk copy, then
DROP TABLE IF EXISTS [#ferry_stage_keys];
SELECT TOP (0) t.[id] INTO [#ferry_stage_keys] FROM [dbo].[every_type] AS t LEFT JOIN (SELECT 1 AS [x]) AS ferry_none ON 1 = 0;
GO
IF (SELECT COUNT_BIG(*) FROM [#ferry_stage]) <> @p1
    THROW 51000, N'ferry: the stage table does not hold the rows sent', 1;
SET XACT_ABORT OFF;
DELETE t FROM [dbo].[every_type] AS t
JOIN [#ferry_stage] AS s
ON t.[id] = s.[id];
DROP TABLE [#ferry_stage];
