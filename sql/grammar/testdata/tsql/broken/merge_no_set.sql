MERGE [dbo].[emp] WITH (HOLDLOCK) AS t
USING (VALUES (@p1, @p2)) AS s ([id], [name])
ON t.[id] = s.[id]
WHEN MATCHED THEN UPDATE t.[name] = s.[name];
