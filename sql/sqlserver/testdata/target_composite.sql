-- write: deletes and upserts in one MERGE, few rows
SET XACT_ABORT OFF;
MERGE [sales].[order_lines] WITH (HOLDLOCK) AS t
USING (
    SELECT N'u', s.[order_id], s.[line_no], s.[sku], s.[qty] FROM (VALUES
    (CAST(@p1 AS bigint), CAST(@p2 AS smallint), CAST(@p3 AS varchar(20)), CAST(@p4 AS decimal(12,3))),
    (CAST(@p5 AS bigint), CAST(@p6 AS smallint), CAST(@p7 AS varchar(20)), CAST(@p8 AS decimal(12,3)))
) AS s ([order_id], [line_no], [sku], [qty])
    UNION ALL
    SELECT N'd', s.[order_id], s.[line_no], NULL, NULL FROM (VALUES
    (CAST(@p9 AS bigint), CAST(@p10 AS smallint)),
    (CAST(@p11 AS bigint), CAST(@p12 AS smallint))
) AS s ([order_id], [line_no])
) AS s ([ferry:op], [order_id], [line_no], [sku], [qty])
ON t.[order_id] = s.[order_id] AND t.[line_no] = s.[line_no]
WHEN MATCHED AND s.[ferry:op] = N'd' THEN DELETE
WHEN MATCHED THEN UPDATE SET t.[sku] = s.[sku], t.[qty] = s.[qty]
WHEN NOT MATCHED BY TARGET AND s.[ferry:op] = N'u' THEN INSERT ([order_id], [line_no], [sku], [qty]) VALUES (s.[order_id], s.[line_no], s.[sku], s.[qty]);
GO
-- write, many rows: both stage tables (made as above), bulk copy, then
DROP TABLE IF EXISTS [#ferry_stage_keys];
SELECT TOP (0) t.[order_id], t.[line_no] INTO [#ferry_stage_keys] FROM [sales].[order_lines] AS t LEFT JOIN (SELECT 1 AS [x]) AS ferry_none ON 1 = 0;
GO
IF (SELECT COUNT_BIG(*) FROM [#ferry_stage]) <> @p1
    THROW 51000, N'ferry: the stage table does not hold the rows sent', 1;
IF (SELECT COUNT_BIG(*) FROM [#ferry_stage_keys]) <> @p2
    THROW 51000, N'ferry: the stage table does not hold the rows sent', 1;
SET XACT_ABORT OFF;
MERGE [sales].[order_lines] WITH (HOLDLOCK) AS t
USING (
    SELECT N'u', s.[order_id], s.[line_no], s.[sku], s.[qty] FROM [#ferry_stage] AS s
    UNION ALL
    SELECT N'd', s.[order_id], s.[line_no], NULL, NULL FROM [#ferry_stage_keys] AS s
) AS s ([ferry:op], [order_id], [line_no], [sku], [qty])
ON t.[order_id] = s.[order_id] AND t.[line_no] = s.[line_no]
WHEN MATCHED AND s.[ferry:op] = N'd' THEN DELETE
WHEN MATCHED THEN UPDATE SET t.[sku] = s.[sku], t.[qty] = s.[qty]
WHEN NOT MATCHED BY TARGET AND s.[ferry:op] = N'u' THEN INSERT ([order_id], [line_no], [sku], [qty]) VALUES (s.[order_id], s.[line_no], s.[sku], s.[qty]);
DROP TABLE [#ferry_stage];
DROP TABLE [#ferry_stage_keys];
GO
-- upsert, few rows: one MERGE from parameters
SET XACT_ABORT OFF;
MERGE [sales].[order_lines] WITH (HOLDLOCK) AS t
USING (VALUES
    (CAST(@p1 AS bigint), CAST(@p2 AS smallint), CAST(@p3 AS varchar(20)), CAST(@p4 AS decimal(12,3))),
    (CAST(@p5 AS bigint), CAST(@p6 AS smallint), CAST(@p7 AS varchar(20)), CAST(@p8 AS decimal(12,3)))
) AS s ([order_id], [line_no], [sku], [qty])
ON t.[order_id] = s.[order_id] AND t.[line_no] = s.[line_no]
WHEN MATCHED THEN UPDATE SET t.[sku] = s.[sku], t.[qty] = s.[qty]
WHEN NOT MATCHED BY TARGET THEN INSERT ([order_id], [line_no], [sku], [qty]) VALUES (s.[order_id], s.[line_no], s.[sku], s.[qty]);
GO
-- upsert, many rows: the stage table, made without parameters
DROP TABLE IF EXISTS [#ferry_stage];
SELECT TOP (0) t.[order_id], t.[line_no], t.[sku], t.[qty] INTO [#ferry_stage] FROM [sales].[order_lines] AS t LEFT JOIN (SELECT 1 AS [x]) AS ferry_none ON 1 = 0;
GO
-- then bulk copy into it, then one MERGE
IF (SELECT COUNT_BIG(*) FROM [#ferry_stage]) <> @p1
    THROW 51000, N'ferry: the stage table does not hold the rows sent', 1;
SET XACT_ABORT OFF;
MERGE [sales].[order_lines] WITH (HOLDLOCK) AS t
USING [#ferry_stage] AS s
ON t.[order_id] = s.[order_id] AND t.[line_no] = s.[line_no]
WHEN MATCHED THEN UPDATE SET t.[sku] = s.[sku], t.[qty] = s.[qty]
WHEN NOT MATCHED BY TARGET THEN INSERT ([order_id], [line_no], [sku], [qty]) VALUES (s.[order_id], s.[line_no], s.[sku], s.[qty]);
DROP TABLE [#ferry_stage];
GO
-- delete, few rows
SET XACT_ABORT OFF;
DELETE t FROM [sales].[order_lines] AS t
JOIN (VALUES
    (CAST(@p1 AS bigint), CAST(@p2 AS smallint)),
    (CAST(@p3 AS bigint), CAST(@p4 AS smallint))
) AS s ([order_id], [line_no])
ON t.[order_id] = s.[order_id] AND t.[line_no] = s.[line_no];
GO
-- delete, many rows: stage, bulk copy, then
DROP TABLE IF EXISTS [#ferry_stage_keys];
SELECT TOP (0) t.[order_id], t.[line_no] INTO [#ferry_stage_keys] FROM [sales].[order_lines] AS t LEFT JOIN (SELECT 1 AS [x]) AS ferry_none ON 1 = 0;
GO
IF (SELECT COUNT_BIG(*) FROM [#ferry_stage]) <> @p1
    THROW 51000, N'ferry: the stage table does not hold the rows sent', 1;
SET XACT_ABORT OFF;
DELETE t FROM [sales].[order_lines] AS t
JOIN [#ferry_stage] AS s
ON t.[order_id] = s.[order_id] AND t.[line_no] = s.[line_no];
DROP TABLE [#ferry_stage];
