-- exists
SELECT CAST(CASE WHEN OBJECT_ID(N'[ferry].[snapshot_request]', N'U') IS NULL THEN 0 ELSE 1 END AS bit);
GO
-- insert
INSERT INTO [ferry].[snapshot_request] ([table_id], [schema_name], [table_name], [keys], [chunk_size], [max_rate], [rows_estimated])
OUTPUT INSERTED.[id]
VALUES (@p1, @p2, @p3, @p4, @p5, @p6, @p7);
GO
-- list
SELECT [id], [table_id], [schema_name], [table_name],
    CASE WHEN [keys] IS NULL THEN 0 ELSE (SELECT COUNT(*) FROM OPENJSON([keys])) END,
    CAST(CASE WHEN [keys] IS NULL THEN 1 ELSE 0 END AS bit),
    [chunk_size], [max_rate], [state], [rows_done], ISNULL([rows_estimated], -1), ISNULL([last_key], N''), ISNULL([error], N''),
    [requested_at], [started_at], [finished_at]
FROM [ferry].[snapshot_request] ORDER BY [id];
GO
-- list open
SELECT [id], [table_id], [schema_name], [table_name],
    CASE WHEN [keys] IS NULL THEN 0 ELSE (SELECT COUNT(*) FROM OPENJSON([keys])) END,
    CAST(CASE WHEN [keys] IS NULL THEN 1 ELSE 0 END AS bit),
    [chunk_size], [max_rate], [state], [rows_done], ISNULL([rows_estimated], -1), ISNULL([last_key], N''), ISNULL([error], N''),
    [requested_at], [started_at], [finished_at]
FROM [ferry].[snapshot_request] WHERE [state] IN ('pending', 'running') ORDER BY [id];
GO
-- keys
SELECT ISNULL([keys], N'[]') FROM [ferry].[snapshot_request] WHERE [id] = @p1;
GO
-- cancel
UPDATE [ferry].[snapshot_request] SET [state] = 'cancelled', [finished_at] = SYSUTCDATETIME(), [updated_at] = SYSUTCDATETIME()
WHERE [schema_name] = @p1 AND [table_name] = @p2 AND [state] IN ('pending', 'running');
GO
-- record
UPDATE [ferry].[snapshot_request] SET
    [state] = @p2, [rows_done] = @p3, [last_key] = @p4, [error] = @p5,
    [started_at] = ISNULL([started_at], SYSUTCDATETIME()),
    [finished_at] = CASE WHEN @p2 IN ('done', 'cancelled', 'failed') THEN ISNULL([finished_at], SYSUTCDATETIME()) END,
    [updated_at] = SYSUTCDATETIME()
WHERE [id] = @p1 AND [state] <> 'cancelled';
