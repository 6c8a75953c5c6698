package sql

import (
	"context"
	stdsql "database/sql"
	"time"
)

// Target is what the applier needs from a target database.
type Target interface {
	// Prepare creates the applier's own tables (consumed offsets, held
	// changes, blocked keys) in schema if they are missing.
	Prepare(ctx context.Context, db *stdsql.DB, schema string) error
	// Offsets reads the next offset to consume per partition of topic for
	// group; a partition never applied is absent.
	Offsets(ctx context.Context, q Querier, schema, group, topic string) (map[int32]int64, error)
	// AdvanceOffset moves a partition's next offset from want to next inside
	// tx. It returns false when the stored offset is not want: another
	// applier has moved it, and tx must be rolled back. want -1 means no
	// offset is stored yet.
	AdvanceOffset(ctx context.Context, tx *stdsql.Tx, schema, group, topic string, partition int32, want, next int64) (bool, error)
	// Upsert writes rows (a JSON array of objects keyed by column name, in
	// the database's own text forms) into table, inserting or updating by key.
	Upsert(ctx context.Context, tx *stdsql.Tx, t *Table, key, columns []string, rows []byte) error
	// Delete deletes the rows whose keys are in keys (a JSON array of objects).
	Delete(ctx context.Context, tx *stdsql.Tx, t *Table, key []string, keys []byte) error
	// Blocked returns, of keys, those with changes in the DLQ, and how many.
	Blocked(ctx context.Context, tx *stdsql.Tx, schema, group string, keys []string) (map[string]int, error)
	// SetBlocked records how many changes of each key wait in the DLQ; 0
	// releases the key.
	SetBlocked(ctx context.Context, tx *stdsql.Tx, schema, group string, counts map[string]int) error
	// HeldKeys returns, of keys, those with held changes, and whether any of
	// them waits for a row (HeldForRow) rather than for a newer version.
	HeldKeys(ctx context.Context, tx *stdsql.Tx, schema, group string, keys []string) (map[string]string, error)
	// DropHeld forgets a key's held changes of one kind: a newer version of
	// the row supersedes the incomplete ones held by a rule.
	DropHeld(ctx context.Context, tx *stdsql.Tx, schema, group, key, kind string) error
	// Hold keeps a change in the target until it can apply.
	Hold(ctx context.Context, tx *stdsql.Tx, schema, group string, h HeldChange) error
	// Held lists held changes, each key's in the order they were held.
	Held(ctx context.Context, tx *stdsql.Tx, schema, group string) ([]HeldChange, error)
	// Unhold forgets a held change.
	Unhold(ctx context.Context, tx *stdsql.Tx, schema, group string, id int64) error
	// Replayed reports whether the DLQ entry id was already replayed into
	// the target, and MarkReplayed records that it was, in tx: a replay cut
	// short between its commit and its DLQ marker then skips it when rerun.
	Replayed(ctx context.Context, tx *stdsql.Tx, schema, group, id string) (bool, error)
	MarkReplayed(ctx context.Context, tx *stdsql.Tx, schema, group, id string) error
	// Classify sorts an error from the target into what the applier does.
	Classify(err error) ErrorClass
	// Savepoint, RollbackTo and Release bracket one change inside a batch.
	Savepoint(ctx context.Context, tx *stdsql.Tx, name string) error
	RollbackTo(ctx context.Context, tx *stdsql.Tx, name string) error
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

// Kinds of held changes.
const (
	// HeldForRow waits for a row it refers to (a foreign key) and is retried.
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
)
