package postgres_test

import (
	"context"
	stdsql "database/sql"
	"fmt"
	"io"
	"log/slog"
	"strings"
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

// The outbox cursor's contract (gap-free windows, per-key order, purge,
// backlog, the lease) is tested in sql/dialecttest, run by TestContract;
// what is PostgreSQL's own stays here.

func TestPositionAfterOutboxRecreatedIsRefused(t *testing.T) {
	t.Parallel()
	db, o := captured(t)
	pgtest.Exec(t, db, `INSERT INTO t SELECT g, 0 FROM generate_series(1, 10) g`)
	var pos []byte
	for {
		b, err := o.Read(context.Background(), pos, fsql.Limit{Rows: 100})
		if err != nil {
			t.Fatal(err)
		}
		if pos = b.Next; b.Idle {
			break
		}
	}
	pgtest.Exec(t, db, `TRUNCATE ferry.outbox RESTART IDENTITY`)
	if _, err := o.Read(context.Background(), pos, fsql.Limit{Rows: 10}); err == nil {
		t.Fatal("read from a position past the sequence succeeded")
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

// TestAChunkIsReadWholeWithinTheLimitInChanges: three statements of 600
// rows are three chunks. A read with room for 1,000 changes stops before
// the chunk that would pass it; one with room for 100 still returns a
// whole chunk; every change is read once; the backlog counts changes, and
// goes down with each read of the window, which is read in pages.
func TestAChunkIsReadWholeWithinTheLimitInChanges(t *testing.T) {
	t.Parallel()
	db, o := captured(t)
	for i := range 3 {
		pgtest.Exec(t, db, fmt.Sprintf(`INSERT INTO t SELECT g, 0 FROM generate_series(%d, %d) g`, i*600+1, i*600+600))
	}
	if n := pgtest.QueryValue[int](t, db, `SELECT count(*) FROM ferry.outbox WHERE changes = 600`); n != 3 {
		t.Fatalf("%d chunks of 600, want 3", n)
	}
	if n, _, err := o.Backlog(t.Context(), nil); err != nil || n != 1800 {
		t.Fatalf("backlog %d (%v), want 1800 changes", n, err)
	}
	seen := map[string]bool{}
	var pos []byte
	var sizes []int
	for _, rows := range []int{1000, 100, 5000, 10} {
		b, err := o.Read(t.Context(), pos, fsql.Limit{Rows: rows})
		if err != nil {
			t.Fatal(err)
		}
		pos = b.Next
		sizes = append(sizes, len(b.Rows))
		if n, _, err := o.Backlog(t.Context(), pos); err != nil || n != 1800-int64(len(seen)+len(b.Rows)) {
			t.Errorf("backlog %d (%v) after reading %d changes, want %d", n, err, len(seen)+len(b.Rows), 1800-len(seen)-len(b.Rows))
		}
		for _, r := range b.Rows {
			if r.Op != 'c' || r.Before != nil || r.After == nil {
				t.Fatalf("change of op %c, before %s, after %s", r.Op, r.Before, r.After)
			}
			if seen[string(r.After)] {
				t.Fatalf("read %s twice", r.After)
			}
			seen[string(r.After)] = true
		}
	}
	if fmt.Sprint(sizes) != "[600 600 600 0]" || len(seen) != 1800 {
		t.Fatalf("reads of 1000, 100, 5000 and 10 changes returned %v changes, %d distinct; want [600 600 600 0], 1800", sizes, len(seen))
	}
}

// TestAMalformedChunkStopsTheRead: a chunk whose arrays do not match its
// count or its op is an error, never a guess.
func TestAMalformedChunkStopsTheRead(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{
		`'C', 2, NULL, '[{"id":1,"v":0}]'`,
		`'C', 1, NULL, '{"id":1,"v":0}'`,
		`'D', 1, NULL, '[{"id":1,"v":0}]'`,
		`'U', 1, '[null]', '[null]'`,
	} {
		db, o := captured(t)
		pgtest.Exec(t, db, `INSERT INTO ferry.outbox (table_id, op, changes, before, after) VALUES (1, `+bad+`)`)
		if b, err := o.Read(t.Context(), nil, fsql.Limit{Rows: 10}); err == nil {
			t.Errorf("chunk %s: read %d changes, want an error", bad, len(b.Rows))
		} else if !strings.Contains(err.Error(), "outbox row 1") {
			t.Errorf("chunk %s: error %q does not name the row", bad, err)
		}
	}
}
