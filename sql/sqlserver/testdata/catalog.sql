-- table
SELECT o.[object_id], o.[type], s.[name], o.[name]
FROM sys.objects AS o
JOIN sys.schemas AS s ON s.[schema_id] = o.[schema_id]
WHERE s.[name] = @p1 AND o.[name] = @p2;
GO
-- columns
SELECT c.[name], TYPE_NAME(c.[system_type_id]), c.[max_length], c.[precision], c.[scale],
       c.[is_nullable], c.[is_identity], c.[is_computed], CAST(c.[generated_always_type] AS int),
       t.[is_assembly_type], TYPE_NAME(c.[user_type_id]),
       ISNULL(c.[collation_name], N''), ISNULL(CAST(COLLATIONPROPERTY(c.[collation_name], 'CodePage') AS int), 0),
       ISNULL(d.[definition], N'')
FROM sys.columns AS c
JOIN sys.types AS t ON t.[user_type_id] = c.[user_type_id]
LEFT JOIN sys.default_constraints AS d ON d.[object_id] = c.[default_object_id]
WHERE c.[object_id] = @p1
ORDER BY c.[column_id];
GO
-- primary key
SELECT c.[name]
FROM sys.indexes AS i
JOIN sys.index_columns AS ic ON ic.[object_id] = i.[object_id] AND ic.[index_id] = i.[index_id]
JOIN sys.columns AS c ON c.[object_id] = ic.[object_id] AND c.[column_id] = ic.[column_id]
WHERE i.[object_id] = @p1 AND i.[is_primary_key] = 1
ORDER BY ic.[key_ordinal];
GO
-- default schema
SELECT SCHEMA_NAME();
GO
-- registry exists
SELECT CASE WHEN OBJECT_ID(@p1, N'U') IS NULL THEN 0 ELSE 1 END;
GO
-- registry
SELECT [id], [schema_name], [table_name], [key_columns], [excluded], [columns], [ddl_hash] FROM [ferry].[captured] ORDER BY [id];
GO
-- unique indexes
SELECT i.[name], c.[name]
FROM sys.indexes AS i
JOIN sys.index_columns AS ic ON ic.[object_id] = i.[object_id] AND ic.[index_id] = i.[index_id] AND ic.[is_included_column] = 0
JOIN sys.columns AS c ON c.[object_id] = ic.[object_id] AND c.[column_id] = ic.[column_id]
WHERE i.[object_id] = @p1 AND i.[is_unique] = 1 AND i.[is_disabled] = 0 AND i.[has_filter] = 0
ORDER BY i.[name], ic.[key_ordinal];
GO
-- installed capture
SELECT s.[name], o.[name], tr.[is_disabled],
    (SELECT COUNT(DISTINCT te.[type]) FROM sys.trigger_events AS te
     WHERE te.[object_id] = tr.[object_id] AND te.[type] IN (1, 2, 3))
FROM sys.triggers AS tr
JOIN sys.objects AS o ON o.[object_id] = tr.[parent_id]
JOIN sys.schemas AS s ON s.[schema_id] = o.[schema_id]
WHERE tr.[name] = @p1 AND o.[type] = 'U';
GO
-- schema owner
SELECT p.[name], p.[type]
FROM sys.schemas AS s
JOIN sys.database_principals AS p ON p.[principal_id] = s.[principal_id]
WHERE s.[name] = @p1;
