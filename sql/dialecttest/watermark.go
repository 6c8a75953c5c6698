package dialecttest

import (
	"fmt"
	"slices"
	"testing"
)

// testWatermark: a snapshot's watermark (Outbox.Mark) is covered by no
// position that has not read every change committed before it was taken,
// and by the position the reader reaches soon after it has. A change still
// uncommitted when the mark is taken is not the mark's: where open
// transactions hold the window back, the mark is covered once it commits
// and is read; elsewhere at once.
func testWatermark(t *testing.T, s *suite) {
	db, o := s.counted(t)
	ctx := t.Context()
	r := s.newReader(t, db, o)
	r.drain(100)
	before := r.pos
	s.exec(t, db.DB, `INSERT INTO t (id, v) VALUES (1, 0)`)
	m1, err := o.Mark(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := o.Covers(before, m1); err != nil || ok {
		t.Fatalf("a position from before id 1 committed covers a mark taken after: %v %v", ok, err)
	}
	open := begin(t, db.DB)
	s.exec(t, open, `INSERT INTO t (id, v) VALUES (2, 0)`)
	m2, err := o.Mark(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.exec(t, db.DB, `INSERT INTO t (id, v) VALUES (3, 0)`)
	r.coveredAfter(m1, 1)
	if !s.h.OpenTransactionsHoldBack() {
		// Nothing the mark stands for is open: it is covered while id 2's
		// transaction is, without it.
		r.coveredAfter(m2, 1)
	} else if ok, err := o.Covers(r.pos, m2); err != nil || ok {
		t.Fatalf("a mark taken while id 2 was written is covered before id 2 commits: %v %v", ok, err)
	}
	if err := open.Commit(); err != nil {
		t.Fatal(err)
	}
	m3, err := o.Mark(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r.coveredAfter(m3, 1, 2, 3)
}

// coveredAfter reads on until the reader's position covers mark, a few
// reads at most, and fails unless every id in want was read by then.
// Every position on the way that covers mark is checked too.
func (r *reader) coveredAfter(mark []byte, want ...int) {
	r.t.Helper()
	for range 5 {
		ok, err := r.o.Covers(r.pos, mark)
		if err != nil {
			r.t.Fatal(err)
		}
		if ok {
			read := ids(r.t, r.order)
			for _, id := range want {
				if !slices.Contains(read, id) {
					r.t.Fatalf("the position covers the mark with only %v read, want %v read", read, want)
				}
			}
			return
		}
		r.drain(1)
	}
	r.t.Fatalf("the mark is not covered after reading %v and %s", ids(r.t, r.order), fmt.Sprint("five more windows"))
}
