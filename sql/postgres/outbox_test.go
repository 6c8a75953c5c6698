package postgres_test

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/migrations"
	fsql "github.com/ferry-cdc/ferry/sql"
	"github.com/ferry-cdc/ferry/sql/postgres"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// captured returns a database with table t(id int primary key, v int) captured.
func captured(t *testing.T) (*stdsql.DB, fsql.Outbox) {
	t.Helper()
	db := capture(t, `CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL)`, "t")
	db.SetMaxOpenConns(20)
	return db, postgres.Dialect{}.Source().Outbox(db, "ferry")
}

// capture returns a database with the table ddl creates, called name, captured.
func capture(t *testing.T, ddl, name string) *stdsql.DB {
	t.Helper()
	_, db := pgtest.NewDB(t)
	pgtest.Exec(t, db, ddl)
	src := &config.Source{Name: "hq", Dialect: "postgres", CaptureSchema: "ferry", Tables: []config.Table{{Name: name}}}
	m, err := migrations.New(src, postgres.Dialect{}, db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// reader follows the outbox the way the relay does, position by position.
type reader struct {
	t     *testing.T
	o     fsql.Outbox
	pos   []byte
	seen  map[int64]int
	order []fsql.OutboxRow
}

func newReader(t *testing.T, o fsql.Outbox) *reader {
	return &reader{t: t, o: o, seen: map[int64]int{}}
}

// drain reads until the outbox is idle and returns what it read.
func (r *reader) drain(limit int) []fsql.OutboxRow {
	r.t.Helper()
	var got []fsql.OutboxRow
	for i := 0; ; i++ {
		b, err := r.o.Read(context.Background(), r.pos, fsql.Limit{Rows: limit})
		if err != nil {
			r.t.Fatal(err)
		}
		r.pos = b.Next
		for _, row := range b.Rows {
			r.seen[row.Seq]++
			if r.seen[row.Seq] > 1 {
				r.t.Fatalf("seq %d read twice", row.Seq)
			}
		}
		got = append(got, b.Rows...)
		r.order = append(r.order, b.Rows...)
		if b.Idle || (len(b.Rows) == 0 && i > 2) {
			return got
		}
	}
}

func ids(rows []fsql.OutboxRow) []int {
	var out []int
	for _, r := range rows {
		var img struct{ ID int }
		if err := json.Unmarshal(r.After, &img); err != nil {
			json.Unmarshal(r.Before, &img)
		}
		out = append(out, img.ID)
	}
	return out
}

func TestOutOfOrderCommitIsNeitherSkippedNorDoubled(t *testing.T) {
	t.Parallel()
	db, o := captured(t)
	r := newReader(t, o)
	r.drain(100)

	a, _ := db.Begin()
	b, _ := db.Begin()
	mustExec(t, a, `INSERT INTO t VALUES (1, 0)`) // A writes first: smaller xid, smaller seq
	mustExec(t, b, `INSERT INTO t VALUES (2, 0)`)
	if got := r.drain(100); len(got) != 0 {
		t.Fatalf("uncommitted rows read: %v", ids(got))
	}
	if err := b.Commit(); err != nil { // B commits first
		t.Fatal(err)
	}
	if got := ids(r.drain(100)); fmt.Sprint(got) != "[2]" {
		t.Fatalf("after B commits: read %v, want [2]", got)
	}
	mustExec(t, a, `INSERT INTO t VALUES (3, 0)`) // A writes again after B's rows were read
	if err := a.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := ids(r.drain(100)); fmt.Sprint(got) != "[1 3]" {
		t.Fatalf("after A commits: read %v, want [1 3]", got)
	}
	if got := r.drain(100); len(got) != 0 {
		t.Fatalf("read again: %v", ids(got))
	}
}

func TestLongTransactionDoesNotHoldBackOthers(t *testing.T) {
	t.Parallel()
	db, o := captured(t)
	r := newReader(t, o)
	long, _ := db.Begin()
	mustExec(t, long, `INSERT INTO t VALUES (1000, 0)`)
	for i := 1; i <= 5; i++ {
		pgtest.Exec(t, db, fmt.Sprintf(`INSERT INTO t VALUES (%d, 0)`, i))
		// Each short transaction is read on the very next read.
		if got := ids(r.drain(100)); fmt.Sprint(got) != fmt.Sprintf("[%d]", i) {
			t.Fatalf("short transaction %d: read %v", i, got)
		}
	}
	mustExec(t, long, `INSERT INTO t VALUES (1001, 0)`)
	long.Commit()
	if got := ids(r.drain(100)); fmt.Sprint(got) != "[1000 1001]" {
		t.Fatalf("long transaction: read %v", got)
	}
}

func TestPagedWindowSurvivesRestartAtEveryPage(t *testing.T) {
	t.Parallel()
	db, _ := captured(t)
	pgtest.Exec(t, db, `INSERT INTO t SELECT g, 0 FROM generate_series(1, 1000) g`)
	var pos []byte
	var got []int
	for i := 0; i < 100; i++ {
		// A fresh reader per page, from the stored position: a restart.
		fresh := postgres.Dialect{}.Source().Outbox(db, "ferry")
		b, err := fresh.Read(context.Background(), pos, fsql.Limit{Rows: 97})
		if err != nil {
			t.Fatal(err)
		}
		pos = b.Next
		got = append(got, ids(b.Rows)...)
		if i == 3 {
			// Commits in the middle of a window land in a later window.
			pgtest.Exec(t, db, `INSERT INTO t VALUES (5000, 0)`)
		}
		if b.Idle {
			break
		}
	}
	if len(got) != 1001 || got[1000] != 5000 {
		t.Fatalf("read %d rows, last %v", len(got), got[len(got)-3:])
	}
	for i := 0; i < 1000; i++ {
		if got[i] != i+1 {
			t.Fatalf("row %d is id %d", i, got[i])
		}
	}
}

// TestPerKeyOrderUnderConcurrentWritersAndReads: many transactions update a
// few keys while a reader follows; each key's values must arrive in the
// order they were committed (increments: 1, 2, 3, ...), none missing.
func TestPerKeyOrderUnderConcurrentWritersAndReads(t *testing.T) {
	t.Parallel()
	db, o := captured(t)
	const keys, writers, each = 4, 8, 60
	pgtest.Exec(t, db, fmt.Sprintf(`INSERT INTO t SELECT g, 0 FROM generate_series(1, %d) g`, keys))
	r := newReader(t, o)
	r.drain(50)
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				tx, err := db.Begin()
				if err != nil {
					t.Error(err)
					return
				}
				// Unrelated write first: xid order differs from commit order.
				if _, err := tx.Exec(`INSERT INTO t VALUES ($1, 0)`, 1000+w*each+i); err != nil {
					t.Error(err)
				}
				if _, err := tx.Exec(`UPDATE t SET v = v + 1 WHERE id = $1`, 1+rand.IntN(keys)); err != nil {
					t.Error(err)
				}
				tx.Commit()
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
			r.drain(7)
		}
	}
	r.drain(7)
	last := map[int]int{}
	updates := 0
	for _, row := range r.order {
		if row.Op != 'u' {
			continue
		}
		var img struct{ ID, V int }
		json.Unmarshal(row.After, &img)
		if img.V != last[img.ID]+1 {
			t.Fatalf("key %d went %d -> %d", img.ID, last[img.ID], img.V)
		}
		last[img.ID] = img.V
		updates++
	}
	if updates != writers*each {
		t.Fatalf("read %d updates, want %d", updates, writers*each)
	}
	if n := pgtest.QueryValue[int](t, db, `SELECT count(*) FROM ferry.outbox`); n != len(r.seen) {
		t.Fatalf("read %d rows of %d", len(r.seen), n)
	}
}

