-- first chunk
SELECT TOP (@p1) CAST(N'{' AS nvarchar(max))
    + N'"order_id":' + ISNULL(CONVERT(nvarchar(20), i.[order_id]), N'null')
    + N',"line_no":' + ISNULL(CONVERT(nvarchar(20), i.[line_no]), N'null')
    + N',"sku":' + ISNULL(N'"' + STRING_ESCAPE(i.[sku], 'json') + N'"', N'null')
    + N',"qty":' + ISNULL(N'"' + CONVERT(nvarchar(41), i.[qty]) + N'"', N'null')
    + N'}' AS [after]
FROM [sales].[order_lines] AS i
ORDER BY i.[order_id], i.[sku];
GO
-- next chunk
SELECT TOP (@p1) CAST(N'{' AS nvarchar(max))
    + N'"order_id":' + ISNULL(CONVERT(nvarchar(20), i.[order_id]), N'null')
    + N',"line_no":' + ISNULL(CONVERT(nvarchar(20), i.[line_no]), N'null')
    + N',"sku":' + ISNULL(N'"' + STRING_ESCAPE(i.[sku], 'json') + N'"', N'null')
    + N',"qty":' + ISNULL(N'"' + CONVERT(nvarchar(41), i.[qty]) + N'"', N'null')
    + N'}' AS [after]
FROM [sales].[order_lines] AS i
WHERE (i.[order_id] > @p2)
   OR (i.[order_id] = @p2 AND i.[sku] > @p3)
ORDER BY i.[order_id], i.[sku];
