package dialecttest

import (
	stdsql "database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// counter is the table most cursor tests capture: t(id, v), both integers.
var counter = Table{Name: "t", Key: []string{"id"}, Columns: []Column{
	{Name: "id", Kind: fsql.KindInteger}, {Name: "v", Kind: fsql.KindInteger},
}}

// capturedDB is a test's database with its captured table as Describe
// read it.
type capturedDB struct {
	*stdsql.DB
	tbl *fsql.Table
}

// counted returns a database with counter captured, and its outbox.
func (s *suite) counted(t *testing.T) (*capturedDB, fsql.Outbox) {
	t.Helper()
	db := s.h.NewDB(t)
	db.SetMaxOpenConns(20)
	tbl := s.capture(t, db, counter)
	return &capturedDB{DB: db, tbl: tbl}, s.outbox(db)
}

// reader follows the outbox the way the relay does, position by position,
// and fails the test if it reads a change twice.
type reader struct {
	t     *testing.T
	s     *suite
	tbl   *capturedDB
	o     fsql.Outbox
	pos   []byte
	seen  map[changeID]int
	order []row
}

// row is an outbox row with its images in neutral forms.
type row struct {
	fsql.OutboxRow
	before, after map[string]json.RawMessage
}

// changeID identifies a change: a chunk's changes (one statement's, stored
// as one outbox row) share its seq, and each has its own key.
type changeID struct {
	seq int64
	id  int
}

// id is the row's key: the after image's, or the before image's for a delete.
func (r row) id(t *testing.T) int {
	if r.after != nil {
		return intOf(t, r.after["id"])
	}
	return intOf(t, r.before["id"])
}

func (s *suite) newReader(t *testing.T, db *capturedDB, o fsql.Outbox) *reader {
	return &reader{t: t, s: s, tbl: db, o: o, seen: map[changeID]int{}}
}

// drain reads until the outbox is idle and returns what it read.
func (r *reader) drain(limit int) []row {
	r.t.Helper()
	var got []row
	for i := 0; ; i++ {
		b, err := r.o.Read(r.t.Context(), r.pos, fsql.Limit{Rows: limit})
		if err != nil {
			r.t.Fatal(err)
		}
		r.pos = b.Next
		for _, or := range b.Rows {
			x := row{OutboxRow: or}
			if or.Before != nil {
				x.before = r.s.neutral(r.t, r.tbl.tbl, counter.Key, or.Before)
			}
			if or.After != nil {
				x.after = r.s.neutral(r.t, r.tbl.tbl, counter.Key, or.After)
			}
			c := changeID{or.Seq, x.id(r.t)}
			r.seen[c]++
			if r.seen[c] > 1 {
				r.t.Fatalf("seq %d key %d read twice", c.seq, c.id)
			}
			got = append(got, x)
		}
		r.order = append(r.order, got[len(got)-len(b.Rows):]...)
		if b.Idle || (len(b.Rows) == 0 && i > 2) {
			return got
		}
	}
}

func ids(t *testing.T, rows []row) []int {
	var out []int
	for _, r := range rows {
		out = append(out, r.id(t))
	}
	return out
}

func sorted(xs []int) []int {
	slices.Sort(xs)
	return xs
}

// testOutOfOrderCommit: A writes first, B writes and commits first. B's
// change is never skipped for A's, and A's appears once A commits, even
// when A writes again after B's change was read (design.md, trap 1).
func testOutOfOrderCommit(t *testing.T, s *suite) {
	db, o := s.counted(t)
	r := s.newReader(t, db, o)
	r.drain(100)

	a, b := begin(t, db.DB), begin(t, db.DB)
	s.exec(t, a, `INSERT INTO t (id, v) VALUES (1, 0)`) // A writes first
	s.exec(t, b, `INSERT INTO t (id, v) VALUES (2, 0)`)
	if got := r.drain(100); len(got) != 0 {
		t.Fatalf("uncommitted rows read: %v", ids(t, got))
	}
	if err := b.Commit(); err != nil { // B commits first
		t.Fatal(err)
	}
	afterB := ids(t, r.drain(100))
	if s.h.OpenTransactionsHoldBack() {
		if len(afterB) != 0 {
			t.Fatalf("after B commits, with A open: read %v, want nothing (the window stops at A)", afterB)
		}
	} else if fmt.Sprint(afterB) != "[2]" {
		t.Fatalf("after B commits: read %v, want [2]", afterB)
	}
	s.exec(t, a, `INSERT INTO t (id, v) VALUES (3, 0)`) // A writes again after B's rows were read
	if err := a.Commit(); err != nil {
		t.Fatal(err)
	}
	all := sorted(append(afterB, ids(t, r.drain(100))...))
	if fmt.Sprint(all) != "[1 2 3]" {
		t.Fatalf("after A commits: read %v in all, want [1 2 3]", all)
	}
	if got := r.drain(100); len(got) != 0 {
		t.Fatalf("read again: %v", ids(t, got))
	}
}

// testLongTransaction: short transactions commit while a long one stays
// open. Depending on the dialect they are read at once or only after the
// long one ends; the long one's changes never before it commits, and once
// it has, everything is read, once.
func testLongTransaction(t *testing.T, s *suite) {
	db, o := s.counted(t)
	r := s.newReader(t, db, o)
	long := begin(t, db.DB)
	s.exec(t, long, `INSERT INTO t (id, v) VALUES (1000, 0)`)
	var early []int
	for i := 1; i <= 5; i++ {
		s.exec(t, db.DB, fmt.Sprintf(`INSERT INTO t (id, v) VALUES (%d, 0)`, i))
		got := ids(t, r.drain(100))
		early = append(early, got...)
		switch {
		case s.h.OpenTransactionsHoldBack() && len(got) != 0:
			t.Fatalf("short transaction %d: read %v while the long one is open, want nothing", i, got)
		case !s.h.OpenTransactionsHoldBack() && fmt.Sprint(got) != fmt.Sprintf("[%d]", i):
			// Each short transaction is read on the very next read.
			t.Fatalf("short transaction %d: read %v", i, got)
		}
	}
	s.exec(t, long, `INSERT INTO t (id, v) VALUES (1001, 0)`)
	if err := long.Commit(); err != nil {
		t.Fatal(err)
	}
	late := ids(t, r.drain(100))
	if !s.h.OpenTransactionsHoldBack() && fmt.Sprint(late) != "[1000 1001]" {
		t.Fatalf("long transaction: read %v", late)
	}
	if all := sorted(append(early, late...)); fmt.Sprint(all) != "[1 2 3 4 5 1000 1001]" {
		t.Fatalf("read %v in all, want every change once", all)
	}
	if i, j := slices.Index(late, 1000), slices.Index(late, 1001); i < 0 || j < i {
		t.Errorf("the long transaction's changes came as %v, want 1000 before 1001", late)
	}
}

// testPerKeyOrder: many transactions update a few keys while a reader
// follows; each key's values must arrive in the order they were committed
// (increments: 1, 2, 3, ...), none missing (design.md, trap 2).
func testPerKeyOrder(t *testing.T, s *suite) {
	db, o := s.counted(t)
	const keys, writers, each = 4, 8, 60
	for k := 1; k <= keys; k++ {
		s.exec(t, db.DB, fmt.Sprintf(`INSERT INTO t (id, v) VALUES (%d, 0)`, k))
	}
	r := s.newReader(t, db, o)
	r.drain(50)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				tx, err := db.BeginTx(t.Context(), nil)
				if err != nil {
					t.Error(err)
					return
				}
				// An unrelated write first: the order in which transactions
				// start writing differs from the order they commit.
				if err := s.h.Exec(t.Context(), tx, fmt.Sprintf(`INSERT INTO t (id, v) VALUES (%d, 0)`, 1000+w*each+i)); err != nil {
					t.Error(err)
				}
				if err := s.h.Exec(t.Context(), tx, fmt.Sprintf(`UPDATE t SET v = v + 1 WHERE id = %d`, 1+rand.IntN(keys))); err != nil {
					t.Error(err)
				}
				if err := tx.Commit(); err != nil {
					t.Error(err)
				}
			}
		})
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
	for _, x := range r.order {
		if x.Op != 'u' {
			continue
		}
		id, v := intOf(t, x.after["id"]), intOf(t, x.after["v"])
		if v != last[id]+1 {
			t.Fatalf("key %d went %d -> %d", id, last[id], v)
		}
		last[id] = v
		updates++
	}
	if updates != writers*each {
		t.Fatalf("read %d updates, want %d", updates, writers*each)
	}
	if want := keys + 2*writers*each; len(r.seen) != want {
		t.Fatalf("read %d changes, want %d", len(r.seen), want)
	}
}

