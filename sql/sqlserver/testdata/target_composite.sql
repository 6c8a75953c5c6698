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
DROP TABLE IF EXISTS [#ferry_stage];
SELECT TOP (0) t.[order_id], t.[line_no] INTO [#ferry_stage] FROM [sales].[order_lines] AS t LEFT JOIN (SELECT 1 AS [x]) AS ferry_none ON 1 = 0;
GO
IF (SELECT COUNT_BIG(*) FROM [#ferry_stage]) <> @p1
    THROW 51000, N'ferry: the stage table does not hold the rows sent', 1;
SET XACT_ABORT OFF;
DELETE t FROM [sales].[order_lines] AS t
JOIN [#ferry_stage] AS s
ON t.[order_id] = s.[order_id] AND t.[line_no] = s.[line_no];
DROP TABLE [#ferry_stage];
