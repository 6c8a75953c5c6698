-- write: deletes and upserts in one MERGE, few rows
SET XACT_ABORT OFF;
SET IDENTITY_INSERT [dbo].[staff] ON;
MERGE [dbo].[staff] WITH (HOLDLOCK) AS t
USING (
    SELECT N'u', s.[staff_id], s.[name], s.[city_code], s.[salary], s.[hired] FROM (VALUES
    (CAST(@p1 AS int), CAST(@p2 AS nvarchar(100)), CAST(@p3 AS varchar(10)), CAST(@p4 AS decimal(12,2)), CAST(@p5 AS datetime2(3)))
) AS s ([staff_id], [name], [city_code], [salary], [hired])
    UNION ALL
    SELECT N'd', s.[staff_id], NULL, NULL, NULL, NULL FROM (VALUES
    (CAST(@p6 AS int))
) AS s ([staff_id])
) AS s ([ferry:op], [staff_id], [name], [city_code], [salary], [hired])
ON t.[staff_id] = s.[staff_id]
WHEN MATCHED AND s.[ferry:op] = N'd' THEN DELETE
WHEN MATCHED THEN UPDATE SET t.[name] = s.[name], t.[city_code] = s.[city_code], t.[salary] = s.[salary], t.[hired] = s.[hired]
WHEN NOT MATCHED BY TARGET AND s.[ferry:op] = N'u' THEN INSERT ([staff_id], [name], [city_code], [salary], [hired]) VALUES (s.[staff_id], s.[name], s.[city_code], s.[salary], s.[hired]);
SET IDENTITY_INSERT [dbo].[staff] OFF;
GO
-- write, many rows: both stage tables (made as above), bulk copy, then
DROP TABLE IF EXISTS [#ferry_stage_keys];
SELECT TOP (0) t.[staff_id] INTO [#ferry_stage_keys] FROM [dbo].[staff] AS t LEFT JOIN (SELECT 1 AS [x]) AS ferry_none ON 1 = 0;
GO
IF (SELECT COUNT_BIG(*) FROM [#ferry_stage]) <> @p1
    THROW 51000, N'ferry: the stage table does not hold the rows sent', 1;
IF (SELECT COUNT_BIG(*) FROM [#ferry_stage_keys]) <> @p2
    THROW 51000, N'ferry: the stage table does not hold the rows sent', 1;
SET XACT_ABORT OFF;
SET IDENTITY_INSERT [dbo].[staff] ON;
MERGE [dbo].[staff] WITH (HOLDLOCK) AS t
USING (
    SELECT N'u', s.[staff_id], s.[name], s.[city_code], s.[salary], s.[hired] FROM [#ferry_stage] AS s
    UNION ALL
    SELECT N'd', s.[staff_id], NULL, NULL, NULL, NULL FROM [#ferry_stage_keys] AS s
) AS s ([ferry:op], [staff_id], [name], [city_code], [salary], [hired])
ON t.[staff_id] = s.[staff_id]
WHEN MATCHED AND s.[ferry:op] = N'd' THEN DELETE
WHEN MATCHED THEN UPDATE SET t.[name] = s.[name], t.[city_code] = s.[city_code], t.[salary] = s.[salary], t.[hired] = s.[hired]
WHEN NOT MATCHED BY TARGET AND s.[ferry:op] = N'u' THEN INSERT ([staff_id], [name], [city_code], [salary], [hired]) VALUES (s.[staff_id], s.[name], s.[city_code], s.[salary], s.[hired]);
SET IDENTITY_INSERT [dbo].[staff] OFF;
DROP TABLE [#ferry_stage];
DROP TABLE [#ferry_stage_keys];
GO
-- upsert, few rows: one MERGE from parameters
SET XACT_ABORT OFF;
SET IDENTITY_INSERT [dbo].[staff] ON;
MERGE [dbo].[staff] WITH (HOLDLOCK) AS t
USING (VALUES
    (CAST(@p1 AS int), CAST(@p2 AS nvarchar(100)), CAST(@p3 AS varchar(10)), CAST(@p4 AS decimal(12,2)), CAST(@p5 AS datetime2(3)))
) AS s ([staff_id], [name], [city_code], [salary], [hired])
ON t.[staff_id] = s.[staff_id]
WHEN MATCHED THEN UPDATE SET t.[name] = s.[name], t.[city_code] = s.[city_code], t.[salary] = s.[salary], t.[hired] = s.[hired]
WHEN NOT MATCHED BY TARGET THEN INSERT ([staff_id], [name], [city_code], [salary], [hired]) VALUES (s.[staff_id], s.[name], s.[city_code], s.[salary], s.[hired]);
SET IDENTITY_INSERT [dbo].[staff] OFF;
GO
-- upsert, many rows: the stage table, made without parameters
DROP TABLE IF EXISTS [#ferry_stage];
SELECT TOP (0) t.[staff_id], t.[name], t.[city_code], t.[salary], t.[hired] INTO [#ferry_stage] FROM [dbo].[staff] AS t LEFT JOIN (SELECT 1 AS [x]) AS ferry_none ON 1 = 0;
GO
-- then bulk copy into it, then one MERGE
IF (SELECT COUNT_BIG(*) FROM [#ferry_stage]) <> @p1
    THROW 51000, N'ferry: the stage table does not hold the rows sent', 1;
SET XACT_ABORT OFF;
SET IDENTITY_INSERT [dbo].[staff] ON;
MERGE [dbo].[staff] WITH (HOLDLOCK) AS t
USING [#ferry_stage] AS s
ON t.[staff_id] = s.[staff_id]
WHEN MATCHED THEN UPDATE SET t.[name] = s.[name], t.[city_code] = s.[city_code], t.[salary] = s.[salary], t.[hired] = s.[hired]
WHEN NOT MATCHED BY TARGET THEN INSERT ([staff_id], [name], [city_code], [salary], [hired]) VALUES (s.[staff_id], s.[name], s.[city_code], s.[salary], s.[hired]);
SET IDENTITY_INSERT [dbo].[staff] OFF;
DROP TABLE [#ferry_stage];
GO
-- delete, few rows
SET XACT_ABORT OFF;
DELETE t FROM [dbo].[staff] AS t
JOIN (VALUES
    (CAST(@p1 AS int))
) AS s ([staff_id])
ON t.[staff_id] = s.[staff_id];
GO
-- delete, many rows: stage, bulk copy, then
DROP TABLE IF EXISTS [#ferry_stage_keys];
SELECT TOP (0) t.[staff_id] INTO [#ferry_stage_keys] FROM [dbo].[staff] AS t LEFT JOIN (SELECT 1 AS [x]) AS ferry_none ON 1 = 0;
GO
IF (SELECT COUNT_BIG(*) FROM [#ferry_stage]) <> @p1
    THROW 51000, N'ferry: the stage table does not hold the rows sent', 1;
SET XACT_ABORT OFF;
DELETE t FROM [dbo].[staff] AS t
JOIN [#ferry_stage] AS s
ON t.[staff_id] = s.[staff_id];
DROP TABLE [#ferry_stage];