func TestRollbackIsNeverReadAndPurgeKeepsUnread(t *testing.T) {
	t.Parallel()
	db, o := captured(t)
	tx, _ := db.Begin()
	mustExec(t, tx, `INSERT INTO t VALUES (1, 0)`)
	open, _ := db.Begin()
	mustExec(t, open, `INSERT INTO t VALUES (2, 0)`)
	tx.Rollback()
	pgtest.Exec(t, db, `INSERT INTO t VALUES (3, 0)`)
	r := newReader(t, o)
	if got := ids(r.drain(10)); fmt.Sprint(got) != "[3]" {
		t.Fatalf("read %v, want [3]", got)
	}
	// Purge takes what was read and leaves the open transaction's row.
	if _, err := o.Purge(context.Background(), r.pos, 10); err != nil {
		t.Fatal(err)
	}
	if n := pgtest.QueryValue[int](t, db, `SELECT count(*) FROM ferry.outbox WHERE (after->>'id')::int = 3`); n != 0 {
		t.Error("purge kept a row that was read")
	}
	open.Commit()
	if n := pgtest.QueryValue[int](t, db, `SELECT count(*) FROM ferry.outbox WHERE (after->>'id')::int = 2`); n != 1 {
		t.Fatal("purge deleted a row of a transaction still open")
	}
	if n, _, err := o.Backlog(context.Background(), r.pos); err != nil || n != 1 {
		t.Errorf("backlog %d %v, want 1", n, err)
	}
	if got := ids(r.drain(10)); fmt.Sprint(got) != "[2]" {
		t.Fatalf("after commit read %v, want [2]", got)
	}
	// Once everything is read, purge empties the outbox, in batches.
	for {
		n, err := o.Purge(context.Background(), r.pos, 1)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	if n := pgtest.QueryValue[int](t, db, `SELECT count(*) FROM ferry.outbox`); n != 0 {
		t.Errorf("%d rows left after purging a fully read outbox", n)
	}
}

func TestPositionAfterOutboxRecreatedIsRefused(t *testing.T) {
	t.Parallel()
	db, o := captured(t)
	pgtest.Exec(t, db, `INSERT INTO t SELECT g, 0 FROM generate_series(1, 10) g`)
	r := newReader(t, o)
	r.drain(100)
	pgtest.Exec(t, db, `TRUNCATE ferry.outbox RESTART IDENTITY`)
	if _, err := o.Read(context.Background(), r.pos, fsql.Limit{Rows: 10}); err == nil {
		t.Fatal("read from a position past the sequence succeeded")
	}
}

func TestLeaderLeaseIsExclusiveAndFreedWhenTheSessionDies(t *testing.T) {
	t.Parallel()
	dsn, db := pgtest.NewDB(t)
	ctx := context.Background()
	a := postgres.Dialect{}.Source().Leader(db, "ferry", "hq")
	db2 := pgtest.Open(t, dsn)
	b := postgres.Dialect{}.Source().Leader(db2, "ferry", "hq")
	other := postgres.Dialect{}.Source().Leader(db2, "ferry", "branch")
	if ok, err := a.TryAcquire(ctx); !ok || err != nil {
		t.Fatalf("a: %v %v", ok, err)
	}
	if ok, err := b.TryAcquire(ctx); ok || err != nil {
		t.Fatalf("b took a held lease: %v %v", ok, err)
	}
	if ok, _ := other.TryAcquire(ctx); !ok {
		t.Fatal("another source's lease is not independent")
	}
	if err := a.Check(ctx); err != nil {
		t.Fatal(err)
	}
	// Kill a's session from the server side, as a crash would: only this
	// test's database's (the server is shared), and wait until it is gone,
	// lock and all (a timeout makes pg_terminate_backend wait).
	pgtest.Exec(t, db2, `SELECT pg_terminate_backend(pid, 60000) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()
AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`)
	if err := a.Check(ctx); err == nil {
		t.Fatal("a still thinks it leads")
	}
	if ok, err := b.TryAcquire(ctx); !ok || err != nil {
		t.Fatalf("b could not take over: %v %v", ok, err)
	}
}

func mustExec(t *testing.T, tx *stdsql.Tx, q string) {
	t.Helper()
	if _, err := tx.Exec(q); err != nil {
		t.Fatal(err)
	}
}

// TestALimitInBytesCutsTheWindow: 20 changes of about 100 kB each, read
// with a limit of 1000 rows and about 3.5 changes' worth of bytes. Each
// batch stays within the bytes (as the outbox stores the images) and ends
// only where the next change would pass them; a change larger than the
// limit comes alone; every change is read once, in order.
func TestALimitInBytesCutsTheWindow(t *testing.T) {
	t.Parallel()
	db := capture(t, `CREATE TABLE docs (id int PRIMARY KEY, body text)`, "docs")
	for i := 1; i <= 20; i++ {
		// Random hex, which TOAST compresses little; one in five is large.
		n := 3000
		if i%5 == 0 {
			n = 12000
		}
		pgtest.Exec(t, db, fmt.Sprintf(`INSERT INTO docs SELECT %d, string_agg(md5(random()::text), '') FROM generate_series(1, %d)`, i, n))
	}
	sizes := map[int64]int64{}
	rows, err := db.Query(`SELECT seq, pg_column_size(after) FROM ferry.outbox`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var seq, n int64
		rows.Scan(&seq, &n)
		sizes[seq] = n
	}
	rows.Close()
	limit := fsql.Limit{Rows: 1000, Bytes: sizes[1] * 7 / 2}

	o := postgres.Dialect{}.Source().Outbox(db, "ferry")
	var pos []byte
	var read []int64
	alone := 0
	for batches := 0; len(read) < 20; batches++ {
		if batches > 40 {
			t.Fatalf("read %d changes in %d batches", len(read), batches)
		}
		b, err := o.Read(context.Background(), pos, limit)
		if err != nil {
			t.Fatal(err)
		}
		pos = b.Next
		if len(b.Rows) == 0 {
			continue
		}
		var sum int64
		for _, r := range b.Rows {
			sum += sizes[r.Seq]
			read = append(read, r.Seq)
		}
		next := b.Rows[len(b.Rows)-1].Seq + 1
		if len(b.Rows) == 1 && sum > limit.Bytes {
			alone++
		}
		switch {
		case len(b.Rows) > 1 && sum > limit.Bytes:
			t.Errorf("a batch of %d changes holds %d bytes, more than %d", len(b.Rows), sum, limit.Bytes)
		case sizes[next] != 0 && sum+sizes[next] <= limit.Bytes:
			t.Errorf("a batch of %d changes (%d bytes) ended before seq %d (%d bytes), which fitted", len(b.Rows), sum, next, sizes[next])
		}
	}
	for i, seq := range read {
		if seq != int64(i+1) {
			t.Fatalf("read seqs %v, want 1 to 20 in order", read)
		}
	}
	if alone != 4 {
		t.Errorf("%d changes larger than the limit came alone, want the 4 large ones", alone)
	}
}
