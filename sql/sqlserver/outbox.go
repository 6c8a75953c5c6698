package sqlserver

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// The outbox cursor (design.md, traps 1 and 2).
//
// Every outbox row gets a rowversion (rv) when the trigger writes it: a
// database-wide counter, taken by the writing transaction, so rows appear in
// rv order only as their transactions commit, and not in that order. The
// relay reads rows with rv above its position and below
// MIN_ACTIVE_ROWVERSION(), in rv order. Microsoft documents that function
// ("MIN_ACTIVE_ROWVERSION (Transact-SQL)", learn.microsoft.com, unchanged from
// SQL Server 2008 to now) as "the lowest active rowversion value in the
// current database. A rowversion value is active if it is used in a
// transaction that has not yet been committed", equal to @@DBTS + 1 when
// none is active, and warns: "If an application uses @@DBTS rather than
// MIN_ACTIVE_ROWVERSION, it is possible to miss changes that are active
// when synchronization occurs"; the function "is not affected by changes in
// the transaction isolation levels". Hence:
//
//   - Gap-free. Let B be the bound read before the rows. A row with rv < B
//     was written by a transaction that was no longer active when B was
//     read: it committed (or rolled back, and the row is gone). A
//     transaction that writes later takes an rv above @@DBTS, and B is at
//     most @@DBTS + 1, so its rows land at or above B: the next read finds
//     them. Every row is returned once, none is passed over.
//   - Read after the bound. B is read by a statement of its own, before the
//     SELECT. Under READ_COMMITTED_SNAPSHOT the SELECT's snapshot is taken
//     when it starts, after B: every row below B committed before it, so the
//     snapshot sees them all. (Had the bound been evaluated inside the
//     SELECT, as in "rv < MIN_ACTIVE_ROWVERSION()", the snapshot could
//     predate it and miss a transaction that committed in between; that
//     form would need READCOMMITTEDLOCK.) Without READ_COMMITTED_SNAPSHOT
//     the read locks, and may wait at the first row above B for the
//     transaction that holds B back (unverified: see doc.go); it waits no
//     longer than the bound already makes the relay wait.
//   - Per-key commit order. A writer of key K holds K's row lock until it
//     commits; the next writer of K writes its outbox row after that, with
//     a larger rv. Reading in rv order keeps every key in commit order.
//   - Insert-only. An UPDATE of an outbox row would give it a new rv and
//     move it past the cursor; nothing updates it, and Purge only deletes.
//   - The bound is database-wide: one long transaction that wrote any
//     rowversion column in the database holds every relay back (latency,
//     not loss). OldestTransaction reports it.
//
// The position is {"rv": N}: every row with rv <= N has been returned. A
// read that returns fewer rows than asked moves N up to B - 1.

type position struct {
	RV int64 `json:"rv"`
}

func decodePosition(b []byte) (position, error) {
	var p position
	if len(b) == 0 {
		return p, nil
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return p, fmt.Errorf("decode relay position %q: %w", b, err)
	}
	if p.RV < 0 {
		return p, fmt.Errorf("decode relay position %q: negative rowversion", b)
	}
	return p, nil
}

func (p position) encode() []byte {
	b, _ := json.Marshal(p) // an int64 always encodes
	return b
}

// outboxSQL is the outbox's statements for one capture schema.
type outboxSQL struct {
	// Window reads the bound B as its first result set, then up to @p1
	// rows with rv in (@p2, B), in rv order.
	Window string
	// Purge deletes up to @p1 rows with rv <= @p2.
	Purge string
	// Backlog counts the committed rows above @p1 and the oldest's time.
	Backlog string
	// Mark is @@DBTS, read after a snapshot chunk's select.
	Mark string
}

