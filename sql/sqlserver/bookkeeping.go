package sqlserver

import "fmt"

// BookkeepingSQL is the applier's own tables and statements for SQL
// Server, as SQL strings with @pN placeholders: the generic applier code
// runs them (as goose's dialects give SQL strings). Keys of changes are
// JSON texts of any length, too long for an index key (900 bytes), so each
// table indexes a SHA-256 of the key (HASHBYTES over the nvarchar's UTF-16
// bytes, computed by the statement, not by a computed column, which would
// need particular SET options on every writer) and compares the key too.
// Topics are varchar (Kafka names are ASCII) and compared with a varchar
// parameter, so that the primary key is used.
type BookkeepingSQL struct {
	// Create makes the schema and the tables if they are missing; each
	// statement stands alone, in order, outside a transaction.
	Create []string
	// SelectOffsets: @p1 group, @p2 topic; rows of partition, next_offset.
	SelectOffsets string
	// InsertOffset: @p1 group, @p2 topic, @p3 partition, @p4 next offset;
	// one row affected, or none when the partition has an offset already.
	InsertOffset string
	// AdvanceOffset: @p1 group, @p2 topic, @p3 partition, @p4 the offset
	// expected, @p5 the next; one row affected, or none when another
	// applier moved it.
	AdvanceOffset string
	// SelectBlocked: @p1 group, @p2 a JSON array of keys; rows of key,
	// parked, locked until the transaction ends.
	SelectBlocked string
	// UpsertBlocked: @p1 group, @p2 key, @p3 count.
	UpsertBlocked string
	// DeleteBlocked: @p1 group, @p2 key.
	DeleteBlocked string
	// SelectHeldKeys: @p1 group, @p2 a JSON array of keys; rows of key and
	// the least kind held ("row" sorts before "rule").
	SelectHeldKeys string
	// DropHeld: @p1 group, @p2 key, @p3 kind.
	DropHeld string
	// Hold: @p1 group, @p2 key, @p3 kind, @p4 topic, @p5 partition, @p6
	// offset, @p7 reason, @p8 message key, @p9 message value.
	Hold string
	// SelectHeld: @p1 group; rows of id, key, kind, topic, partition,
	// offset, reason, since, message key, message value, each key's in the
	// order they were held.
	SelectHeld string
	// Unhold: @p1 group, @p2 id.
	Unhold string
	// Replayed: @p1 group, @p2 DLQ entry id; one row, a count.
	Replayed string
	// MarkReplayed: @p1 group, @p2 DLQ entry id.
	MarkReplayed string
}

// Bookkeeping returns the applier's SQL for its tables in schema.
func Bookkeeping(schema string) BookkeepingSQL {
	offsets, held := ident(schema, "apply_offsets"), ident(schema, "apply_held")
	blocked, replayed := ident(schema, "apply_blocked"), ident(schema, "apply_replayed")
	ifMissing := func(table string) string {
		return fmt.Sprintf("IF OBJECT_ID(%s, N'U') IS NULL\n", literal(ident(schema, table)))
	}
	const topic = "CAST(@p2 AS varchar(249))"
	const keyHash = "CAST(HASHBYTES('SHA2_256', @p2) AS binary(32))"
	return BookkeepingSQL{
		Create: []string{
			fmt.Sprintf("IF SCHEMA_ID(%s) IS NULL EXEC(%s)", literal(schema), literal("CREATE SCHEMA "+ident(schema))),
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
		},
		SelectOffsets: `SELECT [partition], [next_offset] FROM ` + offsets + ` WHERE [group_id] = @p1 AND [topic] = ` + topic,
		InsertOffset: `INSERT INTO ` + offsets + ` ([group_id], [topic], [partition], [next_offset])
SELECT @p1, ` + topic + `, @p3, @p4
WHERE NOT EXISTS (SELECT 1 FROM ` + offsets + ` WITH (UPDLOCK, HOLDLOCK)
    WHERE [group_id] = @p1 AND [topic] = ` + topic + ` AND [partition] = @p3)`,
		AdvanceOffset: `UPDATE ` + offsets + ` SET [next_offset] = @p5, [applied_at] = SYSUTCDATETIME()
WHERE [group_id] = @p1 AND [topic] = ` + topic + ` AND [partition] = @p3 AND [next_offset] = @p4`,
		SelectBlocked: `SELECT b.[key], b.[parked]
FROM OPENJSON(@p2) AS j
JOIN ` + blocked + ` AS b WITH (UPDLOCK, HOLDLOCK)
    ON b.[group_id] = @p1 AND b.[key_hash] = CAST(HASHBYTES('SHA2_256', j.[value]) AS binary(32)) AND b.[key] = j.[value]`,
		UpsertBlocked: `MERGE ` + blocked + ` WITH (HOLDLOCK) AS b
USING (SELECT @p1 AS [group_id], ` + keyHash + ` AS [key_hash], @p2 AS [key], @p3 AS [parked]) AS s
ON b.[group_id] = s.[group_id] AND b.[key_hash] = s.[key_hash]
WHEN MATCHED THEN UPDATE SET b.[parked] = s.[parked]
WHEN NOT MATCHED THEN INSERT ([group_id], [key_hash], [key], [parked]) VALUES (s.[group_id], s.[key_hash], s.[key], s.[parked]);`,
		DeleteBlocked: `DELETE FROM ` + blocked + ` WHERE [group_id] = @p1 AND [key_hash] = ` + keyHash + ` AND [key] = @p2`,
		SelectHeldKeys: `SELECT j.[value], k.[kind]
FROM OPENJSON(@p2) AS j
CROSS APPLY (SELECT MIN(h.[kind]) AS [kind] FROM ` + held + ` AS h
    WHERE h.[group_id] = @p1 AND h.[key_hash] = CAST(HASHBYTES('SHA2_256', j.[value]) AS binary(32)) AND h.[key] = j.[value]) AS k
WHERE k.[kind] IS NOT NULL`,
		DropHeld: `DELETE FROM ` + held + ` WHERE [group_id] = @p1 AND [key_hash] = ` + keyHash + ` AND [key] = @p2 AND [kind] = @p3`,
		Hold: `INSERT INTO ` + held + ` ([group_id], [key_hash], [key], [kind], [topic], [partition], [kafka_offset], [reason], [message_key], [message_value])
VALUES (@p1, ` + keyHash + `, @p2, @p3, CAST(@p4 AS varchar(249)), @p5, @p6, @p7, @p8, @p9)`,
		SelectHeld: `SELECT [id], [key], [kind], [topic], [partition], [kafka_offset], [reason], [since], [message_key], [message_value]
FROM ` + held + ` WHERE [group_id] = @p1 ORDER BY [key_hash], [id]`,
		Unhold:   `DELETE FROM ` + held + ` WHERE [group_id] = @p1 AND [id] = @p2`,
		Replayed: `SELECT COUNT(*) FROM ` + replayed + ` WHERE [group_id] = @p1 AND [entry_hash] = ` + keyHash + ` AND [entry] = @p2`,
		MarkReplayed: `INSERT INTO ` + replayed + ` ([group_id], [entry_hash], [entry])
SELECT @p1, ` + keyHash + `, @p2
WHERE NOT EXISTS (SELECT 1 FROM ` + replayed + ` WITH (UPDLOCK, HOLDLOCK)
    WHERE [group_id] = @p1 AND [entry_hash] = ` + keyHash + ` AND [entry] = @p2)`,
	}
}
