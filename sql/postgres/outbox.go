package postgres

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// The outbox cursor (design.md, traps 1 and 2).
//
// A position closes a window at a snapshot S and a sequence value L read
// just before S was taken. A snapshot's xmax is one past the latest
// transaction to finish, not the next xid to be handed out, so a transaction
// can be running at S without being in S's xip. To close that gap the relay
// takes an xid of its own and rolls it back between reading L and taking S:
// S's xmax is then past every xid handed out before L was read, and every
// transaction running at S but missing from its xip began after L was read,
// so all its rows have seq > L. For each transaction in S's xip the
// position keeps a bound: that transaction's rows all have seq > bound.
//
// The next window ends at a new snapshot S1 (with L1 read before it) and
// holds exactly the rows of transactions visible in S1 and not in S:
//
//   - rows with seq > L whose transaction S could not see, and
//   - rows with seq in (bound, L] of the transactions in progress at S.
//
// Transactions that commit between S and S1 are thus taken in full, in
// the window in which they became visible, and a transaction open for
// minutes costs one scan from its bound when it commits, not one per poll.
// Within a window rows go out in seq order, and seq is taken after the row
// lock, so a key's later committed change always comes later. A chunk (one
// statement's changes in one row, capture.go) takes its seq after all the
// statement's row locks, and its changes go out in the chunk's order. The argument
// needs every row's seq taken after its transaction has its xid: a capture
// trigger fires after the row's write, which takes it, and the heartbeat
// takes it first (operations.go). No index on
// txid is needed, which keeps capture cheap for the source.
//
// A window larger than one batch is read in pages: the position then also
// records S1, L1 and the last seq published, and every query filters by
// pg_visible_in_snapshot against S1 explicitly, so a page can be re-read
// from any later snapshot, after a restart too.
//
// A position must stay true after the source crashes. PostgreSQL hands out
// sequence values and xids before it makes them durable: nextval WAL-logs
// ahead but does not flush, and neither does the abort of a transaction
// that wrote nothing. After a crash, recovery knows only what reached the
// disk, so it can hand the same seqs (up to L) and xids (below S's xmax)
// out again to new transactions, whose rows a position taken before the
// crash would then skip as already read. So the horizon flushes the WAL
// after taking S, by committing a transaction that writes a WAL record
// (pg_logical_emit_message) with synchronous_commit on: everything L and S
// depend on, the commit records of every transaction S sees included, is
// then on disk (and on synchronous standbys) before the position can reach
// Kafka. This costs one small commit per window.
//
// What a flush cannot cover is a source that loses committed WAL: a
// failover to an asynchronous standby, a point-in-time restore, or another
// database under the same DSN. A position therefore carries the outbox's
// origin (the cluster's system identifier, the database, the outbox table
// and the WAL timeline); Read refuses a position of another origin with
// ErrPositionGone rather than skip changes silently.

type position struct {
	// Origin identifies the outbox the position was taken from; empty in
	// positions written before it was recorded (adopted at the next read).
	Origin string `json:"origin,omitempty"`
	Snap   string `json:"snapshot"`
	// Flush is the xid of the transaction that flushed the WAL after Snap
	// was taken. It writes no change, so a snapshot that sees it finished
	// has nothing more to read for it (see snapshot.with).
	Flush  uint64           `json:"flush_xid,omitempty"`
	Last   int64            `json:"last_seq"`
	Bounds map[string]int64 `json:"bounds,omitempty"`
	Win    *window          `json:"window,omitempty"`
}

type window struct {
	Snap   string `json:"snapshot"`
	Flush  uint64 `json:"flush_xid,omitempty"`
	Last   int64  `json:"last_seq"`
	Cursor int64  `json:"cursor"`
}

// start is the position before anything: a snapshot that sees nothing.
var start = position{Snap: "1:1:", Last: 0}

func decodePosition(b []byte) (position, error) {
	if len(b) == 0 {
		return start, nil
	}
	var p position
	if err := json.Unmarshal(b, &p); err != nil {
		return p, fmt.Errorf("decode relay position %q: %w", b, err)
	}
	if _, _, _, err := parseSnapshot(p.Snap); err != nil {
		return p, fmt.Errorf("decode relay position: %w", err)
	}
	return p, nil
}

// safe is the highest seq below which every row is published or rolled back.
func (p position) safe() int64 {
	s := p.Last
	for _, b := range p.Bounds {
		s = min(s, b)
	}
	return s
}

