-- CreateSchema
IF SCHEMA_ID(N'ferry') IS NULL EXEC(N'CREATE SCHEMA [ferry]')
GO
-- Create 1
IF OBJECT_ID(N'[ferry].[apply_offsets]', N'U') IS NULL
CREATE TABLE [ferry].[apply_offsets] (
    [group_id]    nvarchar(255) NOT NULL,
    [topic]       varchar(249) NOT NULL,
    [partition]   int NOT NULL,
    [next_offset] bigint NOT NULL,
    [applied_at]  datetime2(7) NOT NULL CONSTRAINT [apply_offsets_applied_at] DEFAULT (SYSUTCDATETIME()),
    CONSTRAINT [apply_offsets_pk] PRIMARY KEY ([group_id], [topic], [partition])
)
GO
-- Create 2
IF OBJECT_ID(N'[ferry].[apply_held]', N'U') IS NULL
CREATE TABLE [ferry].[apply_held] (
    [id]            bigint IDENTITY(1,1) NOT NULL CONSTRAINT [apply_held_pk] PRIMARY KEY,
    [group_id]      nvarchar(255) NOT NULL,
    [key_hash]      binary(32) NOT NULL,
    [key]           nvarchar(max) NOT NULL,
    [kind]          varchar(16) NOT NULL,
    [topic]         varchar(249) NOT NULL,
    [partition]     int NOT NULL,
    [kafka_offset]  bigint NOT NULL,
    [reason]        nvarchar(max) NOT NULL,
    [since]         datetime2(7) NOT NULL CONSTRAINT [apply_held_since] DEFAULT (SYSUTCDATETIME()),
    [message_key]   varbinary(max) NULL,
    [message_value] varbinary(max) NULL
)
GO
-- Create 3
IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE [object_id] = OBJECT_ID(N'[ferry].[apply_held]') AND [name] = N'apply_held_key')
CREATE INDEX [apply_held_key] ON [ferry].[apply_held] ([group_id], [key_hash], [id])
GO
-- Create 4
IF OBJECT_ID(N'[ferry].[apply_blocked]', N'U') IS NULL
CREATE TABLE [ferry].[apply_blocked] (
    [group_id] nvarchar(255) NOT NULL,
    [key_hash] binary(32) NOT NULL,
    [key]      nvarchar(max) NOT NULL,
    [parked]   int NOT NULL,
    [since]    datetime2(7) NOT NULL CONSTRAINT [apply_blocked_since] DEFAULT (SYSUTCDATETIME()),
    CONSTRAINT [apply_blocked_pk] PRIMARY KEY ([group_id], [key_hash])
)
GO
-- Create 5
IF OBJECT_ID(N'[ferry].[apply_replayed]', N'U') IS NULL
CREATE TABLE [ferry].[apply_replayed] (
    [group_id]    nvarchar(255) NOT NULL,
    [entry_hash]  binary(32) NOT NULL,
    [entry]       nvarchar(max) NOT NULL,
    [replayed_at] datetime2(7) NOT NULL CONSTRAINT [apply_replayed_at] DEFAULT (SYSUTCDATETIME()),
    CONSTRAINT [apply_replayed_pk] PRIMARY KEY ([group_id], [entry_hash])
)
GO
-- Create 6
IF OBJECT_ID(N'[ferry].[apply_barrier]', N'U') IS NULL
CREATE TABLE [ferry].[apply_barrier] (
    [group_id]   nvarchar(255) NOT NULL,
    [topic]      varchar(249) NOT NULL,
    [seq]        bigint NOT NULL,
    [partitions] int NOT NULL,
    [done]       bit NOT NULL CONSTRAINT [apply_barrier_done] DEFAULT (0),
    [since]      datetime2(7) NOT NULL CONSTRAINT [apply_barrier_since] DEFAULT (SYSUTCDATETIME()),
    CONSTRAINT [apply_barrier_pk] PRIMARY KEY ([group_id], [topic], [seq])
)
GO
-- Create 7
IF OBJECT_ID(N'[ferry].[apply_barrier_arrival]', N'U') IS NULL
CREATE TABLE [ferry].[apply_barrier_arrival] (
    [group_id]     nvarchar(255) NOT NULL,
    [topic]        varchar(249) NOT NULL,
    [seq]          bigint NOT NULL,
    [partition]    int NOT NULL,
    [kafka_offset] bigint NOT NULL,
    CONSTRAINT [apply_barrier_arrival_pk] PRIMARY KEY ([group_id], [topic], [seq], [partition])
)
GO
-- Create 8
IF OBJECT_ID(N'[ferry].[apply_truncated]', N'U') IS NULL
CREATE TABLE [ferry].[apply_truncated] (
    [group_id]     nvarchar(255) NOT NULL,
    [topic]        varchar(249) NOT NULL,
    [partition]    int NOT NULL,
    [kafka_offset] bigint NOT NULL,
    [truncated_at] datetime2(7) NOT NULL CONSTRAINT [apply_truncated_at] DEFAULT (SYSUTCDATETIME()),
    CONSTRAINT [apply_truncated_pk] PRIMARY KEY ([group_id], [topic], [partition])
)
GO
-- Create 9
IF OBJECT_ID(N'[ferry].[apply_progress]', N'U') IS NULL
CREATE TABLE [ferry].[apply_progress] (
    [group_id]               nvarchar(255) NOT NULL,
    [topic]                  varchar(249) NOT NULL,
    [partition]              int NOT NULL,
    [change_applied_at]      datetimeoffset(7) NULL,
    [change_committed_at]    datetimeoffset(7) NULL,
    [heartbeat_source]       nvarchar(255) NULL,
    [heartbeat_seq]          bigint NULL,
    [heartbeat_committed_at] datetimeoffset(7) NULL,
    [heartbeat_interval_ms]  int NULL,
    [heartbeat_applied_at]   datetimeoffset(7) NULL,
    CONSTRAINT [apply_progress_pk] PRIMARY KEY ([group_id], [topic], [partition])
)
GO
-- Create 10
IF OBJECT_ID(N'[ferry].[route_state]', N'U') IS NULL
CREATE TABLE [ferry].[route_state] (
    [group_id]   nvarchar(255) NOT NULL,
    [route]      nvarchar(450) NOT NULL,
    [paused]     bit NOT NULL,
    [since]      datetimeoffset(7) NOT NULL CONSTRAINT [route_state_since] DEFAULT (SYSDATETIMEOFFSET()),
    [changed_by] nvarchar(max) NOT NULL,
    [reason]     nvarchar(max) NOT NULL CONSTRAINT [route_state_reason] DEFAULT (N''),
    CONSTRAINT [route_state_pk] PRIMARY KEY ([group_id], [route])
)
GO
-- SelectOffsets
SELECT [partition], [next_offset] FROM [ferry].[apply_offsets] WHERE [group_id] = @p1 AND [topic] = CAST(@p2 AS varchar(249))
GO
-- InsertOffset
INSERT INTO [ferry].[apply_offsets] ([group_id], [topic], [partition], [next_offset])
SELECT @p1, CAST(@p2 AS varchar(249)), @p3, @p4
WHERE NOT EXISTS (SELECT 1 FROM [ferry].[apply_offsets] WITH (UPDLOCK, HOLDLOCK)
    WHERE [group_id] = @p1 AND [topic] = CAST(@p2 AS varchar(249)) AND [partition] = @p3)
