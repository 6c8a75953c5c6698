package oracle

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// The outbox cursor: a low-water mark below which no row can still commit.
//
// Every outbox row carries a stamp s, the SCN that
// DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER returned in the capture
// trigger's AFTER EACH ROW section, after the row's change was made. The
// relay reads, in one PL/SQL block, first cur := the current SCN, then
//
//	L = LEAST(NVL(MIN(START_SCN) FROM V$TRANSACTION, cur), cur)
//
// and then, in a later statement, the rows with stamp < L, in (stamp,
// seq) order. Claim: once L is read, no row with stamp < L can commit
// later, so a position "every row below L has been read" never skips one.
//
// Take a row r with stamp s < L written by transaction T. T had begun
// before s was read: the trigger runs after the row's change, and Oracle
// starts a transaction at its first change ("a transaction is created only
// by doing something", DBZ-5085), so START_SCN(T) <= s. When the relay
// read V$TRANSACTION, T was in one of three states:
//
//   - active: T is listed, so L <= MIN(START_SCN) <= START_SCN(T) <= s,
//     contradicting s < L;
//   - not yet begun: T's first change came after the V$TRANSACTION read,
//     which came after cur was read, so s >= START_SCN(T) >= cur >= L
//     (SCNs never decrease), again a contradiction;
//   - finished: T committed (or rolled back, and r is gone) before the
//     V$TRANSACTION read, so r is visible to the row query, whose
//     statement-level snapshot is taken after that read.
//
// So every row with stamp < L that will ever exist is visible when the
// rows are read. This is why the rows are read in a separate statement:
// one statement would fix its snapshot before evaluating V$TRANSACTION, and
// a transaction committing in between would be neither listed nor visible.
// It is also why the stamp is never taken in BEFORE STATEMENT: on a
// transaction's first statement no transaction exists yet, and such a
// stamp can be below START_SCN (vendors.md, 3.4). The pattern is Oracle
// GoldenGate's instantiation SCN (MIN(START_SCN) of GV$TRANSACTION with
// the current SCN) and Debezium's snapshot boundary (DBZ-4367, PR #3133);
// an existing trigger-based connector (rtdi.io OracleProducer) reads
// `nvl(min(start_scn), current scn) from gv$transaction` as an exclusive
// bound the same way. ORA_ROWSCN is not used: it is an upper bound that
// can change under a reader (SQL Language Reference, ORA_ROWSCN).
//
// Per-key order: a transaction T2 that changes key K after T1 did waits
// for T1's row lock, so T2 stamps K after T1 committed: s2 >= commit(T1)
// >= s1. Where s1 = s2, SEQ decides: T2 takes its SEQ after the lock,
// from a sequence that hands out numbers in time order (one instance, or
// ORDER on RAC), so seq2 > seq1. Ordering by (stamp, seq) therefore keeps
// every key's commit order.
//
// RAC: the relay reads GV$TRANSACTION, which lists every instance's
// transactions. The "not yet begun" case needs T's START_SCN on another
// instance to be at least the cur read on the relay's; Oracle's Lamport
// SCN propagation (messages between instances carry SCNs, and the
// GV$TRANSACTION query is such a message) gives that, but it is DERIVED,
// not documented, and needs a RAC test. Multitenant: connect to the PDB;
// V$TRANSACTION in a PDB lists that PDB's transactions.
//
// Without SELECT on V_$TRANSACTION the relay refuses to start and names
// the grant (ErrMissingGrant). A timeout-based gap skip is not gap-free,
// and the "relay as sequencer" design (vendors.md) needs an outbox column
// and an UPDATE per row that no server here could test; it is described
// in README.md as the way forward where the grant is impossible.

// position is the relay's place in the outbox.
type position struct {
	// SCN: every row with a stamp below it has been read.
	SCN uint64 `json:"scn"`
	// Win is a window being read in pages.
	Win *window `json:"window,omitempty"`
}

// window is a page-by-page read of the rows with SCN <= stamp < End.
type window struct {
	End uint64 `json:"end"`
	// AfterSCN and AfterSeq are the last row read.
	AfterSCN uint64 `json:"after_scn"`
	AfterSeq int64  `json:"after_seq"`
}