func newOutboxSQL(captureSchema string) outboxSQL {
	t := ident(captureSchema, "outbox")
	return outboxSQL{
		Window: `DECLARE @bound binary(8) = MIN_ACTIVE_ROWVERSION();
SELECT CAST(@bound AS bigint);
SELECT TOP (@p1) CAST([rv] AS bigint), [txid], [table_id], [op], [ts], [before], [after]
FROM ` + t + `
WHERE [rv] > CAST(@p2 AS binary(8)) AND [rv] < @bound
ORDER BY [rv];`,
		Purge: `DELETE TOP (@p1) FROM ` + t + ` WHERE [rv] <= CAST(@p2 AS binary(8));`,
		Backlog: `DECLARE @bound binary(8) = MIN_ACTIVE_ROWVERSION();
SELECT COUNT_BIG(*), MIN([ts])
FROM ` + t + `
WHERE [rv] > CAST(@p1 AS binary(8)) AND [rv] < @bound;`,
		Mark: `SELECT CAST(@@DBTS AS bigint);`,
	}
}

// oldestTransaction finds the oldest transaction that has written in this
// database and is still open: the one that holds MIN_ACTIVE_ROWVERSION back,
// or an older one. It needs VIEW SERVER STATE (VIEW SERVER PERFORMANCE STATE
// from SQL Server 2022).
const oldestTransaction = `
SELECT TOP (1) DATEDIFF_BIG(millisecond, dt.[database_transaction_begin_time], SYSDATETIME()),
       ISNULL(st.[session_id], 0)
FROM sys.dm_tran_database_transactions AS dt
LEFT JOIN sys.dm_tran_session_transactions AS st ON st.[transaction_id] = dt.[transaction_id]
WHERE dt.[database_id] = DB_ID() AND dt.[database_transaction_type] = 1
  AND dt.[database_transaction_begin_time] IS NOT NULL
ORDER BY dt.[database_transaction_begin_time];`

type outbox struct {
	db  *stdsql.DB
	sql outboxSQL
}

// Outbox reads the outbox in captureSchema.
func (source) Outbox(db *stdsql.DB, captureSchema string) fsql.Outbox {
	return &outbox{db: db, sql: newOutboxSQL(captureSchema)}
}

