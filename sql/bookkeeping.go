package sql

import (
	"fmt"
	"reflect"
	"strings"
)

// Bookkeeping is the SQL of the applier's own tables in a target (consumed
// offsets, held changes, keys blocked behind the DLQ, replayed DLQ entries,
// truncate barriers), as statements in the dialect's placeholders ($1,
// @p1, :1) that the applier's generic code runs (applier/bookkeeping), as
// goose's dialects give SQL strings. Each field says its parameters, in
// order, and what it returns. Everywhere: group is the applier's consumer
// group, a key a Kafka message key as text (any length), topic a Kafka
// topic name. A list parameter ("keys", "seqs") is bound as the text of a
// JSON array of strings or numbers.
type Bookkeeping struct {
	// MaxKeyBytes, when not 0, is the longest key (in bytes) the tables
	// hold: a longer key is never found by a read, and holding or blocking
	// it stops the applier with an error that says its length (keeping it
	// in the DLQ unblocked would let its later changes overtake it).
	MaxKeyBytes int
	// EmptyBytesAreNull says that the database keeps no empty binary value
	// apart from NULL (Oracle): the message bytes of held changes are then
	// stored behind a one-byte prefix, so that an empty Kafka key or value
	// comes back empty and a missing one nil.
	EmptyBytesAreNull bool

	// SchemaExists: schema; one row, a boolean or 0/1 integer. When set,
	// CreateSchema runs only when it says no (PostgreSQL's CREATE SCHEMA IF
	// NOT EXISTS needs CREATE on the database even when the schema exists).
	SchemaExists string
	// CreateSchema: no parameters; creates the schema if it is missing.
	CreateSchema string
	// Create: no parameters; each creates a table or index if it is
	// missing. Run in order, outside a transaction.
	Create []string

	// SelectOffsets: group, topic; rows of partition, next offset.
	SelectOffsets string
	// InsertOffset: group, topic, partition, next offset; one row affected,
	// or none when the partition has an offset already.
	InsertOffset string
	// AdvanceOffset: group, topic, partition, the offset expected, the
	// next; one row affected, or none when another applier moved it.
	AdvanceOffset string
	// AdvanceOffsets, optional: group, and the text of a JSON array of
	// {"topic", "partition", "want", "next"}; AdvanceOffset for every
	// element in one statement, one row affected per element moved. Where
	// empty, each partition is advanced with AdvanceOffset.
	AdvanceOffsets string

	// AnyBlocked: group; one row, a boolean or 0/1 integer: whether any key
	// of the group is blocked.
	AnyBlocked string

	// SelectBlocked: group, keys; rows of key, count, locked until the
	// transaction ends.
	SelectBlocked string
	// UpsertBlocked: group, key, count.
	UpsertBlocked string
	// DeleteBlocked: group, key.
	DeleteBlocked string
	// ForgetBlocked: group, prefix; deletes the keys that start with it.
	ForgetBlocked string

	// SelectHeldKeys: group, keys; rows of key and the least kind held
	// ("row" sorts before "rule").
	SelectHeldKeys string
	// Hold: group, key, kind, topic, partition, offset, reason, message
	// key, message value (bytes, NULL for nil).
	Hold string
	// SelectHeld: group; rows of id, key, kind, topic, partition, offset,
	// reason, since, message key, message value, each key's in the order
	// they were held.
	SelectHeld string
	// DropHeld: group, key, kind.
	DropHeld string
	// Unhold: group, id.
	Unhold string
	// ForgetHeld: group, prefix; deletes the held changes of keys that
	// start with it.
	ForgetHeld string

	// Replayed: group, DLQ entry id; one row, a count.
	Replayed string
	// MarkReplayed: group, DLQ entry id; nothing when it is marked already.
	MarkReplayed string

	// InsertBarrier: group, topic, seq, partitions; nothing when the
	// barrier exists.
	InsertBarrier string
	// LockBarrier: group, topic, seq; one row of partitions, done, since,
	// locked until the transaction ends.
	LockBarrier string
	// InsertArrival: group, topic, seq, partition, offset; nothing when
	// the partition has arrived already.
	InsertArrival string
	// SelectArrivals: group, topic, seqs; rows of seq, partition, offset.
	SelectArrivals string
	// SelectBarriers: group, topic, seqs; rows of seq, partitions, done,
	// since, without locking.
	SelectBarriers string
	// FinishBarrier: group, topic, seq; marks it done.
	FinishBarrier string
	// RecordTruncated: group, topic, seq; for each partition that arrived
	// at the barrier, its offset becomes the partition's last truncate,
	// unless one after it is recorded already.
	RecordTruncated string
	// DeleteArrival: group, topic, seq, partition.
	DeleteArrival string
	// ForgetBarrier: group, topic, seq; deletes the barrier when it is done
	// and no partition waits at it any more.
	ForgetBarrier string
	// SelectTruncated: group, topic; rows of partition, offset.
	SelectTruncated string

	// What operating Ferry keeps (operations.go): each partition's
	// progress, written with its offsets, and routes' paused states.

	// RecordProgress: group, progress as the text of a JSON array of
	// objects with topic, partition, change_applied_at,
	// change_committed_at, heartbeat_source, heartbeat_seq,
	// heartbeat_committed_at, heartbeat_interval_ms, heartbeat_applied_at
	// (times as ISO 8601 with an offset; null where the batch says
	// nothing). A null keeps the stored value, but change_committed_at
	// follows change_applied_at.
	RecordProgress string
	// SelectProgress: group, topics; rows of topic, partition, next offset
	// (-1 when none is stored), change applied, change committed,
	// heartbeat source, seq, committed, interval in ms, heartbeat applied
	// (NULL where unknown), for each partition with an offset or progress,
	// by topic and partition.
	SelectProgress string
	// CountHeld: group; rows of topic and how many of its changes are held.
	CountHeld string
	// CountBlocked: group, routes; rows of route, how many of its keys
	// (those that start with "route|") have changes in the DLQ, and how
	// many changes.
	CountBlocked string
	// SelectRouteStates: group; rows of route, paused, since, changed by,
	// reason, by route.
	SelectRouteStates string
	// SetRouteState: group, route, paused, changed by, reason; since
	// becomes now.
	SetRouteState string
}

// BookkeepingText lists every statement of b, each named by its field and
// followed by a line sep (";", T-SQL's "GO", PL/SQL's "/"), for golden
// files and grammar checks.
func BookkeepingText(b Bookkeeping, sep string) string {
	var out strings.Builder
	v := reflect.ValueOf(b)
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		switch f := v.Field(i).Interface().(type) {
		case string:
			if f != "" {
				fmt.Fprintf(&out, "-- %s\n%s\n%s\n", name, f, sep)
			}
		case []string:
			for j, s := range f {
				fmt.Fprintf(&out, "-- %s %d\n%s\n%s\n", name, j+1, s, sep)
			}
		}
	}
	return out.String()
}