func decodePosition(b []byte) (position, error) {
	var p position
	if len(b) == 0 {
		return p, nil
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return p, fmt.Errorf("decode relay position %q: %w", b, err)
	}
	return p, nil
}

// cursor is where rows after the position start: (SCN, seq) exclusive.
func (p position) cursor() (uint64, int64) {
	if p.Win != nil {
		return p.Win.AfterSCN, p.Win.AfterSeq
	}
	return p.SCN, 0
}

// outboxSQL is the relay's SQL for one capture schema.
type outboxSQL struct {
	// lowWater has two OUT binds: :1 the low-water mark, :2 the current SCN.
	lowWater, lowWaterRAC string
	rows                  string
	purge                 string
	backlog               string
	currentSCN            string
	probeOutbox           string
	// oldest finds the transaction that holds the low-water mark, by
	// [rac][with its session]: its age in seconds, its id, SID, SERIAL#
	// and instance.
	oldest [2][2]string
}

func lowWaterBlock(view string) string {
	return `DECLARE
    cur NUMBER;
BEGIN
    cur := DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER;
    SELECT LEAST(NVL(MIN(t.START_SCN), cur), cur) INTO :1 FROM ` + view + ` t;
    :2 := cur;
END;`
}

func newOutboxSQL(schema string) outboxSQL {
	t := ident(schema, "OUTBOX")
	return outboxSQL{
		lowWater:    lowWaterBlock("V$TRANSACTION"),
		lowWaterRAC: lowWaterBlock("GV$TRANSACTION"),
		// :1 window start, :2 window end (exclusive), :3 and :4 the last row
		// read (SCN, SEQ), :5 the limit. One range scan of the primary key.
		rows: `SELECT "SEQ", "SCN", "TXID", "TABLE_ID", "OP", "TS", "BEFORE", "AFTER" FROM ` + t + `
WHERE "SCN" >= :1 AND "SCN" < :2 AND ("SCN" > :3 OR "SEQ" > :4)
ORDER BY "SCN", "SEQ"
FETCH FIRST :5 ROWS ONLY`,
		purge: `DELETE FROM ` + t + ` WHERE "SCN" < :1 AND ROWNUM <= :2`,
		backlog: `SELECT COUNT(*), MIN("TS") FROM ` + t + `
WHERE "SCN" >= :1 AND ("SCN" > :2 OR "SEQ" > :3)`,
		currentSCN:  `SELECT DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER FROM DUAL`,
		probeOutbox: `SELECT COUNT(*) FROM ` + t + ` WHERE ROWNUM < 1`,
		oldest: [2][2]string{
			{oldestTransaction(false, false), oldestTransaction(false, true)},
			{oldestTransaction(true, false), oldestTransaction(true, true)},
		},
	}
}

// oldestTransaction reads the open transaction with the lowest START_SCN,
// the one the low-water mark stops at: how long it has been open
// (START_DATE, on the database's clock, to the second), its id as
// DBMS_TRANSACTION.LOCAL_TRANSACTION_ID prints it (the outbox's TXID),
// and, where the relay may read V$SESSION, its session's SID and SERIAL#.
func oldestTransaction(rac, session bool) string {
	tv, sv, on, inst := "V$TRANSACTION", "V$SESSION", "s.TADDR = t.ADDR", "0"
	if rac {
		tv, sv, on, inst = "GV$TRANSACTION", "GV$SESSION", "s.INST_ID = t.INST_ID AND s.TADDR = t.ADDR", "t.INST_ID"
	}
	q := `SELECT ROUND((SYSDATE - t.START_DATE) * 86400), t.XIDUSN || '.' || t.XIDSLOT || '.' || t.XIDSQN, `
	if session {
		q += `s.SID, s.SERIAL#, ` + inst + `
FROM ` + tv + ` t LEFT JOIN ` + sv + ` s ON ` + on
	} else {
		q += `NULL, NULL, ` + inst + `
FROM ` + tv + ` t`
	}
	return q + `
ORDER BY t.START_SCN
FETCH FIRST 1 ROWS ONLY`
}