// parseSnapshot reads pg_snapshot's text form "xmin:xmax:xip,xip,...".
func parseSnapshot(s string) (xmin, xmax uint64, xip []uint64, err error) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return 0, 0, nil, fmt.Errorf("snapshot %q is not xmin:xmax:xip", s)
	}
	if xmin, err = strconv.ParseUint(parts[0], 10, 64); err != nil {
		return 0, 0, nil, fmt.Errorf("snapshot %q: %w", s, err)
	}
	if xmax, err = strconv.ParseUint(parts[1], 10, 64); err != nil {
		return 0, 0, nil, fmt.Errorf("snapshot %q: %w", s, err)
	}
	if parts[2] != "" {
		for _, x := range strings.Split(parts[2], ",") {
			v, err := strconv.ParseUint(x, 10, 64)
			if err != nil {
				return 0, 0, nil, fmt.Errorf("snapshot %q: %w", s, err)
			}
			xip = append(xip, v)
		}
	}
	return xmin, xmax, xip, nil
}

type outbox struct {
	db         *stdsql.DB
	schema     string
	seq        string // the outbox's identity sequence, quoted
	rows       string // the window query
	horizonSQL string
	peekSQL    string
	busy       bool // the last Read returned rows: skip the idle check
	// taken is when this relay took the snapshots it reads between (each
	// time is read just before its snapshot is taken, so a change the
	// snapshot does not see committed after it): the window's base and
	// its end. Batch.After comes from it.
	taken map[string]time.Time
}

// Outbox reads the outbox in captureSchema.
func (source) Outbox(db *stdsql.DB, captureSchema string) fsql.Outbox {
	t := ident(captureSchema, "outbox")
	// The images' stored sizes, read from their headers: the limit in bytes
	// costs no detoasting of rows that stay behind.
	cols := `seq, txid, table_id, op, ts, before, after, changes,
    coalesce(pg_catalog.pg_column_size(before), 0) + coalesce(pg_catalog.pg_column_size(after), 0) AS size`
	seq := ident(captureSchema, "outbox_seq_seq")
	// The origin: system identifier / database oid / outbox oid / timeline
	// (the first 8 hex digits of a WAL file name are its timeline).
	origin := `(SELECT system_identifier FROM pg_catalog.pg_control_system())::text || '/' ||
  (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())::text || '/' ||
  ` + literal(t) + `::pg_catalog.regclass::pg_catalog.oid::text || '/' ||
  pg_catalog.substr(pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_lsn()), 1, 8)`
	return &outbox{
		db:     db,
		schema: captureSchema,
		seq:    seq,
		taken:  map[string]time.Time{},
		// L; an xid of its own, rolled back; S and the origin; then the
		// flush (see the top of this file).
		horizonSQL: `SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM ` + seq + `;
BEGIN; SELECT pg_catalog.pg_current_xact_id(); ROLLBACK;
SELECT pg_catalog.pg_current_snapshot()::text, ` + origin + `;
BEGIN; SET LOCAL synchronous_commit = on;
SELECT pg_catalog.pg_logical_emit_message(true, 'ferry', 'horizon'), pg_catalog.pg_current_xact_id()::text; COMMIT`,
		peekSQL: `SELECT CASE WHEN is_called THEN last_value ELSE 0 END, pg_catalog.pg_current_snapshot()::text, ` + origin + ` FROM ` + seq,
		// $1 cursor, $2 L, $3 S, $4 lowest bound, $5 xids in progress at S,
		// $6 S1, $7 limit in changes, $8 in bytes. Two index range scans
		// on seq, merged in order, of at most $7 rows (each row is one
		// change or a chunk of several); then the rows whose running count
		// of changes and of bytes stay within the limits, and always the
		// first. fetched says how many rows the row limit let through, so
		// that a cut by changes or bytes is seen.
		rows: fmt.Sprintf(`
SELECT seq, txid::text, table_id, op, ts, before::text, after::text, changes, fetched FROM (
SELECT w.*, pg_catalog.row_number() OVER running AS nth, sum(size) OVER running AS bytes,
  sum(coalesce(changes, 1)) OVER running AS counted, count(*) OVER () AS fetched FROM (
(SELECT %[2]s FROM %[1]s
  WHERE seq > greatest($1::int8, $2::int8)
    AND pg_catalog.pg_visible_in_snapshot(txid, $6::pg_catalog.pg_snapshot)
    AND NOT pg_catalog.pg_visible_in_snapshot(txid, $3::pg_catalog.pg_snapshot)
  ORDER BY seq LIMIT $7)
UNION ALL
(SELECT %[2]s FROM %[1]s
  WHERE seq > greatest($1::int8, $4::int8) AND seq <= $2::int8
    AND txid = ANY($5::pg_catalog.xid8[])
    AND pg_catalog.pg_visible_in_snapshot(txid, $6::pg_catalog.pg_snapshot)
  ORDER BY seq LIMIT $7)
ORDER BY seq LIMIT $7) w
WINDOW running AS (ORDER BY seq ROWS UNBOUNDED PRECEDING)) x
WHERE (bytes <= $8::int8 AND counted <= $7) OR nth = 1
ORDER BY seq`, t, cols),
	}
}