GO
-- AdvanceOffset
UPDATE [ferry].[apply_offsets] SET [next_offset] = @p5, [applied_at] = SYSUTCDATETIME()
WHERE [group_id] = @p1 AND [topic] = CAST(@p2 AS varchar(249)) AND [partition] = @p3 AND [next_offset] = @p4
GO
-- AnyBlocked
SELECT CASE WHEN EXISTS (SELECT 1 FROM [ferry].[apply_blocked] WHERE [group_id] = @p1) THEN 1 ELSE 0 END
GO
-- SelectBlocked
SELECT b.[key], b.[parked]
FROM OPENJSON(@p2) AS j
JOIN [ferry].[apply_blocked] AS b WITH (UPDLOCK, HOLDLOCK)
    ON b.[group_id] = @p1 AND b.[key_hash] = CAST(HASHBYTES('SHA2_256', j.[value]) AS binary(32)) AND b.[key] = j.[value]
GO
-- UpsertBlocked
MERGE [ferry].[apply_blocked] WITH (HOLDLOCK) AS b
USING (SELECT @p1 AS [group_id], CAST(HASHBYTES('SHA2_256', @p2) AS binary(32)) AS [key_hash], @p2 AS [key], @p3 AS [parked]) AS s
ON b.[group_id] = s.[group_id] AND b.[key_hash] = s.[key_hash]
WHEN MATCHED THEN UPDATE SET b.[parked] = s.[parked]
WHEN NOT MATCHED THEN INSERT ([group_id], [key_hash], [key], [parked]) VALUES (s.[group_id], s.[key_hash], s.[key], s.[parked]);
GO
-- DeleteBlocked
DELETE FROM [ferry].[apply_blocked] WHERE [group_id] = @p1 AND [key_hash] = CAST(HASHBYTES('SHA2_256', @p2) AS binary(32)) AND [key] = @p2
GO
-- ForgetBlocked
DELETE FROM [ferry].[apply_blocked] WHERE [group_id] = @p1 AND CAST(LEFT([key], LEN(@p2 + N'x') - 1) AS varbinary(max)) = CAST(@p2 AS varbinary(max))
GO
-- SelectHeldKeys
SELECT j.[value], k.[kind]
FROM OPENJSON(@p2) AS j
CROSS APPLY (SELECT MIN(h.[kind]) AS [kind] FROM [ferry].[apply_held] AS h
    WHERE h.[group_id] = @p1 AND h.[key_hash] = CAST(HASHBYTES('SHA2_256', j.[value]) AS binary(32)) AND h.[key] = j.[value]) AS k