// testPositionRoundTrip: a relay stores each position as bytes and a
// fresh outbox, as after a restart, reads on from it: 1024 changes of
// multi-row statements read in pages of 97, every one once, in order, and
// a change that commits in the middle lands in a later page.
func testPositionRoundTrip(t *testing.T, s *suite) {
	db, _ := s.counted(t)
	s.exec(t, db.DB, `INSERT INTO t (id, v) VALUES (1, 0)`)
	for n := 1; n < 1024; n *= 2 {
		s.exec(t, db.DB, fmt.Sprintf(`INSERT INTO t (id, v) SELECT id + %d, v FROM t`, n))
	}
	var stored string
	var got []row
	for i := 0; ; i++ {
		if i > 100 {
			t.Fatalf("read %d changes in %d pages", len(got), i)
		}
		fresh := s.outbox(db.DB)
		b, err := fresh.Read(t.Context(), []byte(stored), fsql.Limit{Rows: 97})
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid(b.Next) {
			t.Fatalf("position %q is not JSON", b.Next)
		}
		stored = string(b.Next)
		for _, or := range b.Rows {
			got = append(got, row{OutboxRow: or, after: s.neutral(t, db.tbl, counter.Key, or.After)})
		}
		if i == 3 {
			s.exec(t, db.DB, `INSERT INTO t (id, v) VALUES (5000, 0)`)
		}
		if b.Idle {
			break
		}
	}
	all := ids(t, got)
	if len(all) != 1025 || all[1024] != 5000 {
		t.Fatalf("read %d changes, the last %v, want 1025 ending with 5000", len(all), all[max(0, len(all)-3):])
	}
	for i, id := range sorted(slices.Clone(all[:1024])) {
		if id != i+1 {
			t.Fatalf("read ids %v, want 1 to 1024 once each", all[:1024])
		}
	}
	for i := 1; i < len(got); i++ {
		if got[i].Seq < got[i-1].Seq || (got[i].Seq == got[i-1].Seq && got[i].TxID != got[i-1].TxID) {
			t.Fatalf("change %d has seq %d (transaction %d) after seq %d (transaction %d): not in order",
				i, got[i].Seq, got[i].TxID, got[i-1].Seq, got[i-1].TxID)
		}
	}
}