type outbox struct {
	db     *stdsql.DB
	schema string
	sql    outboxSQL

	mu       sync.Mutex
	lowWater string // the block for this database, once the preflight passed
	// noSession: V$SESSION may not be read; OldestTransaction names the
	// transaction only.
	noSession bool
}

// Outbox reads the outbox in captureSchema.
func (source) Outbox(db *stdsql.DB, captureSchema string) fsql.Outbox {
	return newOutbox(db, captureSchema)
}

func newOutbox(db *stdsql.DB, captureSchema string) *outbox {
	schema := captureSchema
	return &outbox{db: db, schema: schema, sql: newOutboxSQL(schema)}
}

// Oracle error numbers the preflight maps to missing grants.
const (
	oraTableMissing   = 942  // table or view does not exist
	oraInvalidIdent   = 904  // invalid identifier: a package the session may not execute
	oraNoPrivileges   = 1031 // insufficient privileges
	oraPLSQLCompile   = 6550 // PL/SQL compilation error
	oraNameNotDeclare = 6553 // PLS-... identifier must be declared
)

// preflight checks, once, every grant the relay needs, and picks
// V$TRANSACTION or GV$TRANSACTION; each missing grant is an error that
// names the GRANT statement. It never falls back to a timeout.
func (o *outbox) preflight(ctx context.Context) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.lowWater != "" {
		return o.lowWater, nil
	}
	var user string
	if err := o.db.QueryRowContext(ctx, `SELECT SYS_CONTEXT('USERENV', 'SESSION_USER') FROM DUAL`).Scan(&user); err != nil {
		return "", fmt.Errorf("connect to read the outbox: %w", err)
	}
	var errs []error
	var scn uint64
	if err := o.db.QueryRowContext(ctx, o.sql.currentSCN).Scan(&scn); err != nil {
		if !isOra(err, oraInvalidIdent, oraNoPrivileges, oraNameNotDeclare) {
			return "", fmt.Errorf("read the current SCN: %w", err)
		}
		errs = append(errs, fmt.Errorf("the relay reads the current SCN through DBMS_FLASHBACK: GRANT EXECUTE ON SYS.DBMS_FLASHBACK TO %s: %w", ident(user), ErrMissingGrant))
	}
	var cluster int
	if _, err := o.db.ExecContext(ctx, `BEGIN :1 := CASE WHEN DBMS_UTILITY.IS_CLUSTER_DATABASE THEN 1 ELSE 0 END; END;`,
		stdsql.Out{Dest: &cluster}); err != nil {
		return "", fmt.Errorf("find out whether the database is a RAC cluster: %w", err)
	}
	view, block, grant := "V$TRANSACTION", o.sql.lowWater, "V_$TRANSACTION"
	if cluster == 1 {
		view, block, grant = "GV$TRANSACTION", o.sql.lowWaterRAC, "GV_$TRANSACTION"
	}
	var n int64
	if err := o.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+view+` WHERE ROWNUM < 1`).Scan(&n); err != nil {
		if !isOra(err, oraTableMissing, oraNoPrivileges) {
			return "", fmt.Errorf("read %s: %w", view, err)
		}
		errs = append(errs, fmt.Errorf("the relay needs the oldest open transaction's START_SCN from %s to know what "+
			"can still commit, and without it cannot read the outbox without gaps: GRANT SELECT ON SYS.%s TO %s: %w",
			view, grant, ident(user), ErrMissingGrant))
	}
	if err := o.db.QueryRowContext(ctx, o.sql.probeOutbox).Scan(&n); err != nil {
		if !isOra(err, oraTableMissing, oraNoPrivileges) {
			return "", fmt.Errorf("read the outbox: %w", err)
		}
		errs = append(errs, fmt.Errorf("the outbox %s.OUTBOX does not exist or %s may not read it: run `ferry migrate up`, "+
			"or GRANT SELECT, DELETE ON %s TO %s: %w", o.schema, user, ident(o.schema, "OUTBOX"), ident(user), ErrMissingGrant))
	}
	if len(errs) > 0 {
		return "", errors.Join(errs...)
	}
	o.lowWater = block
	return block, nil
}