WHERE k.[kind] IS NOT NULL
GO
-- Hold
INSERT INTO [ferry].[apply_held] ([group_id], [key_hash], [key], [kind], [topic], [partition], [kafka_offset], [reason], [message_key], [message_value])
VALUES (@p1, CAST(HASHBYTES('SHA2_256', @p2) AS binary(32)), @p2, CAST(@p3 AS varchar(16)), CAST(@p4 AS varchar(249)), @p5, @p6, @p7,
    CAST(@p8 AS varbinary(max)), CAST(@p9 AS varbinary(max)))
GO
-- SelectHeld
SELECT [id], [key], [kind], [topic], [partition], [kafka_offset], [reason], [since], [message_key], [message_value]
FROM [ferry].[apply_held] WHERE [group_id] = @p1 ORDER BY [key_hash], [id]
GO
-- DropHeld
DELETE FROM [ferry].[apply_held] WHERE [group_id] = @p1 AND [key_hash] = CAST(HASHBYTES('SHA2_256', @p2) AS binary(32)) AND [key] = @p2 AND [kind] = CAST(@p3 AS varchar(16))
GO
-- Unhold
DELETE FROM [ferry].[apply_held] WHERE [group_id] = @p1 AND [id] = @p2
GO
-- ForgetHeld
DELETE FROM [ferry].[apply_held] WHERE [group_id] = @p1 AND CAST(LEFT([key], LEN(@p2 + N'x') - 1) AS varbinary(max)) = CAST(@p2 AS varbinary(max))
GO
-- Replayed
SELECT COUNT(*) FROM [ferry].[apply_replayed] WHERE [group_id] = @p1 AND [entry_hash] = CAST(HASHBYTES('SHA2_256', @p2) AS binary(32)) AND [entry] = @p2
GO
-- MarkReplayed
INSERT INTO [ferry].[apply_replayed] ([group_id], [entry_hash], [entry])
SELECT @p1, CAST(HASHBYTES('SHA2_256', @p2) AS binary(32)), @p2
WHERE NOT EXISTS (SELECT 1 FROM [ferry].[apply_replayed] WITH (UPDLOCK, HOLDLOCK)
    WHERE [group_id] = @p1 AND [entry_hash] = CAST(HASHBYTES('SHA2_256', @p2) AS binary(32)) AND [entry] = @p2)
GO
-- InsertBarrier
INSERT INTO [ferry].[apply_barrier] ([group_id], [topic], [seq], [partitions])
SELECT @p1, CAST(@p2 AS varchar(249)), @p3, @p4
WHERE NOT EXISTS (SELECT 1 FROM [ferry].[apply_barrier] WITH (UPDLOCK, HOLDLOCK)
    WHERE [group_id] = @p1 AND [topic] = CAST(@p2 AS varchar(249)) AND [seq] = @p3)