// peek reads L, a snapshot and the origin without the xid step or the
// flush: enough to tell that nothing has changed since a position was taken.
func (o *outbox) peek(ctx context.Context) (last int64, snap, origin string, err error) {
	err = o.db.QueryRowContext(ctx, o.peekSQL).Scan(&last, &snap, &origin)
	if err != nil {
		return 0, "", "", fmt.Errorf("read the outbox sequence: %w", err)
	}
	return last, snap, origin, nil
}

// horizon reads L, finishes an xid of its own, takes the snapshot S1 and
// the origin, then flushes the WAL, in that order and in separate
// transactions (see the top of this file): statements sent as one
// simple-protocol query, one round trip. The xid's transaction is rolled
// back; the flush is one small commit, whose xid it returns.
func (o *outbox) horizon(ctx context.Context) (last int64, snap, origin string, flush uint64, err error) {
	conn, err := o.db.Conn(ctx)
	if err != nil {
		return 0, "", "", 0, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	var results []*pgconn.Result
	err = conn.Raw(func(dc any) error {
		results, err = dc.(*stdlib.Conn).Conn().PgConn().Exec(ctx, o.horizonSQL).ReadAll()
		return err
	})
	if err != nil {
		return 0, "", "", 0, fmt.Errorf("read the outbox horizon: %w", err)
	}
	if len(results) != 9 || len(results[0].Rows) != 1 || len(results[4].Rows) != 1 || len(results[4].Rows[0]) != 2 ||
		len(results[7].Rows) != 1 || len(results[7].Rows[0]) != 2 {
		return 0, "", "", 0, fmt.Errorf("read the outbox horizon: unexpected reply (%d results)", len(results))
	}
	if last, err = strconv.ParseInt(string(results[0].Rows[0][0]), 10, 64); err != nil {
		return 0, "", "", 0, fmt.Errorf("read the outbox sequence: %w", err)
	}
	if flush, err = strconv.ParseUint(string(results[7].Rows[0][1]), 10, 64); err != nil {
		return 0, "", "", 0, fmt.Errorf("read the outbox horizon's flush: %w", err)
	}
	return last, string(results[4].Rows[0][0]), string(results[4].Rows[0][1]), flush, nil
}

// checkOrigin refuses a position taken from another outbox than the one at
// origin now, naming what changed.
func (p position) checkOrigin(origin string) error {
	if p.Origin == "" || p.Origin == origin {
		return nil
	}
	was, is := strings.Split(p.Origin, "/"), strings.Split(origin, "/")
	why := "the outbox is not the one the position was taken from"
	if len(was) == 4 && len(is) == 4 {
		switch {
		case was[0] != is[0]:
			why = fmt.Sprintf("the DSN now reaches another PostgreSQL cluster (system identifier %s, was %s)", is[0], was[0])
		case was[1] != is[1]:
			why = "the DSN now reaches another database (or the database was dropped and created again)"
		case was[2] != is[2]:
			why = "the capture schema was dropped and created again"
		case was[3] != is[3]:
			why = fmt.Sprintf("the server's WAL timeline changed from %s to %s: it was promoted from a standby or restored to a point in time, "+
				"and transactions the old server committed may be gone and their sequence numbers reused", was[3], is[3])
		}
	}
	return fmt.Errorf("%s: %w", why, fsql.ErrPositionGone)
}

func (o *outbox) Read(ctx context.Context, raw []byte, limit fsql.Limit) (*fsql.Batch, error) {
	p, err := decodePosition(raw)
	if err != nil {
		return nil, err
	}
	if p.Win == nil {
		if !o.busy {
			// While idle, one cheap look first: no transaction has finished
			// (xmax and xip are as they were) and no row was written since
			// S, so nothing can have become visible.
			last, snap, origin, err := o.peek(ctx)
			if err != nil {
				return nil, err
			}
			if err := p.checkOrigin(origin); err != nil {
				return nil, err
			}
			idle, err := p.unchanged(snap)
			if err != nil {
				return nil, err
			}
			if last == p.Last && idle {
				return &fsql.Batch{Next: raw, Idle: true}, nil
			}
		}
		at := time.Now()
		last, snap, origin, flush, err := o.horizon(ctx)
		if err != nil {
			return nil, err
		}
		if err := p.checkOrigin(origin); err != nil {
			return nil, err
		}
		p.Origin = origin
		o.taken[snap] = at
		if last < p.Last {
			return nil, fmt.Errorf("the outbox sequence is at %d, behind the relay's position %d "+
				"(the capture schema was dropped and created again): %w", last, p.Last, fsql.ErrPositionGone)
		}
		p.Win = &window{Snap: snap, Flush: flush, Last: last}
	} else {
		// Part way through a window, perhaps after a restart: the origin
		// is checked as at every horizon.
		_, _, origin, err := o.peek(ctx)
		if err != nil {
			return nil, err
		}
		if err := p.checkOrigin(origin); err != nil {
			return nil, err
		}
	}

	xids := make([]string, 0, len(p.Bounds))
	lowest := p.Last
	for x, b := range p.Bounds {
		xids = append(xids, x)
		lowest = min(lowest, b)
	}
	bytes := limit.Bytes
	if bytes <= 0 {
		bytes = math.MaxInt64
	}
	rows, err := o.db.QueryContext(ctx, o.rows, p.Win.Cursor, p.Last, p.Snap, lowest, "{"+strings.Join(xids, ",")+"}", p.Win.Snap, limit.Rows, bytes)
	if err != nil {
		return nil, fmt.Errorf("read outbox window %s..%s after seq %d: %w", p.Snap, p.Win.Snap, p.Win.Cursor, err)
	}
	defer rows.Close()
	batch := &fsql.Batch{After: o.taken[p.Snap]}
	fetched, read := 0, 0
	for rows.Next() {
		var r fsql.OutboxRow
		var txid, op string
		var before, after stdsql.RawBytes
		var changes stdsql.NullInt32
		if err := rows.Scan(&r.Seq, &txid, &r.TableID, &op, &r.Ts, &before, &after, &changes, &fetched); err != nil {
			return nil, fmt.Errorf("read outbox row: %w", err)
		}
		read++
		if r.TxID, err = strconv.ParseUint(txid, 10, 64); err != nil {
			return nil, fmt.Errorf("outbox row %d: txid %q: %w", r.Seq, txid, err)
		}
		r.Op = op[0]
		if changes.Valid {
			if batch.Rows, err = appendChunk(batch.Rows, r, int(changes.Int32), before, after); err != nil {
				return nil, err
			}
			continue
		}
		if before != nil {
			r.Before = slices.Clone(before)
		}
		if after != nil {
			r.After = slices.Clone(after)
		}
		batch.Rows = append(batch.Rows, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read outbox window: %w", err)
	}

	if fetched == limit.Rows || read < fetched {
		p.Win.Cursor = batch.Rows[len(batch.Rows)-1].Seq
	} else {
		// The window is complete: it becomes the new base.
		next, err := p.close()
		if err != nil {
			return nil, err
		}
		p = next
		for snap := range o.taken {
			if snap != p.Snap {
				delete(o.taken, snap)
			}
		}
	}
	batch.Next, err = json.Marshal(p)
	if err != nil {
		return nil, err
	}
	o.busy = len(batch.Rows) > 0
	return batch, nil
}

// appendChunk appends the changes of a chunk, an outbox row that holds n
// changes of one statement (schema/00005): its op is C, U or D, and its
// images are JSON arrays of n elements, element i of each being change i's
// image or JSON null where that change has none. Every change keeps the
// row's seq, txid and ts. A chunk that does not read so is an error: the
// relay stops rather than guess.
func appendChunk(out []fsql.OutboxRow, r fsql.OutboxRow, n int, before, after []byte) ([]fsql.OutboxRow, error) {
	split := func(name string, raw []byte) ([]json.RawMessage, error) {
		if raw == nil {
			return nil, nil
		}
		var images []json.RawMessage
		if err := json.Unmarshal(raw, &images); err != nil {
			return nil, fmt.Errorf("outbox row %d: a chunk's %s images are not a JSON array: %w", r.Seq, name, err)
		}
		if len(images) != n {
			return nil, fmt.Errorf("outbox row %d: a chunk of %d changes has %d %s images", r.Seq, n, len(images), name)
		}
		return images, nil
	}
	bs, err := split("before", before)
	if err != nil {
		return nil, err
	}
	as, err := split("after", after)
	if err != nil {
		return nil, err
	}
	image := func(images []json.RawMessage, i int) []byte {
		if images == nil || string(images[i]) == "null" {
			return nil
		}
		return images[i]
	}
	for i := range n {
		c := r
		c.Before, c.After = image(bs, i), image(as, i)
		switch {
		case c.Before == nil && c.After != nil:
			c.Op = 'c'
		case c.Before != nil && c.After == nil:
			c.Op = 'd'
		case c.Before != nil && c.After != nil:
			c.Op = 'u'
		}
		if !strings.ContainsRune(chunkOps[r.Op], rune(c.Op)) {
			return nil, fmt.Errorf("outbox row %d: change %d of a chunk of op %q has images that op cannot have", r.Seq, i+1, string(r.Op))
		}
		out = append(out, c)
	}
	return out, nil
}

// chunkOps are the changes each op of a chunk may hold, as their images
// tell them: an update statement's chunk holds the creates and deletes of
// keys it moved, too.
var chunkOps = map[byte]string{'C': "c", 'D': "d", 'U': "cdu"}

// close turns a completed window into the next base position.
func (p position) close() (position, error) {
	_, _, xip, err := parseSnapshot(p.Win.Snap)
	if err != nil {
		return p, err
	}
	next := position{Origin: p.Origin, Snap: p.Win.Snap, Flush: p.Win.Flush, Last: p.Win.Last}
	for _, x := range xip {
		key := strconv.FormatUint(x, 10)
		b, ok := p.Bounds[key]
		if !ok {
			// Not in progress at S, so it began after S, and after L was read.
			b = p.Last
		}
		if next.Bounds == nil {
			next.Bounds = map[string]int64{}
		}
		next.Bounds[key] = b
	}
	return next, nil
}

// Purge deletes rows that the position's snapshot can see, up to its L:
// their transactions committed before S, so every one of them is in Kafka.
// An open transaction's rows are invisible to it and stay, without holding
// back the purge of everything committed around them.
func (o *outbox) Purge(ctx context.Context, raw []byte, limit int) (int64, error) {
	p, err := decodePosition(raw)
	if err != nil {
		return 0, err
	}
	res, err := o.db.ExecContext(ctx, fmt.Sprintf(`DELETE FROM %[1]s WHERE seq IN (
		SELECT seq FROM %[1]s WHERE seq <= $1 AND pg_catalog.pg_visible_in_snapshot(txid, $2::pg_catalog.pg_snapshot)
		ORDER BY seq LIMIT $3)`, ident(o.schema, "outbox")), p.Last, p.Snap, limit)
	if err != nil {
		return 0, fmt.Errorf("purge the outbox up to seq %d: %w", p.Last, err)
	}
	return res.RowsAffected()
}

// Backlog counts the changes the position has not passed: committed after
// its snapshot, less those of the window being read in pages that are
// already published (up to its cursor, visible in its snapshot), so that
// the count goes down while a large window drains.
func (o *outbox) Backlog(ctx context.Context, raw []byte) (int64, time.Time, error) {
	p, err := decodePosition(raw)
	if err != nil {
		return 0, time.Time{}, err
	}
	var cursor int64
	winSnap := p.Snap
	if p.Win != nil {
		cursor, winSnap = p.Win.Cursor, p.Win.Snap
	}
	var n int64
	var oldest stdsql.NullTime
	err = o.db.QueryRowContext(ctx, fmt.Sprintf(`SELECT coalesce(sum(coalesce(changes, 1)), 0), min(ts) FROM %s
		WHERE seq > $1 AND NOT pg_catalog.pg_visible_in_snapshot(txid, $2::pg_catalog.pg_snapshot)
		  AND NOT (seq <= $3 AND pg_catalog.pg_visible_in_snapshot(txid, $4::pg_catalog.pg_snapshot))`,
		ident(o.schema, "outbox")), p.safe(), p.Snap, cursor, winSnap).Scan(&n, &oldest)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("measure the outbox backlog: %w", err)
	}
	return n, oldest.Time, nil
}
