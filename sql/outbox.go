package sql

import (
	"context"
	"errors"
	"time"
)

// ErrPositionGone is returned (wrapped) by Outbox.Read for a position the
// outbox can no longer honour, such as one taken before the capture schema
// was dropped and created again. Retrying cannot help.
var ErrPositionGone = errors.New("the relay position no longer applies to this outbox")

// Outbox reads a source's outbox for the relay. A position is the dialect's
// own opaque bytes (JSON): the relay stores it with the changes it covers
// and hands it back, never looking inside.
type Outbox interface {
	// Read returns committed changes after pos, as many as limit allows, in
	// an order that keeps every key's commit order, and the position just
	// after them. A nil pos means the beginning of the outbox. A change that
	// commits late is never skipped: Read returns it in a later batch.
	Read(ctx context.Context, pos []byte, limit Limit) (*Batch, error)
	// Purge deletes, at most limit at a time, rows that every position at or
	// after pos has passed. It returns how many rows it deleted.
	Purge(ctx context.Context, pos []byte, limit int) (int64, error)
	// Backlog counts committed changes after pos and the age of the oldest.
	Backlog(ctx context.Context, pos []byte) (rows int64, oldest time.Time, err error)

	// Mark returns a high watermark for a snapshot's read: called after the
	// read returns, it stands for every change committed before it was
	// called (relay/snapshot.go says why that is what a snapshot needs).
	Mark(ctx context.Context) ([]byte, error)
	// Covers reports whether a reader at pos has read every change that
	// mark stands for. Every position Read returns after a window that
	// began after Mark was called covers it, or one soon after does.
	Covers(pos, mark []byte) (bool, error)
}

// LowWaterHeld is implemented by an Outbox whose read bound, its
// low-water mark, stops at the oldest transaction still open on the
// source, whatever that transaction wrote: SQL Server's
// MIN_ACTIVE_ROWVERSION(), Oracle's oldest V$TRANSACTION START_SCN. While
// such a transaction stays open, committed changes above the mark wait
// (latency, never loss). The relay reports how long. PostgreSQL's cursor
// is not held back: it passes an open transaction, keeps its bound in the
// position and reads its rows once it commits; it does not implement it.
type LowWaterHeld interface {
	// OldestTransaction returns the oldest open transaction that holds the
	// low-water mark back; ok is false when none is open. Where the
	// relay's user may not see the server's transactions (an optional
	// grant) the error wraps ErrTransactionsHidden.
	OldestTransaction(ctx context.Context) (tx OpenTransaction, ok bool, err error)
}

// ErrTransactionsHidden is returned (wrapped) by OldestTransaction when
// the relay's user may not see the source's open transactions; the error
// names the grant.
var ErrTransactionsHidden = errors.New("the source's open transactions are not visible to the relay")

// OpenTransaction is a source transaction still open.
type OpenTransaction struct {
	// Age is how long it has been open: since its first write on SQL
	// Server, since it began on Oracle.
	Age time.Duration
	// Session says which session runs it, as the database's own views
	// name it ("session_id 53", "SID 123, SERIAL# 4567"), for a DBA to
	// find it; empty when unknown.
	Session string
}

// Limit bounds what one Read returns.
type Limit struct {
	// Rows is the most changes. A chunk, the changes of one statement
	// that the outbox holds as one row (at most 1,000 on PostgreSQL), is
	// never split: Read stops before a chunk that would take the count
	// past Rows, but always returns at least one row.
	Rows int
	// Bytes bounds the changes' images as the outbox stores them: Read
	// stops before the change that would take the sum past it, but always
	// returns at least one. 0 means no bound. It keeps a burst of large
	// documents from filling the relay's memory.
	Bytes int64
}

// Batch is what one Read returns.
type Batch struct {
	Rows []OutboxRow
	// Next is the position after Rows.
	Next []byte
	// Idle reports that nothing has committed since pos: Next equals pos and
	// the relay may wait before reading again.
	Idle bool
	// After is a time every change of Rows committed after, on the relay's
	// clock (when the outbox last saw none of them), or zero when the
	// outbox cannot tell: with each row's Ts, it bounds the commit from
	// below (internal/latency).
	After time.Time
}

// OutboxRow is one captured change as the outbox holds it.
type OutboxRow struct {
	Seq     int64
	TxID    uint64
	TableID int
	Op      byte // 'c', 'u', 'd', 'r' or 't'
	Ts      time.Time
	// Before and After are JSON objects, nil where the operation has none.
	Before, After []byte
}

// Leader is a lease that at most one relay of a source holds at a time.
type Leader interface {
	// TryAcquire takes the lease if it is free and reports whether it did.
	TryAcquire(ctx context.Context) (bool, error)
	// Check returns an error once the lease is lost (its session ended).
	Check(ctx context.Context) error
	// Release gives the lease up.
	Release(ctx context.Context) error
}