GO
-- LockBarrier
SELECT [partitions], [done], [since] FROM [ferry].[apply_barrier] WITH (UPDLOCK, HOLDLOCK)
WHERE [group_id] = @p1 AND [topic] = CAST(@p2 AS varchar(249)) AND [seq] = @p3
GO
-- InsertArrival
INSERT INTO [ferry].[apply_barrier_arrival] ([group_id], [topic], [seq], [partition], [kafka_offset])
SELECT @p1, CAST(@p2 AS varchar(249)), @p3, @p4, @p5
WHERE NOT EXISTS (SELECT 1 FROM [ferry].[apply_barrier_arrival] WITH (UPDLOCK, HOLDLOCK)
    WHERE [group_id] = @p1 AND [topic] = CAST(@p2 AS varchar(249)) AND [seq] = @p3 AND [partition] = @p4)
GO
-- SelectArrivals
SELECT [seq], [partition], [kafka_offset] FROM [ferry].[apply_barrier_arrival]
WHERE [group_id] = @p1 AND [topic] = CAST(@p2 AS varchar(249)) AND [seq] IN (SELECT CAST(j.[value] AS bigint) FROM OPENJSON(@p3) AS j)
GO
-- SelectBarriers
SELECT [seq], [partitions], [done], [since] FROM [ferry].[apply_barrier]
WHERE [group_id] = @p1 AND [topic] = CAST(@p2 AS varchar(249)) AND [seq] IN (SELECT CAST(j.[value] AS bigint) FROM OPENJSON(@p3) AS j)
GO
-- FinishBarrier
UPDATE [ferry].[apply_barrier] SET [done] = 1 WHERE [group_id] = @p1 AND [topic] = CAST(@p2 AS varchar(249)) AND [seq] = @p3
GO
-- RecordTruncated
MERGE [ferry].[apply_truncated] WITH (HOLDLOCK) AS t
USING (SELECT [group_id], [topic], [partition], [kafka_offset] FROM [ferry].[apply_barrier_arrival]
    WHERE [group_id] = @p1 AND [topic] = CAST(@p2 AS varchar(249)) AND [seq] = @p3) AS s
ON t.[group_id] = s.[group_id] AND t.[topic] = s.[topic] AND t.[partition] = s.[partition]
WHEN MATCHED THEN UPDATE SET t.[kafka_offset] = CASE WHEN s.[kafka_offset] > t.[kafka_offset] THEN s.[kafka_offset] ELSE t.[kafka_offset] END,
    t.[truncated_at] = SYSUTCDATETIME()
WHEN NOT MATCHED THEN INSERT ([group_id], [topic], [partition], [kafka_offset])
    VALUES (s.[group_id], s.[topic], s.[partition], s.[kafka_offset]);
GO
-- DeleteArrival
DELETE FROM [ferry].[apply_barrier_arrival] WHERE [group_id] = @p1 AND [topic] = CAST(@p2 AS varchar(249)) AND [seq] = @p3 AND [partition] = @p4
GO
-- ForgetBarrier
DELETE b FROM [ferry].[apply_barrier] AS b
WHERE b.[group_id] = @p1 AND b.[topic] = CAST(@p2 AS varchar(249)) AND b.[seq] = @p3 AND b.[done] = 1 AND NOT EXISTS (
    SELECT 1 FROM [ferry].[apply_barrier_arrival] AS a WHERE a.[group_id] = b.[group_id] AND a.[topic] = b.[topic] AND a.[seq] = b.[seq])
GO
-- SelectTruncated
SELECT [partition], [kafka_offset] FROM [ferry].[apply_truncated] WHERE [group_id] = @p1 AND [topic] = CAST(@p2 AS varchar(249))
GO
-- RecordProgress
MERGE [ferry].[apply_progress] WITH (HOLDLOCK) AS p
USING (SELECT @p1 AS [group_id], u.* FROM OPENJSON(@p2) WITH (
    [topic] varchar(249) '$.topic', [partition] int '$.partition',
    [change_applied_at] datetimeoffset(7) '$.change_applied_at', [change_committed_at] datetimeoffset(7) '$.change_committed_at',
    [heartbeat_source] nvarchar(255) '$.heartbeat_source', [heartbeat_seq] bigint '$.heartbeat_seq',
    [heartbeat_committed_at] datetimeoffset(7) '$.heartbeat_committed_at', [heartbeat_interval_ms] int '$.heartbeat_interval_ms',
    [heartbeat_applied_at] datetimeoffset(7) '$.heartbeat_applied_at') AS u) AS s
