package sql

import (
	"context"
	"crypto/sha256"
	stdsql "database/sql"
	"time"
)

// Snapshot is what `ferry snapshot` and `ferry verify` need from a
// database: reads of a table in key order and by key, in the same image
// form as the capture triggers write, and the store of snapshot requests in
// a source's capture schema. The logic that places a snapshot's rows in the
// stream of changes is the relay's (relay/snapshot.go), the same for every
// dialect; a dialect gives these reads, the requests' store (a source's,
// Source.Requests) and the outbox's watermarks (Outbox.Mark and
// Outbox.Covers).
type Snapshot interface {
	// Reader prepares reads of one table. It resolves what the reads need
	// from the catalog once, so that each read is one statement.
	Reader(ctx context.Context, db *stdsql.DB, spec ReadSpec) (Reader, error)
	// Estimate is the catalog's estimate of a table's rows; where the
	// catalog has none (a table never analysed) a dialect may make a cheap
	// one of its own; -1 when there is none.
	Estimate(ctx context.Context, db Querier, schema, table string) (int64, error)
	// KeyIndexed reports whether an index serves reads of the table in the
	// order of key: without one, each chunk of a snapshot sorts the table.
	KeyIndexed(ctx context.Context, db Querier, schema, table string, key []string) (bool, error)
	// HasRows reports whether the table holds a row.
	HasRows(ctx context.Context, db Querier, schema, table string) (bool, error)
}

// ReadSpec says which table a Reader reads and how.
type ReadSpec struct {
	// Table is the table as Describe or the capture registry gives it: its
	// columns' kinds decide how values are read and compared.
	Table *Table
	// Key is the key columns, in the order rows are read.
	Key []string
	// Exclude names columns left out of the images, as the triggers leave
	// them out.
	Exclude []string
	// CaptureSchema and CaptureID name the table's capture, when Ferry
	// captures it, so that the read takes images exactly as its triggers
	// do; zero for a table that is not captured (a target).
	CaptureSchema string
	CaptureID     int
	// CodePointOrder orders key columns of text kinds by Unicode code point
	// (byte order of UTF-8), the same on every database, instead of by the
	// column's collation. Verify reads both sides in one order and needs it;
	// a snapshot reads in the collation's order, which the key's index serves.
	CodePointOrder bool
}

// Reader reads one table's rows as JSON images in the capture triggers'
// form (the outbox's before and after), so that a row read by a snapshot
// and the same row captured by a trigger make the same change envelope.
//
// Keys given to a Reader are JSON objects of the key columns' values in the
// change envelope's forms, as a Kafka message key holds them.
type Reader interface {
	// Chunk returns, in key order, up to limit images of rows whose key is
	// greater than after and, when until is not nil, not greater than until.
	// A nil after reads from the first row. Rows whose key has a NULL are
	// left out: they cannot be keyed.
	Chunk(ctx context.Context, after, until []byte, limit int) ([][]byte, error)
	// Hash sums up what Chunk would return for the same arguments (limit 0:
	// no limit) where the rows are, without sending them: how many, a hash
	// of their images in key order, and, when there are limit rows, the key
	// of the last as an image. Two readers of one dialect give the same
	// hash for the same images in the same order.
	Hash(ctx context.Context, after, until []byte, limit int) (ChunkHash, error)
	// Keys reads the rows with the given keys: for each distinct key, the
	// key as an image (the key columns only, as the database prints them)
	// and the row's image, or a nil Row when no row has the key.
	Keys(ctx context.Context, keys [][]byte) ([]KeyedRow, error)
}

// ChunkHash is what Reader.Hash returns.
type ChunkHash struct {
	Rows int
	Sum  []byte
	Last []byte // nil unless Rows is the limit
}

// HashImages is ChunkHash for images read in key order with their keys'
// images, for a dialect that sums a chunk up in Ferry rather than in the
// database: a SHA-256 of the images joined by newlines.
func HashImages(imgs, keys [][]byte, limit int) ChunkHash {
	h := sha256.New()
	for i, img := range imgs {
		if i > 0 {
			h.Write([]byte{'\n'})
		}
		h.Write(img)
	}
	out := ChunkHash{Rows: len(imgs), Sum: h.Sum(nil)}
	if limit > 0 && len(imgs) == limit {
		out.Last = keys[len(keys)-1]
	}
	return out
}

// KeyedRow is one key read by Reader.Keys.
type KeyedRow struct {
	Key, Row []byte
}

// States of a snapshot request.
const (
	SnapshotPending   = "pending"
	SnapshotRunning   = "running"
	SnapshotDone      = "done"
	SnapshotCancelled = "cancelled"
	SnapshotFailed    = "failed"
)

// SnapshotRequest is one table to snapshot, or some of its keys to read
// again, as the capture schema records it. The relay's position in Kafka
// holds the truth about its progress; the record mirrors it, at most one
// chunk behind, for `ferry snapshot status`.
type SnapshotRequest struct {
	ID            int64
	TableID       int // the capture registry's id of the table
	Schema, Table string
	// Keys are the keys to read again (--keys), nil for the whole table;
	// given to Requests.Add only. List reports how many in KeyCount.
	Keys      [][]byte
	KeyCount  int
	ChunkSize int
	// MaxRate is the most rows a second the relay reads; 0 is no limit.
	MaxRate   int
	State     string
	Rows      int64 // rows (or keys) done
	Estimate  int64 // the catalog's estimate when requested; -1 unknown
	LastKey   string
	Error     string
	Requested time.Time
	Started   time.Time // zero until started
	Finished  time.Time // zero until finished
}

// Whole reports whether the request is for the whole table.
func (r SnapshotRequest) Whole() bool { return r.KeyCount == 0 && r.Keys == nil }

// Terminal reports whether a request in state will not run (again).
func Terminal(state string) bool {
	return state == SnapshotDone || state == SnapshotCancelled || state == SnapshotFailed
}

// SnapshotProgress is the relay's progress on one request, for the mirror.
type SnapshotProgress struct {
	ID      int64
	State   string
	Rows    int64
	LastKey string
	Error   string
}

// Requests stores snapshot requests in a source's capture schema. A capture
// schema without the requests' table (one installed before it existed)
// holds no requests: List returns none and Add says to run migrate up.
type Requests interface {
	// Add records requests and returns their ids, in order.
	Add(ctx context.Context, reqs []SnapshotRequest) ([]int64, error)
	// List returns the requests, oldest first: all of them, or only those
	// pending or running.
	List(ctx context.Context, all bool) ([]SnapshotRequest, error)
	// Keys returns the keys of a request for some keys.
	Keys(ctx context.Context, id int64) ([][]byte, error)
	// Cancel marks the table's pending and running requests cancelled and
	// returns how many it marked.
	Cancel(ctx context.Context, schema, table string) (int64, error)
	// Record mirrors the relay's progress. A cancelled request stays
	// cancelled; the start and finish times are set on the first record in
	// a running and in a terminal state.
	Record(ctx context.Context, progress []SnapshotProgress) error
}