// testPurgeAndBacklog: a rolled-back change is never read; Purge deletes
// what every later position has passed and keeps a change of a transaction
// still open; Backlog counts what is committed and not read.
func testPurgeAndBacklog(t *testing.T, s *suite) {
	db, o := s.counted(t)
	ctx := t.Context()
	tx := begin(t, db.DB)
	s.exec(t, tx, `INSERT INTO t (id, v) VALUES (1, 0)`)
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	s.exec(t, db.DB, `INSERT INTO t (id, v) VALUES (3, 0)`)
	if n, oldest, err := o.Backlog(ctx, nil); err != nil || n != 1 || oldest.IsZero() {
		t.Fatalf("backlog from the start: %d %v %v, want 1 change with its time", n, oldest, err)
	}
	r := s.newReader(t, db, o)
	if got := ids(t, r.drain(10)); fmt.Sprint(got) != "[3]" {
		t.Fatalf("read %v, want [3]", got)
	}
	open := begin(t, db.DB)
	s.exec(t, open, `INSERT INTO t (id, v) VALUES (2, 0)`)
	if _, err := o.Purge(ctx, r.pos, 10); err != nil {
		t.Fatal(err)
	}
	if err := open.Commit(); err != nil {
		t.Fatal(err)
	}
	// What is left is what a reader from the start reads: the open
	// transaction's change, and not the purged one.
	if b, err := s.outbox(db.DB).Read(ctx, nil, fsql.Limit{Rows: 10}); err != nil {
		t.Fatal(err)
	} else if len(b.Rows) != 1 || intOf(t, s.neutral(t, db.tbl, counter.Key, b.Rows[0].After)["id"]) != 2 {
		t.Fatalf("after the purge the outbox holds %d changes, want only id 2's", len(b.Rows))
	}
	if n, _, err := o.Backlog(ctx, r.pos); err != nil || n != 1 {
		t.Errorf("backlog %d %v, want 1", n, err)
	}
	if got := ids(t, r.drain(10)); fmt.Sprint(got) != "[2]" {
		t.Fatalf("after commit read %v, want [2]", got)
	}
	if n, _, err := o.Backlog(ctx, r.pos); err != nil || n != 0 {
		t.Errorf("backlog after reading everything %d %v, want 0", n, err)
	}
	// Once everything is read, purge empties the outbox, in batches.
	for i := 0; ; i++ {
		n, err := o.Purge(ctx, r.pos, 1)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if n != 1 || i > 5 {
			t.Fatalf("purge with limit 1 deleted %d rows (round %d)", n, i)
		}
	}
	if n, _, err := o.Backlog(ctx, nil); err != nil || n != 0 {
		t.Errorf("%d changes left after purging a fully read outbox (%v)", n, err)
	}
}
