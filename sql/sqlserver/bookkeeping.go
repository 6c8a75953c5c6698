package sqlserver

import (
	"fmt"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// Bookkeeping is the applier's own tables and statements for SQL Server,
// with @pN placeholders; applier/bookkeeping runs them. Keys of changes are
// JSON texts of any length, too long for an index key (900 bytes), so each
// table indexes a SHA-256 of the key (HASHBYTES over the nvarchar's UTF-16
// bytes, computed by the statement, not by a computed column, which would
// need particular SET options on every writer) and compares the key too.
// Topics are varchar (Kafka names are ASCII) and the statements cast their
// parameter to varchar, so that the primary key is used. Lists arrive as
// JSON arrays, read with OPENJSON. Locks: UPDLOCK, HOLDLOCK where
// PostgreSQL says FOR UPDATE or relies on ON CONFLICT.
func (target) Bookkeeping(schema string) fsql.Bookkeeping {
	offsets, held := ident(schema, "apply_offsets"), ident(schema, "apply_held")
	blocked, replayed := ident(schema, "apply_blocked"), ident(schema, "apply_replayed")
	barrier, arrival, truncated := ident(schema, "apply_barrier"), ident(schema, "apply_barrier_arrival"), ident(schema, "apply_truncated")
	progress, states := ident(schema, "apply_progress"), ident(schema, "route_state")
	ifMissing := func(table string) string {
		return fmt.Sprintf("IF OBJECT_ID(%s, N'U') IS NULL\n", literal(ident(schema, table)))
	}
	const topic = "CAST(@p2 AS varchar(249))"
	const keyHash = "CAST(HASHBYTES('SHA2_256', @p2) AS binary(32))"
	const jsonHash = "CAST(HASHBYTES('SHA2_256', j.[value]) AS binary(32))"
	// prefix compares bytes: the column's collation may ignore case, and
	// = ignores trailing spaces. (The hashed key columns compare exactly
	// through their hash.)
	const prefix = "CAST(LEFT([key], LEN(@p2 + N'x') - 1) AS varbinary(max)) = CAST(@p2 AS varbinary(max))"
	const seqs = "(SELECT CAST(j.[value] AS bigint) FROM OPENJSON(@p3) AS j)"
	return fsql.Bookkeeping{
		CreateSchema: fmt.Sprintf("IF SCHEMA_ID(%s) IS NULL EXEC(%s)", literal(schema), literal("CREATE SCHEMA "+ident(schema))),
		Create: []string{
			ifMissing("apply_offsets") + `CREATE TABLE ` + offsets + ` (
    [group_id]    nvarchar(255) NOT NULL,
    [topic]       varchar(249) NOT NULL,
    [partition]   int NOT NULL,
    [next_offset] bigint NOT NULL,
    [applied_at]  datetime2(7) NOT NULL CONSTRAINT [apply_offsets_applied_at] DEFAULT (SYSUTCDATETIME()),
    CONSTRAINT [apply_offsets_pk] PRIMARY KEY ([group_id], [topic], [partition])
)`,
			ifMissing("apply_held") + `CREATE TABLE ` + held + ` (
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
)`,
			`IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE [object_id] = OBJECT_ID(` + literal(held) + `) AND [name] = N'apply_held_key')
CREATE INDEX [apply_held_key] ON ` + held + ` ([group_id], [key_hash], [id])`,
			ifMissing("apply_blocked") + `CREATE TABLE ` + blocked + ` (
    [group_id] nvarchar(255) NOT NULL,
    [key_hash] binary(32) NOT NULL,
    [key]      nvarchar(max) NOT NULL,
    [parked]   int NOT NULL,
    [since]    datetime2(7) NOT NULL CONSTRAINT [apply_blocked_since] DEFAULT (SYSUTCDATETIME()),
    CONSTRAINT [apply_blocked_pk] PRIMARY KEY ([group_id], [key_hash])
)`,
			ifMissing("apply_replayed") + `CREATE TABLE ` + replayed + ` (
    [group_id]    nvarchar(255) NOT NULL,
    [entry_hash]  binary(32) NOT NULL,
    [entry]       nvarchar(max) NOT NULL,
    [replayed_at] datetime2(7) NOT NULL CONSTRAINT [apply_replayed_at] DEFAULT (SYSUTCDATETIME()),
    CONSTRAINT [apply_replayed_pk] PRIMARY KEY ([group_id], [entry_hash])
)`,
			ifMissing("apply_barrier") + `CREATE TABLE ` + barrier + ` (
    [group_id]   nvarchar(255) NOT NULL,
    [topic]      varchar(249) NOT NULL,
    [seq]        bigint NOT NULL,
    [partitions] int NOT NULL,
    [done]       bit NOT NULL CONSTRAINT [apply_barrier_done] DEFAULT (0),
    [since]      datetime2(7) NOT NULL CONSTRAINT [apply_barrier_since] DEFAULT (SYSUTCDATETIME()),
    CONSTRAINT [apply_barrier_pk] PRIMARY KEY ([group_id], [topic], [seq])
)`,
			ifMissing("apply_barrier_arrival") + `CREATE TABLE ` + arrival + ` (
    [group_id]     nvarchar(255) NOT NULL,
    [topic]        varchar(249) NOT NULL,
    [seq]          bigint NOT NULL,
    [partition]    int NOT NULL,
    [kafka_offset] bigint NOT NULL,
    CONSTRAINT [apply_barrier_arrival_pk] PRIMARY KEY ([group_id], [topic], [seq], [partition])
)`,
			ifMissing("apply_truncated") + `CREATE TABLE ` + truncated + ` (
    [group_id]     nvarchar(255) NOT NULL,
    [topic]        varchar(249) NOT NULL,
    [partition]    int NOT NULL,
    [kafka_offset] bigint NOT NULL,
    [truncated_at] datetime2(7) NOT NULL CONSTRAINT [apply_truncated_at] DEFAULT (SYSUTCDATETIME()),
    CONSTRAINT [apply_truncated_pk] PRIMARY KEY ([group_id], [topic], [partition])
)`,
			ifMissing("apply_progress") + `CREATE TABLE ` + progress + ` (
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
)`,
			ifMissing("route_state") + `CREATE TABLE ` + states + ` (
    [group_id]   nvarchar(255) NOT NULL,
    [route]      nvarchar(450) NOT NULL,
    [paused]     bit NOT NULL,
    [since]      datetimeoffset(7) NOT NULL CONSTRAINT [route_state_since] DEFAULT (SYSDATETIMEOFFSET()),
    [changed_by] nvarchar(max) NOT NULL,
    [reason]     nvarchar(max) NOT NULL CONSTRAINT [route_state_reason] DEFAULT (N''),
    CONSTRAINT [route_state_pk] PRIMARY KEY ([group_id], [route])
)`,
		},

		SelectOffsets: `SELECT [partition], [next_offset] FROM ` + offsets + ` WHERE [group_id] = @p1 AND [topic] = ` + topic,
		InsertOffset: `INSERT INTO ` + offsets + ` ([group_id], [topic], [partition], [next_offset])
SELECT @p1, ` + topic + `, @p3, @p4
WHERE NOT EXISTS (SELECT 1 FROM ` + offsets + ` WITH (UPDLOCK, HOLDLOCK)
    WHERE [group_id] = @p1 AND [topic] = ` + topic + ` AND [partition] = @p3)`,
		AdvanceOffset: `UPDATE ` + offsets + ` SET [next_offset] = @p5, [applied_at] = SYSUTCDATETIME()
WHERE [group_id] = @p1 AND [topic] = ` + topic + ` AND [partition] = @p3 AND [next_offset] = @p4`,

		AnyBlocked: `SELECT CASE WHEN EXISTS (SELECT 1 FROM ` + blocked + ` WHERE [group_id] = @p1) THEN 1 ELSE 0 END`,
		SelectBlocked: `SELECT b.[key], b.[parked]
FROM OPENJSON(@p2) AS j
JOIN ` + blocked + ` AS b WITH (UPDLOCK, HOLDLOCK)
    ON b.[group_id] = @p1 AND b.[key_hash] = ` + jsonHash + ` AND b.[key] = j.[value]`,
		UpsertBlocked: `MERGE ` + blocked + ` WITH (HOLDLOCK) AS b
USING (SELECT @p1 AS [group_id], ` + keyHash + ` AS [key_hash], @p2 AS [key], @p3 AS [parked]) AS s
ON b.[group_id] = s.[group_id] AND b.[key_hash] = s.[key_hash]
WHEN MATCHED THEN UPDATE SET b.[parked] = s.[parked]
WHEN NOT MATCHED THEN INSERT ([group_id], [key_hash], [key], [parked]) VALUES (s.[group_id], s.[key_hash], s.[key], s.[parked]);`,
		DeleteBlocked: `DELETE FROM ` + blocked + ` WHERE [group_id] = @p1 AND [key_hash] = ` + keyHash + ` AND [key] = @p2`,
		// A prefix cannot use the hash; a truncate, which asks, is rare.
		ForgetBlocked: `DELETE FROM ` + blocked + ` WHERE [group_id] = @p1 AND ` + prefix,

		SelectHeldKeys: `SELECT j.[value], k.[kind]
FROM OPENJSON(@p2) AS j
CROSS APPLY (SELECT MIN(h.[kind]) AS [kind] FROM ` + held + ` AS h
    WHERE h.[group_id] = @p1 AND h.[key_hash] = ` + jsonHash + ` AND h.[key] = j.[value]) AS k
WHERE k.[kind] IS NOT NULL`,
		Hold: `INSERT INTO ` + held + ` ([group_id], [key_hash], [key], [kind], [topic], [partition], [kafka_offset], [reason], [message_key], [message_value])
VALUES (@p1, ` + keyHash + `, @p2, CAST(@p3 AS varchar(16)), CAST(@p4 AS varchar(249)), @p5, @p6, @p7,
    CAST(@p8 AS varbinary(max)), CAST(@p9 AS varbinary(max)))`,
		SelectHeld: `SELECT [id], [key], [kind], [topic], [partition], [kafka_offset], [reason], [since], [message_key], [message_value]
FROM ` + held + ` WHERE [group_id] = @p1 ORDER BY [key_hash], [id]`,
		DropHeld:   `DELETE FROM ` + held + ` WHERE [group_id] = @p1 AND [key_hash] = ` + keyHash + ` AND [key] = @p2 AND [kind] = CAST(@p3 AS varchar(16))`,
		Unhold:     `DELETE FROM ` + held + ` WHERE [group_id] = @p1 AND [id] = @p2`,
		ForgetHeld: `DELETE FROM ` + held + ` WHERE [group_id] = @p1 AND ` + prefix,

		Replayed: `SELECT COUNT(*) FROM ` + replayed + ` WHERE [group_id] = @p1 AND [entry_hash] = ` + keyHash + ` AND [entry] = @p2`,
		MarkReplayed: `INSERT INTO ` + replayed + ` ([group_id], [entry_hash], [entry])
SELECT @p1, ` + keyHash + `, @p2
WHERE NOT EXISTS (SELECT 1 FROM ` + replayed + ` WITH (UPDLOCK, HOLDLOCK)
    WHERE [group_id] = @p1 AND [entry_hash] = ` + keyHash + ` AND [entry] = @p2)`,

		InsertBarrier: `INSERT INTO ` + barrier + ` ([group_id], [topic], [seq], [partitions])
SELECT @p1, ` + topic + `, @p3, @p4
WHERE NOT EXISTS (SELECT 1 FROM ` + barrier + ` WITH (UPDLOCK, HOLDLOCK)
    WHERE [group_id] = @p1 AND [topic] = ` + topic + ` AND [seq] = @p3)`,
		LockBarrier: `SELECT [partitions], [done], [since] FROM ` + barrier + ` WITH (UPDLOCK, HOLDLOCK)
WHERE [group_id] = @p1 AND [topic] = ` + topic + ` AND [seq] = @p3`,
		InsertArrival: `INSERT INTO ` + arrival + ` ([group_id], [topic], [seq], [partition], [kafka_offset])
SELECT @p1, ` + topic + `, @p3, @p4, @p5
WHERE NOT EXISTS (SELECT 1 FROM ` + arrival + ` WITH (UPDLOCK, HOLDLOCK)
    WHERE [group_id] = @p1 AND [topic] = ` + topic + ` AND [seq] = @p3 AND [partition] = @p4)`,
		SelectArrivals: `SELECT [seq], [partition], [kafka_offset] FROM ` + arrival + `
WHERE [group_id] = @p1 AND [topic] = ` + topic + ` AND [seq] IN ` + seqs,
		SelectBarriers: `SELECT [seq], [partitions], [done], [since] FROM ` + barrier + `
WHERE [group_id] = @p1 AND [topic] = ` + topic + ` AND [seq] IN ` + seqs,
		FinishBarrier: `UPDATE ` + barrier + ` SET [done] = 1 WHERE [group_id] = @p1 AND [topic] = ` + topic + ` AND [seq] = @p3`,
		RecordTruncated: `MERGE ` + truncated + ` WITH (HOLDLOCK) AS t
USING (SELECT [group_id], [topic], [partition], [kafka_offset] FROM ` + arrival + `
    WHERE [group_id] = @p1 AND [topic] = ` + topic + ` AND [seq] = @p3) AS s
ON t.[group_id] = s.[group_id] AND t.[topic] = s.[topic] AND t.[partition] = s.[partition]
WHEN MATCHED THEN UPDATE SET t.[kafka_offset] = CASE WHEN s.[kafka_offset] > t.[kafka_offset] THEN s.[kafka_offset] ELSE t.[kafka_offset] END,
    t.[truncated_at] = SYSUTCDATETIME()
WHEN NOT MATCHED THEN INSERT ([group_id], [topic], [partition], [kafka_offset])
    VALUES (s.[group_id], s.[topic], s.[partition], s.[kafka_offset]);`,
		DeleteArrival: `DELETE FROM ` + arrival + ` WHERE [group_id] = @p1 AND [topic] = ` + topic + ` AND [seq] = @p3 AND [partition] = @p4`,
		ForgetBarrier: `DELETE b FROM ` + barrier + ` AS b
WHERE b.[group_id] = @p1 AND b.[topic] = ` + topic + ` AND b.[seq] = @p3 AND b.[done] = 1 AND NOT EXISTS (
    SELECT 1 FROM ` + arrival + ` AS a WHERE a.[group_id] = b.[group_id] AND a.[topic] = b.[topic] AND a.[seq] = b.[seq])`,
		SelectTruncated: `SELECT [partition], [kafka_offset] FROM ` + truncated + ` WHERE [group_id] = @p1 AND [topic] = ` + topic,

		RecordProgress: `MERGE ` + progress + ` WITH (HOLDLOCK) AS p
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
    s.[heartbeat_source], s.[heartbeat_seq], s.[heartbeat_committed_at], s.[heartbeat_interval_ms], s.[heartbeat_applied_at]);`,
		SelectProgress: `SELECT COALESCE(o.[topic], p.[topic]), COALESCE(o.[partition], p.[partition]), COALESCE(o.[next_offset], -1),
    p.[change_applied_at], p.[change_committed_at], p.[heartbeat_source], p.[heartbeat_seq], p.[heartbeat_committed_at],
    p.[heartbeat_interval_ms], p.[heartbeat_applied_at]
FROM (SELECT * FROM ` + offsets + ` WHERE [group_id] = @p1 AND [topic] IN (SELECT CAST(j.[value] AS varchar(249)) FROM OPENJSON(@p2) AS j)) AS o
FULL JOIN (SELECT * FROM ` + progress + ` WHERE [group_id] = @p1 AND [topic] IN (SELECT CAST(j.[value] AS varchar(249)) FROM OPENJSON(@p2) AS j)) AS p
    ON p.[topic] = o.[topic] AND p.[partition] = o.[partition]
ORDER BY 1, 2`,
		CountHeld: `SELECT [topic], COUNT(*) FROM ` + held + ` WHERE [group_id] = @p1 GROUP BY [topic]`,
		// The route's prefix compared as bytes, as ForgetBlocked does.
		CountBlocked: `SELECT r.[route], COUNT(b.[key]), ISNULL(SUM(b.[parked]), 0)
FROM OPENJSON(@p2) WITH ([route] nvarchar(4000) '$') AS r
JOIN ` + blocked + ` AS b ON b.[group_id] = @p1 AND b.[parked] > 0
    AND CAST(LEFT(b.[key], LEN(r.[route] + N'|x') - 1) AS varbinary(max)) = CAST(r.[route] + N'|' AS varbinary(max))
GROUP BY r.[route]`,
		SelectRouteStates: `SELECT [route], [paused], [since], [changed_by], [reason] FROM ` + states + ` WHERE [group_id] = @p1 ORDER BY [route]`,
		SetRouteState: `MERGE ` + states + ` WITH (HOLDLOCK) AS t
USING (SELECT @p1 AS [group_id], @p2 AS [route], @p3 AS [paused], @p4 AS [changed_by], @p5 AS [reason]) AS s
ON t.[group_id] = s.[group_id] AND t.[route] = s.[route]
WHEN MATCHED THEN UPDATE SET t.[paused] = s.[paused], t.[since] = SYSDATETIMEOFFSET(), t.[changed_by] = s.[changed_by], t.[reason] = s.[reason]
WHEN NOT MATCHED THEN INSERT ([group_id], [route], [paused], [since], [changed_by], [reason])
    VALUES (s.[group_id], s.[route], s.[paused], SYSDATETIMEOFFSET(), s.[changed_by], s.[reason]);`,
	}
}