ON p.[group_id] = s.[group_id] AND p.[topic] = s.[topic] AND p.[partition] = s.[partition]
WHEN MATCHED THEN UPDATE SET
    p.[change_applied_at] = ISNULL(s.[change_applied_at], p.[change_applied_at]),
    p.[change_committed_at] = CASE WHEN s.[change_applied_at] IS NULL THEN p.[change_committed_at] ELSE s.[change_committed_at] END,
    p.[heartbeat_source] = ISNULL(s.[heartbeat_source], p.[heartbeat_source]),
    p.[heartbeat_seq] = ISNULL(s.[heartbeat_seq], p.[heartbeat_seq]),
    p.[heartbeat_committed_at] = ISNULL(s.[heartbeat_committed_at], p.[heartbeat_committed_at]),
    p.[heartbeat_interval_ms] = ISNULL(s.[heartbeat_interval_ms], p.[heartbeat_interval_ms]),
    p.[heartbeat_applied_at] = ISNULL(s.[heartbeat_applied_at], p.[heartbeat_applied_at])
WHEN NOT MATCHED THEN INSERT ([group_id], [topic], [partition], [change_applied_at], [change_committed_at],
    [heartbeat_source], [heartbeat_seq], [heartbeat_committed_at], [heartbeat_interval_ms], [heartbeat_applied_at])
    VALUES (s.[group_id], s.[topic], s.[partition], s.[change_applied_at], s.[change_committed_at],
    s.[heartbeat_source], s.[heartbeat_seq], s.[heartbeat_committed_at], s.[heartbeat_interval_ms], s.[heartbeat_applied_at]);
GO
-- SelectProgress
SELECT COALESCE(o.[topic], p.[topic]), COALESCE(o.[partition], p.[partition]), COALESCE(o.[next_offset], -1),
    p.[change_applied_at], p.[change_committed_at], p.[heartbeat_source], p.[heartbeat_seq], p.[heartbeat_committed_at],
    p.[heartbeat_interval_ms], p.[heartbeat_applied_at]
FROM (SELECT * FROM [ferry].[apply_offsets] WHERE [group_id] = @p1 AND [topic] IN (SELECT CAST(j.[value] AS varchar(249)) FROM OPENJSON(@p2) AS j)) AS o
FULL JOIN (SELECT * FROM [ferry].[apply_progress] WHERE [group_id] = @p1 AND [topic] IN (SELECT CAST(j.[value] AS varchar(249)) FROM OPENJSON(@p2) AS j)) AS p
    ON p.[topic] = o.[topic] AND p.[partition] = o.[partition]
ORDER BY 1, 2
GO
-- CountHeld
SELECT [topic], COUNT(*) FROM [ferry].[apply_held] WHERE [group_id] = @p1 GROUP BY [topic]
GO
-- CountBlocked
SELECT r.[route], COUNT(b.[key]), ISNULL(SUM(b.[parked]), 0)
FROM OPENJSON(@p2) WITH ([route] nvarchar(4000) '$') AS r
JOIN [ferry].[apply_blocked] AS b ON b.[group_id] = @p1 AND b.[parked] > 0
    AND CAST(LEFT(b.[key], LEN(r.[route] + N'|x') - 1) AS varbinary(max)) = CAST(r.[route] + N'|' AS varbinary(max))
GROUP BY r.[route]
GO
-- SelectRouteStates
SELECT [route], [paused], [since], [changed_by], [reason] FROM [ferry].[route_state] WHERE [group_id] = @p1 ORDER BY [route]
GO
-- SetRouteState
MERGE [ferry].[route_state] WITH (HOLDLOCK) AS t
USING (SELECT @p1 AS [group_id], @p2 AS [route], @p3 AS [paused], @p4 AS [changed_by], @p5 AS [reason]) AS s
ON t.[group_id] = s.[group_id] AND t.[route] = s.[route]
WHEN MATCHED THEN UPDATE SET t.[paused] = s.[paused], t.[since] = SYSDATETIMEOFFSET(), t.[changed_by] = s.[changed_by], t.[reason] = s.[reason]
WHEN NOT MATCHED THEN INSERT ([group_id], [route], [paused], [since], [changed_by], [reason])
    VALUES (s.[group_id], s.[route], s.[paused], SYSDATETIMEOFFSET(), s.[changed_by], s.[reason]);
GO
-- savepoint
SAVE TRANSACTION ferry_change;
GO
-- transaction state
SELECT XACT_STATE();
GO
-- roll back to it
ROLLBACK TRANSACTION ferry_change;
