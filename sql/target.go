package sql

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"time"
)

// Target is what the applier needs from a target database; it classifies
// errors with its Dialect's Classify.
type Target interface {
	// Bookkeeping is the SQL of the applier's own tables in schema
	// (bookkeeping.go), which applier/bookkeeping runs.
	Bookkeeping(schema string) Bookkeeping
	// Upsert writes rows into table, inserting or updating by key: each row
	// is the values of columns, in that order, in their neutral forms
	// (values.go; nil or JSON null is NULL). It writes identity columns as
	// given (an always-identity column only when the row is inserted) and
	// works with a deferrable key. A value a column cannot hold exactly is
	// a *ValueError; nothing is rounded.
	Upsert(ctx context.Context, tx *stdsql.Tx, t *Table, key, columns []string, rows [][]json.RawMessage) error
	// Delete deletes the rows whose keys are in keys: each the values of
	// the key columns, in key's order, in their neutral forms.
	Delete(ctx context.Context, tx *stdsql.Tx, t *Table, key []string, keys [][]json.RawMessage) error
	// DeleteMatching deletes every row whose columns equal match (neutral
	// forms by column name); every row of the table when match is empty.
	DeleteMatching(ctx context.Context, tx *stdsql.Tx, t *Table, match map[string]json.RawMessage) error
	// Truncate empties the table.
	Truncate(ctx context.Context, tx *stdsql.Tx, t *Table) error
	// Immediate makes the rest of tx check deferrable constraints at each
	// statement, so that a change that breaks one fails under its own
	// savepoint instead of at commit.
	Immediate(ctx context.Context, tx *stdsql.Tx) error
	// CatalogVersion returns a value that changes whenever the columns,
	// keys, constraints or triggers of tables change, or one is dropped or
	// created: the applier re-reads its routes' tables when it does.
	CatalogVersion(ctx context.Context, q Querier, tables []*Table) (string, error)
	// Savepoint, RollbackTo and Release bracket one change inside a batch.
	Savepoint(ctx context.Context, tx *stdsql.Tx, name string) error
	RollbackTo(ctx context.Context, tx *stdsql.Tx, name string) error
}

// Writer is a Target that can delete rows and upsert others in one
// statement. The applier uses it where a target has it, and otherwise
// deletes, then upserts, in two statements.
type Writer interface {
	// Write deletes the rows whose keys are in deletes, then upserts rows,
	// as Delete and Upsert do, in one statement: a unique value a deleted
	// row held is free for the rows, and the foreign keys the database
	// checks at a statement's end are checked once, with every row in
	// place, so rows that refer to each other, or to themselves, land
	// together.
	Write(ctx context.Context, tx *stdsql.Tx, t *Table, key, columns []string, deletes, rows [][]json.RawMessage) error
}

// HeldChange is a consumed message the applier keeps in the target until
// it can apply: a child waiting for its parent.
type HeldChange struct {
	ID  int64
	Key string
	// Kind is HeldForRow or HeldByRule.
	Kind      string
	Topic     string
	Partition int32
	Offset    int64
	Reason    string
	Since     time.Time
	// MessageKey and MessageValue are the Kafka message, byte for byte.
	MessageKey, MessageValue []byte
}

// Arrival is one partition's copy of a barrier change.
type Arrival struct {
	Topic     string
	Seq       int64 // the change's seq at the source: the barrier's identity in its topic
	Partition int32
	Offset    int64
	// Partitions is how many partitions the change was sent to.
	Partitions int
}

// BarrierState is what the target knows of one barrier.
type BarrierState struct {
	Partitions int
	// Arrived gives each partition that has reached the barrier its offset.
	Arrived map[int32]int64
	// Done: the barrier's change has been dealt with; partitions go past it.
	Done bool
	// Since is when the first partition arrived.
	Since time.Time
}

// Complete reports whether every partition has reached the barrier.
func (b BarrierState) Complete() bool { return len(b.Arrived) >= b.Partitions }

// Kinds of held changes.
const (
	// HeldForRow waits for another row's change (a foreign key's row, a
	// unique value another row still holds) and is retried.
	HeldForRow = "row"
	// HeldByRule was held by a rule (an incomplete record) and waits for a
	// later version of its row that passes, which supersedes it.
	HeldByRule = "rule"
)

// ErrorClass is how the applier treats an error from the target.
type ErrorClass int

const (
	// Retry: transient (lost connection, deadlock, serialization failure,
	// the server restarting); apply the batch again after a pause.
	Retry ErrorClass = iota
	// Reject: this change can never apply as it is; it goes to the DLQ.
	Reject
	// ForeignKey: the change refers to a row that is not there yet (or is
	// still referred to); it waits a bounded time for the other row.
	ForeignKey
	// Unique: the change gives a unique column a value that another row
	// still holds; it waits a bounded time for that row's change.
	Unique
	// Schema: the statement names a column or table the target no longer
	// has; the applier re-reads the catalog before it decides anything.
	Schema
)
