-- write: deletes and upserts in one MERGE, few rows
SET XACT_ABORT OFF;
MERGE [My Schema].[x]]; DROP TABLE victim; --] WITH (HOLDLOCK) AS t
USING (
    SELECT N'u', s.[select], s.[Order Date], s.[a.b], s.[it's "quoted"], s.[back\slash], s.[ferry_row], s.[emoji😀], s.[end]]; EXEC xp_cmdshell 'x'; --] FROM (VALUES
    (CAST(@p1 AS int), CAST(@p2 AS date), CAST(@p3 AS nvarchar(10)), CAST(@p4 AS varchar(10)), CAST(@p5 AS int), CAST(@p6 AS bit), CAST(@p7 AS nvarchar(5)), CAST(@p8 AS int))
) AS s ([select], [Order Date], [a.b], [it's "quoted"], [back\slash], [ferry_row], [emoji😀], [end]]; EXEC xp_cmdshell 'x'; --])
    UNION ALL
    SELECT N'd', s.[select], s.[Order Date], NULL, NULL, NULL, NULL, NULL, NULL FROM (VALUES
    (CAST(@p9 AS int), CAST(@p10 AS date))
) AS s ([select], [Order Date])
) AS s ([ferry:op], [select], [Order Date], [a.b], [it's "quoted"], [back\slash], [ferry_row], [emoji😀], [end]]; EXEC xp_cmdshell 'x'; --])
ON t.[select] = s.[select] AND t.[Order Date] = s.[Order Date]
WHEN MATCHED AND s.[ferry:op] = N'd' THEN DELETE
WHEN MATCHED THEN UPDATE SET t.[a.b] = s.[a.b], t.[it's "quoted"] = s.[it's "quoted"], t.[back\slash] = s.[back\slash], t.[ferry_row] = s.[ferry_row], t.[emoji😀] = s.[emoji😀], t.[end]]; EXEC xp_cmdshell 'x'; --] = s.[end]]; EXEC xp_cmdshell 'x'; --]
WHEN NOT MATCHED BY TARGET AND s.[ferry:op] = N'u' THEN INSERT ([select], [Order Date], [a.b], [it's "quoted"], [back\slash], [ferry_row], [emoji😀], [end]]; EXEC xp_cmdshell 'x'; --]) VALUES (s.[select], s.[Order Date], s.[a.b], s.[it's "quoted"], s.[back\slash], s.[ferry_row], s.[emoji😀], s.[end]]; EXEC xp_cmdshell 'x'; --]);
GO
-- write, many rows: both stage tables (made as above), bulk copy, then
DROP TABLE IF EXISTS [#ferry_stage_keys];
SELECT TOP (0) t.[select], t.[Order Date] INTO [#ferry_stage_keys] FROM [My Schema].[x]]; DROP TABLE victim; --] AS t LEFT JOIN (SELECT 1 AS [x]) AS ferry_none ON 1 = 0;
GO
IF (SELECT COUNT_BIG(*) FROM [#ferry_stage]) <> @p1
    THROW 51000, N'ferry: the stage table does not hold the rows sent', 1;
IF (SELECT COUNT_BIG(*) FROM [#ferry_stage_keys]) <> @p2
    THROW 51000, N'ferry: the stage table does not hold the rows sent', 1;
SET XACT_ABORT OFF;
MERGE [My Schema].[x]]; DROP TABLE victim; --] WITH (HOLDLOCK) AS t
USING (
    SELECT N'u', s.[select], s.[Order Date], s.[a.b], s.[it's "quoted"], s.[back\slash], s.[ferry_row], s.[emoji😀], s.[end]]; EXEC xp_cmdshell 'x'; --] FROM [#ferry_stage] AS s
    UNION ALL
    SELECT N'd', s.[select], s.[Order Date], NULL, NULL, NULL, NULL, NULL, NULL FROM [#ferry_stage_keys] AS s
) AS s ([ferry:op], [select], [Order Date], [a.b], [it's "quoted"], [back\slash], [ferry_row], [emoji😀], [end]]; EXEC xp_cmdshell 'x'; --])
ON t.[select] = s.[select] AND t.[Order Date] = s.[Order Date]
WHEN MATCHED AND s.[ferry:op] = N'd' THEN DELETE
WHEN MATCHED THEN UPDATE SET t.[a.b] = s.[a.b], t.[it's "quoted"] = s.[it's "quoted"], t.[back\slash] = s.[back\slash], t.[ferry_row] = s.[ferry_row], t.[emoji😀] = s.[emoji😀], t.[end]]; EXEC xp_cmdshell 'x'; --] = s.[end]]; EXEC xp_cmdshell 'x'; --]
WHEN NOT MATCHED BY TARGET AND s.[ferry:op] = N'u' THEN INSERT ([select], [Order Date], [a.b], [it's "quoted"], [back\slash], [ferry_row], [emoji😀], [end]]; EXEC xp_cmdshell 'x'; --]) VALUES (s.[select], s.[Order Date], s.[a.b], s.[it's "quoted"], s.[back\slash], s.[ferry_row], s.[emoji😀], s.[end]]; EXEC xp_cmdshell 'x'; --]);
DROP TABLE [#ferry_stage];
DROP TABLE [#ferry_stage_keys];
GO
-- upsert, few rows: one MERGE from parameters
SET XACT_ABORT OFF;
MERGE [My Schema].[x]]; DROP TABLE victim; --] WITH (HOLDLOCK) AS t
USING (VALUES
    (CAST(@p1 AS int), CAST(@p2 AS date), CAST(@p3 AS nvarchar(10)), CAST(@p4 AS varchar(10)), CAST(@p5 AS int), CAST(@p6 AS bit), CAST(@p7 AS nvarchar(5)), CAST(@p8 AS int))
) AS s ([select], [Order Date], [a.b], [it's "quoted"], [back\slash], [ferry_row], [emoji😀], [end]]; EXEC xp_cmdshell 'x'; --])
ON t.[select] = s.[select] AND t.[Order Date] = s.[Order Date]
WHEN MATCHED THEN UPDATE SET t.[a.b] = s.[a.b], t.[it's "quoted"] = s.[it's "quoted"], t.[back\slash] = s.[back\slash], t.[ferry_row] = s.[ferry_row], t.[emoji😀] = s.[emoji😀], t.[end]]; EXEC xp_cmdshell 'x'; --] = s.[end]]; EXEC xp_cmdshell 'x'; --]
WHEN NOT MATCHED BY TARGET THEN INSERT ([select], [Order Date], [a.b], [it's "quoted"], [back\slash], [ferry_row], [emoji😀], [end]]; EXEC xp_cmdshell 'x'; --]) VALUES (s.[select], s.[Order Date], s.[a.b], s.[it's "quoted"], s.[back\slash], s.[ferry_row], s.[emoji😀], s.[end]]; EXEC xp_cmdshell 'x'; --]);
GO
-- upsert, many rows: the stage table, made without parameters
DROP TABLE IF EXISTS [#ferry_stage];
SELECT TOP (0) t.[select], t.[Order Date], t.[a.b], t.[it's "quoted"], t.[back\slash], t.[ferry_row], t.[emoji😀], t.[end]]; EXEC xp_cmdshell 'x'; --] INTO [#ferry_stage] FROM [My Schema].[x]]; DROP TABLE victim; --] AS t LEFT JOIN (SELECT 1 AS [x]) AS ferry_none ON 1 = 0;
GO
-- then bulk copy into it, then one MERGE
IF (SELECT COUNT_BIG(*) FROM [#ferry_stage]) <> @p1
    THROW 51000, N'ferry: the stage table does not hold the rows sent', 1;
SET XACT_ABORT OFF;
MERGE [My Schema].[x]]; DROP TABLE victim; --] WITH (HOLDLOCK) AS t
USING [#ferry_stage] AS s
ON t.[select] = s.[select] AND t.[Order Date] = s.[Order Date]
WHEN MATCHED THEN UPDATE SET t.[a.b] = s.[a.b], t.[it's "quoted"] = s.[it's "quoted"], t.[back\slash] = s.[back\slash], t.[ferry_row] = s.[ferry_row], t.[emoji😀] = s.[emoji😀], t.[end]]; EXEC xp_cmdshell 'x'; --] = s.[end]]; EXEC xp_cmdshell 'x'; --]
WHEN NOT MATCHED BY TARGET THEN INSERT ([select], [Order Date], [a.b], [it's "quoted"], [back\slash], [ferry_row], [emoji😀], [end]]; EXEC xp_cmdshell 'x'; --]) VALUES (s.[select], s.[Order Date], s.[a.b], s.[it's "quoted"], s.[back\slash], s.[ferry_row], s.[emoji😀], s.[end]]; EXEC xp_cmdshell 'x'; --]);
DROP TABLE [#ferry_stage];
GO
-- delete, few rows
SET XACT_ABORT OFF;
DELETE t FROM [My Schema].[x]]; DROP TABLE victim; --] AS t
JOIN (VALUES
    (CAST(@p1 AS int), CAST(@p2 AS date))
) AS s ([select], [Order Date])
ON t.[select] = s.[select] AND t.[Order Date] = s.[Order Date];
GO
-- delete, many rows: stage, bulk copy, then
DROP TABLE IF EXISTS [#ferry_stage_keys];
SELECT TOP (0) t.[select], t.[Order Date] INTO [#ferry_stage_keys] FROM [My Schema].[x]]; DROP TABLE victim; --] AS t LEFT JOIN (SELECT 1 AS [x]) AS ferry_none ON 1 = 0;
GO
IF (SELECT COUNT_BIG(*) FROM [#ferry_stage]) <> @p1
    THROW 51000, N'ferry: the stage table does not hold the rows sent', 1;
SET XACT_ABORT OFF;
DELETE t FROM [My Schema].[x]]; DROP TABLE victim; --] AS t
JOIN [#ferry_stage] AS s
ON t.[select] = s.[select] AND t.[Order Date] = s.[Order Date];
DROP TABLE [#ferry_stage];
