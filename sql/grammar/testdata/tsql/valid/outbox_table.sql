CREATE TABLE [ferry].[outbox] (
    [seq] bigint IDENTITY(1,1) NOT NULL,
    [rv] rowversion NOT NULL,
    [table_id] int NOT NULL,
    [op] char(1) NOT NULL CHECK ([op] IN ('c', 'u', 'd', 't')),
    [ts] datetime2(7) NOT NULL DEFAULT (SYSUTCDATETIME()),
    [before] nvarchar(max) NULL,
    [after] nvarchar(max) NULL,
    CONSTRAINT [outbox_pk] PRIMARY KEY CLUSTERED ([seq])
)