// LowWater reads the low-water mark and the current SCN (read first).
func (o *outbox) LowWater(ctx context.Context) (low, cur uint64, err error) {
	block, err := o.preflight(ctx)
	if err != nil {
		return 0, 0, err
	}
	var l, c int64
	if _, err := o.db.ExecContext(ctx, block, stdsql.Out{Dest: &l}, stdsql.Out{Dest: &c}); err != nil {
		return 0, 0, fmt.Errorf("read the outbox low-water mark: %w", err)
	}
	return uint64(l), uint64(c), nil
}

// Read returns the rows of the window after pos, at most limit.Rows of
// them and, past the first, no more than limit.Bytes of images. A window
// read in parts keeps its end (position.Win), so that a later part never
// reads above the low-water mark it was cut at.
func (o *outbox) Read(ctx context.Context, raw []byte, limit fsql.Limit) (*fsql.Batch, error) {
	p, err := decodePosition(raw)
	if err != nil {
		return nil, err
	}
	if p.Win == nil {
		low, cur, err := o.LowWater(ctx)
		if err != nil {
			return nil, err
		}
		if p.SCN > cur {
			return nil, fmt.Errorf("the database's SCN is %d, behind the relay's position %d (a different database, "+
				"or one restored or flashed back): %w", cur, p.SCN, fsql.ErrPositionGone)
		}
		p.Win = &window{End: max(low, p.SCN), AfterSCN: p.SCN}
	}
	rows, err := o.db.QueryContext(ctx, o.sql.rows, p.Win.AfterSCN, p.Win.End, p.Win.AfterSCN, p.Win.AfterSeq, limit.Rows)
	if err != nil {
		return nil, fmt.Errorf("read outbox window %d..%d after (%d, %d): %w", p.SCN, p.Win.End, p.Win.AfterSCN, p.Win.AfterSeq, err)
	}
	defer rows.Close()
	batch := &fsql.Batch{}
	var lastSCN uint64
	var size int64
	full := false
	for rows.Next() {
		var (
			r             fsql.OutboxRow
			scn           int64
			txid, op      string
			before, after stdsql.NullString
		)
		if err := rows.Scan(&r.Seq, &scn, &txid, &r.TableID, &op, &r.Ts, &before, &after); err != nil {
			return nil, fmt.Errorf("read outbox row: %w", err)
		}
		r.TxID = packTxID(txid)
		r.Op = op[0]
		if before.Valid {
			r.Before = []byte(before.String)
		}
		if after.Valid {
			r.After = []byte(after.String)
		}
		size += int64(len(r.Before) + len(r.After))
		if limit.Bytes > 0 && size > limit.Bytes && len(batch.Rows) > 0 {
			full = true // the rest of the window in a later Read
			break
		}
		lastSCN = uint64(scn)
		batch.Rows = append(batch.Rows, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read outbox window: %w", err)
	}
	if full || len(batch.Rows) == limit.Rows {
		p.Win.AfterSCN, p.Win.AfterSeq = lastSCN, batch.Rows[len(batch.Rows)-1].Seq
	} else {
		p = position{SCN: p.Win.End}
	}
	batch.Idle = len(batch.Rows) == 0
	if batch.Next, err = json.Marshal(p); err != nil {
		return nil, err
	}
	return batch, nil
}

// packTxID turns DBMS_TRANSACTION.LOCAL_TRANSACTION_ID's "usn.slot.seq"
// into one number: usn in the top 16 bits, slot in the next 16, the
// wrap sequence in the low 32. It identifies the transaction in the
// envelope's source.txId; nothing orders by it.
func packTxID(s string) uint64 {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return 0
	}
	var v [3]uint64
	for i, p := range parts {
		v[i], _ = strconv.ParseUint(p, 10, 64)
	}
	return (v[0]&0xffff)<<48 | (v[1]&0xffff)<<32 | v[2]&0xffffffff
}

