-- first chunk
SELECT TOP (@p1) CAST(N'{' AS nvarchar(max))
    + N'"order_id":' + ISNULL(CONVERT(nvarchar(20), i.[order_id]), N'null')
    + N',"line_no":' + ISNULL(CONVERT(nvarchar(20), i.[line_no]), N'null')
    + N',"sku":' + ISNULL(N'"' + STRING_ESCAPE(i.[sku], 'json') + N'"', N'null')
    + N',"qty":' + ISNULL(N'"' + CONVERT(nvarchar(41), i.[qty]) + N'"', N'null')
    + N'}' AS [after],
CAST(N'{' AS nvarchar(max))
    + N'"order_id":' + ISNULL(CONVERT(nvarchar(20), i.[order_id]), N'null')
    + N',"line_no":' + ISNULL(CONVERT(nvarchar(20), i.[line_no]), N'null')
    + N'}' AS [key]
FROM [sales].[order_lines] AS i
WHERE i.[order_id] IS NOT NULL
  AND i.[line_no] IS NOT NULL
ORDER BY i.[order_id], i.[line_no];
GO
-- next chunk
SELECT TOP (@p1) CAST(N'{' AS nvarchar(max))
    + N'"order_id":' + ISNULL(CONVERT(nvarchar(20), i.[order_id]), N'null')
    + N',"line_no":' + ISNULL(CONVERT(nvarchar(20), i.[line_no]), N'null')
    + N',"sku":' + ISNULL(N'"' + STRING_ESCAPE(i.[sku], 'json') + N'"', N'null')
    + N',"qty":' + ISNULL(N'"' + CONVERT(nvarchar(41), i.[qty]) + N'"', N'null')
    + N'}' AS [after],
CAST(N'{' AS nvarchar(max))
    + N'"order_id":' + ISNULL(CONVERT(nvarchar(20), i.[order_id]), N'null')
    + N',"line_no":' + ISNULL(CONVERT(nvarchar(20), i.[line_no]), N'null')
    + N'}' AS [key]
FROM [sales].[order_lines] AS i
WHERE i.[order_id] IS NOT NULL
  AND i.[line_no] IS NOT NULL
  AND ((i.[order_id] > @p2)
    OR (i.[order_id] = @p2 AND i.[line_no] > @p3))
ORDER BY i.[order_id], i.[line_no];
GO
-- a range, in code point order (verify)
SELECT TOP (@p1) CAST(N'{' AS nvarchar(max))
    + N'"order_id":' + ISNULL(CONVERT(nvarchar(20), i.[order_id]), N'null')
    + N',"line_no":' + ISNULL(CONVERT(nvarchar(20), i.[line_no]), N'null')
    + N',"sku":' + ISNULL(N'"' + STRING_ESCAPE(i.[sku], 'json') + N'"', N'null')
    + N',"qty":' + ISNULL(N'"' + CONVERT(nvarchar(41), i.[qty]) + N'"', N'null')
    + N'}' AS [after],
CAST(N'{' AS nvarchar(max))
    + N'"order_id":' + ISNULL(CONVERT(nvarchar(20), i.[order_id]), N'null')
    + N',"line_no":' + ISNULL(CONVERT(nvarchar(20), i.[line_no]), N'null')
    + N'}' AS [key]
FROM [sales].[order_lines] AS i
WHERE i.[order_id] IS NOT NULL
  AND i.[line_no] IS NOT NULL
  AND ((i.[order_id] > @p2)
    OR (i.[order_id] = @p2 AND i.[line_no] > @p3))
  AND ((i.[order_id] < @p4)
    OR (i.[order_id] = @p4 AND i.[line_no] <= @p5))
ORDER BY i.[order_id], i.[line_no];
