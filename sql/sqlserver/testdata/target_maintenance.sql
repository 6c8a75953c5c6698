-- delete the rows of a route's constants (truncate: delete)
SET XACT_ABORT OFF;
DELETE FROM [dbo].[staff]
WHERE [name] = CAST(@p1 AS nvarchar(100)) AND [staff_id] = CAST(@p2 AS int);
GO
-- delete every row
SET XACT_ABORT OFF;
DELETE FROM [dbo].[staff];
GO
-- truncate
TRUNCATE TABLE [dbo].[staff];
GO
-- catalog version of the routes' tables
SELECT CONVERT(varchar(64), HASHBYTES('SHA2_256', ISNULL((
    SELECT s.f + N'|' FROM (
        SELECT j.[value] + N' ' + ISNULL(CONVERT(nvarchar(20), OBJECT_ID(j.[value], N'U')), N'missing') AS f
        FROM OPENJSON(@p1) AS j
        UNION ALL
        SELECT CONCAT(c.[object_id], N' ', c.[column_id], N' ', c.[name], N' ', c.[user_type_id], N' ', c.[max_length], N' ',
            c.[precision], N' ', c.[scale], N' ', c.[is_nullable], N' ', c.[is_identity], N' ', c.[is_computed], N' ',
            c.[default_object_id], N' ', c.[collation_name])
        FROM sys.columns AS c JOIN OPENJSON(@p1) AS j ON c.[object_id] = OBJECT_ID(j.[value], N'U')
        UNION ALL
        SELECT CONCAT(o.[parent_object_id], N' ', o.[object_id], N' ', o.[name], N' ', o.[type], N' ', CONVERT(nvarchar(30), o.[modify_date], 126))
        FROM sys.objects AS o JOIN OPENJSON(@p1) AS j ON o.[parent_object_id] = OBJECT_ID(j.[value], N'U')
        UNION ALL
        SELECT CONCAT(g.[parent_id], N' ', g.[object_id], N' ', g.[is_disabled])
        FROM sys.triggers AS g JOIN OPENJSON(@p1) AS j ON g.[parent_id] = OBJECT_ID(j.[value], N'U')
        UNION ALL
        SELECT CONCAT(i.[object_id], N' ', i.[index_id], N' ', i.[name], N' ', i.[is_unique], N' ', i.[is_primary_key], N' ', i.[is_disabled])
        FROM sys.indexes AS i JOIN OPENJSON(@p1) AS j ON i.[object_id] = OBJECT_ID(j.[value], N'U')
        UNION ALL
        SELECT CONCAT(f.[referenced_object_id], N' ', f.[object_id], N' ', f.[name], N' ', f.[is_disabled])
        FROM sys.foreign_keys AS f JOIN OPENJSON(@p1) AS j ON f.[referenced_object_id] = OBJECT_ID(j.[value], N'U')
    ) AS s
    ORDER BY s.f
    FOR XML PATH(''), TYPE).value(N'.', N'nvarchar(max)'), N'')), 2);
