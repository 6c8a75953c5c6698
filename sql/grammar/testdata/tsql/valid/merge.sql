MERGE [dbo].[emp] WITH (HOLDLOCK) AS t
USING (VALUES (@p1, @p2), (@p3, @p4)) AS s ([id], [name])
ON t.[id] = s.[id]
WHEN MATCHED THEN UPDATE SET t.[name] = s.[name]
WHEN NOT MATCHED THEN INSERT ([id], [name]) VALUES (s.[id], s.[name]);