// Purge deletes rows below the position's low-water mark: every one of
// them was read before the position was committed to Kafka.
func (o *outbox) Purge(ctx context.Context, raw []byte, limit int) (int64, error) {
	p, err := decodePosition(raw)
	if err != nil {
		return 0, err
	}
	res, err := o.db.ExecContext(ctx, o.sql.purge, p.SCN, limit)
	if err != nil {
		return 0, fmt.Errorf("purge the outbox below SCN %d: %w", p.SCN, err)
	}
	return res.RowsAffected()
}

// Backlog counts the committed rows after the position and the age of
// the oldest.
func (o *outbox) Backlog(ctx context.Context, raw []byte) (int64, time.Time, error) {
	p, err := decodePosition(raw)
	if err != nil {
		return 0, time.Time{}, err
	}
	scn, seq := p.cursor()
	var n int64
	var oldest stdsql.NullTime
	if err := o.db.QueryRowContext(ctx, o.sql.backlog, scn, scn, seq).Scan(&n, &oldest); err != nil {
		return 0, time.Time{}, fmt.Errorf("measure the outbox backlog: %w", err)
	}
	return n, oldest.Time, nil
}

// OldestTransaction returns the open transaction with the lowest
// START_SCN: the low-water mark cannot pass it, and the relay waits
// (sql.LowWaterHeld). Its session is named where the relay may read
// V$SESSION (GRANT SELECT ON SYS.V_$SESSION, optional), else only its
// transaction id.
func (o *outbox) OldestTransaction(ctx context.Context) (tx fsql.OpenTransaction, ok bool, err error) {
	block, err := o.preflight(ctx)
	if err != nil {
		return tx, false, err
	}
	rac := 0
	if block == o.sql.lowWaterRAC {
		rac = 1
	}
	o.mu.Lock()
	session := !o.noSession
	o.mu.Unlock()
	var secs, instance int64
	var xid string
	var sid, serial stdsql.NullInt64
	read := func(q string) error {
		return o.db.QueryRowContext(ctx, q).Scan(&secs, &xid, &sid, &serial, &instance)
	}
	if session {
		err = read(o.sql.oldest[rac][1])
	}
	if !session || isOra(err, oraTableMissing, oraNoPrivileges) {
		o.mu.Lock()
		o.noSession = true
		o.mu.Unlock()
		err = read(o.sql.oldest[rac][0])
	}
	if errors.Is(err, stdsql.ErrNoRows) {
		return tx, false, nil
	}
	if err != nil {
		return tx, false, fmt.Errorf("find the oldest open transaction: %w", err)
	}
	tx.Age = time.Duration(secs) * time.Second
	tx.Session = "transaction " + xid
	if sid.Valid {
		tx.Session = fmt.Sprintf("SID %d, SERIAL# %d, %s", sid.Int64, serial.Int64, tx.Session)
	}
	if instance != 0 {
		tx.Session += fmt.Sprintf(", INST_ID %d", instance)
	}
	return tx, true, nil
}

// mark is a snapshot chunk's mark: the SCN read after the chunk's select.
type mark struct {
	SCN uint64 `json:"scn"`
}

// Mark reads the current SCN; call it after a snapshot chunk's select has
// returned. Every change the select could see was stamped before the
// select's snapshot, so below the mark.
func (o *outbox) Mark(ctx context.Context) ([]byte, error) {
	var scn uint64
	if err := o.db.QueryRowContext(ctx, o.sql.currentSCN).Scan(&scn); err != nil {
		return nil, fmt.Errorf("read the current SCN for a snapshot mark: %w", err)
	}
	return json.Marshal(mark{SCN: scn})
}

// Covers reports whether a read position has passed a mark: its low-water
// mark is above the mark's SCN, so every row stamped below the mark, and
// with it every change the chunk's select saw, has been read.
func (o *outbox) Covers(pos, m []byte) (bool, error) {
	p, err := decodePosition(pos)
	if err != nil {
		return false, err
	}
	var mk mark
	if err := json.Unmarshal(m, &mk); err != nil {
		return false, fmt.Errorf("decode snapshot mark %q: %w", m, err)
	}
	return p.SCN > mk.SCN, nil
}