func (o *outbox) Read(ctx context.Context, raw []byte, limit fsql.Limit) (*fsql.Batch, error) {
	p, err := decodePosition(raw)
	if err != nil {
		return nil, err
	}
	rows, err := o.db.QueryContext(ctx, o.sql.Window, limit.Rows, p.RV)
	if err != nil {
		return nil, fmt.Errorf("read the outbox after rowversion %d: %w", p.RV, err)
	}
	defer rows.Close()
	var bound int64
	if !rows.Next() {
		return nil, fmt.Errorf("read the outbox bound: %w", errors.Join(rows.Err(), errors.New("no result")))
	}
	if err := rows.Scan(&bound); err != nil {
		return nil, fmt.Errorf("read the outbox bound: %w", err)
	}
	if bound-1 < p.RV {
		return nil, fmt.Errorf("the database's rowversion is at %d, behind the relay's position %d "+
			"(the database was restored or replaced): %w", bound-1, p.RV, fsql.ErrPositionGone)
	}
	if !rows.NextResultSet() {
		return nil, fmt.Errorf("read the outbox window: %w", errors.Join(rows.Err(), errors.New("no row set")))
	}
	batch := &fsql.Batch{}
	var size int64
	cut := false
	for !cut && rows.Next() {
		var r fsql.OutboxRow
		var txid int64
		var op string
		var before, after stdsql.NullString
		if err := rows.Scan(&r.Seq, &txid, &r.TableID, &op, &r.Ts, &before, &after); err != nil {
			return nil, fmt.Errorf("read outbox row: %w", err)
		}
		r.TxID, r.Op = uint64(txid), op[0]
		if before.Valid {
			r.Before = []byte(before.String)
		}
		if after.Valid {
			r.After = []byte(after.String)
		}
		// Bytes bounds what the batch holds: stop before the row that
		// would take it past, but take one at least.
		size += int64(len(r.Before) + len(r.After))
		if limit.Bytes > 0 && size > limit.Bytes && len(batch.Rows) > 0 {
			cut = true
			break
		}
		batch.Rows = append(batch.Rows, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the outbox window: %w", err)
	}
	batch.Next = p.advance(bound, batch.Rows, cut || len(batch.Rows) >= limit.Rows).encode()
	batch.Idle = len(batch.Rows) == 0
	return batch, nil
}

// advance is the position after a read of rows below bound: the last row
// read when the read was cut short (more may wait below bound), else
// everything below bound.
func (p position) advance(bound int64, rows []fsql.OutboxRow, cut bool) position {
	if len(rows) > 0 && cut {
		return position{RV: rows[len(rows)-1].Seq}
	}
	return position{RV: max(p.RV, bound-1)}
}

// Purge deletes rows at or below the position: the relay has published
// them all.
func (o *outbox) Purge(ctx context.Context, raw []byte, limit int) (int64, error) {
	p, err := decodePosition(raw)
	if err != nil {
		return 0, err
	}
	res, err := o.db.ExecContext(ctx, o.sql.Purge, limit, p.RV)
	if err != nil {
		return 0, fmt.Errorf("purge the outbox up to rowversion %d: %w", p.RV, err)
	}
	return res.RowsAffected()
}

func (o *outbox) Backlog(ctx context.Context, raw []byte) (int64, time.Time, error) {
	p, err := decodePosition(raw)
	if err != nil {
		return 0, time.Time{}, err
	}
	var n int64
	var oldest stdsql.NullTime
	if err := o.db.QueryRowContext(ctx, o.sql.Backlog, p.RV).Scan(&n, &oldest); err != nil {
		return 0, time.Time{}, fmt.Errorf("measure the outbox backlog: %w", err)
	}
	return n, oldest.Time, nil
}

// OldestTransaction returns the oldest open transaction that has written
// in the database: while it runs, MIN_ACTIVE_ROWVERSION() cannot pass it,
// and the relay waits (sql.LowWaterHeld). It needs VIEW SERVER STATE
// (VIEW SERVER PERFORMANCE STATE from SQL Server 2022), optional: without
// it the error wraps sql.ErrTransactionsHidden.
func (o *outbox) OldestTransaction(ctx context.Context) (tx fsql.OpenTransaction, ok bool, err error) {
	var ms, session int64
	err = o.db.QueryRowContext(ctx, oldestTransaction).Scan(&ms, &session)
	if errors.Is(err, stdsql.ErrNoRows) {
		return tx, false, nil
	}
	if me, numbered := numbered(err); numbered && slices.Contains(permissionDenied, me.Number) {
		return tx, false, fmt.Errorf("find the oldest open transaction: the login needs VIEW SERVER STATE "+
			"(VIEW SERVER PERFORMANCE STATE from SQL Server 2022): %w: %w", fsql.ErrTransactionsHidden, err)
	}
	if err != nil {
		return tx, false, fmt.Errorf("find the oldest open transaction: %w", err)
	}
	tx.Age = time.Duration(ms) * time.Millisecond
	if session != 0 {
		tx.Session = "session_id " + strconv.FormatInt(session, 10)
	}
	return tx, true, nil
}

// permissionDenied are the errors of a dynamic management view read
// without VIEW SERVER STATE.
var permissionDenied = []int32{297, 300}

// Mark reads the snapshot mark: @@DBTS, the last rowversion the database
// handed out, read after a chunk's select. Every change the select could
// not see has a larger rv or was active then, and so is at or above the
// bound that a window read after it reads up to.
func (o *outbox) Mark(ctx context.Context) ([]byte, error) {
	var rv int64
	if err := o.db.QueryRowContext(ctx, o.sql.Mark).Scan(&rv); err != nil {
		return nil, fmt.Errorf("read the snapshot mark: %w", err)
	}
	return position{RV: rv}.encode(), nil
}

// Covers reports whether a relay at pos has read every change up to mark.
func (o *outbox) Covers(pos, mark []byte) (bool, error) { return covers(pos, mark) }

// covers: the position's bound is past the mark.
func covers(pos, mark []byte) (bool, error) {
	p, err := decodePosition(pos)
	if err != nil {
		return false, err
	}
	m, err := decodePosition(mark)
	if err != nil {
		return false, fmt.Errorf("decode snapshot mark: %w", err)
	}
	return p.RV >= m.RV, nil
}
