package dialecttest

import (
	"context"
	"strings"
	"testing"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// testLeader: one relay of a source holds the lease at a time; another
// source's lease is independent; a released lease is free, and so is the
// lease of a relay whose session died, which learns that it lost it.
func testLeader(t *testing.T, s *suite) {
	db := s.h.NewDB(t)
	ctx := t.Context()
	schema := s.schema(db)
	a := s.src.Leader(db, schema, "hq")
	b := s.src.Leader(db, schema, "hq")
	other := s.src.Leader(db, schema, "branch")
	if ok, err := a.TryAcquire(ctx); !ok || err != nil {
		t.Fatalf("a: %v %v", ok, err)
	}
	if ok, err := b.TryAcquire(ctx); ok || err != nil {
		t.Fatalf("b took a held lease: %v %v", ok, err)
	}
	if ok, err := other.TryAcquire(ctx); !ok || err != nil {
		t.Fatalf("another source's lease is not independent: %v %v", ok, err)
	}
	if err := other.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.Check(ctx); err != nil {
		t.Fatalf("a holds the lease: %v", err)
	}
	s.h.EndSession(t, db, a)
	if err := a.Check(ctx); err == nil {
		t.Fatal("a still thinks it leads after its session ended")
	}
	if ok, err := b.TryAcquire(ctx); !ok || err != nil {
		t.Fatalf("b could not take over: %v %v", ok, err)
	}
	if ok, err := a.TryAcquire(ctx); ok || err != nil {
		t.Fatalf("a took the lease b holds: %v %v", ok, err)
	}
	if err := b.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, err := a.TryAcquire(ctx); !ok || err != nil {
		t.Fatalf("a could not take a released lease: %v %v", ok, err)
	}
	if err := a.Release(ctx); err != nil {
		t.Fatal(err)
	}
}

// leaseHolder is an optional part of a Source: who holds a relay's lease,
// for `ferry status` (cmd/ferry/status.go declares the same).
type leaseHolder interface {
	LeaseHolder(ctx context.Context, q fsql.Querier, captureSchema, source string) (*fsql.LeaseHolder, error)
}

// testLeaseHolder: the source names the session that holds a relay's
// lease, and no one while the lease is free or only another source's is
// held.
func testLeaseHolder(t *testing.T, s *suite) {
	lh, ok := s.src.(leaseHolder)
	if !ok {
		t.Skipf("%s cannot say who holds a lease", s.d.Name())
	}
	db := s.h.NewDB(t)
	ctx := t.Context()
	schema := s.schema(db)
	holder := func(source string) *fsql.LeaseHolder {
		t.Helper()
		h, err := lh.LeaseHolder(ctx, db, schema, source)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	if h := holder("hq"); h != nil {
		t.Fatalf("a free lease is held by %+v", h)
	}
	other := s.src.Leader(db, schema, "branch")
	if ok, err := other.TryAcquire(ctx); !ok || err != nil {
		t.Fatalf("branch: %v %v", ok, err)
	}
	if h := holder("hq"); h != nil {
		t.Fatalf("with only branch's lease held, hq's is held by %+v", h)
	}
	a := s.src.Leader(db, schema, "hq")
	if ok, err := a.TryAcquire(ctx); !ok || err != nil {
		t.Fatalf("hq: %v %v", ok, err)
	}
	h := holder("hq")
	if h == nil || h.PID == 0 || h.Since.IsZero() || !strings.Contains(h.Application, "hq") {
		t.Fatalf("hq's lease is held by %+v, want the session, its start and an application naming hq", h)
	}
	if b := holder("branch"); b == nil || b.PID == h.PID || !strings.Contains(b.Application, "branch") {
		t.Fatalf("branch's lease is held by %+v, want a session other than hq's (%d)", b, h.PID)
	}
	if err := a.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if h := holder("hq"); h != nil {
		t.Fatalf("a released lease is held by %+v", h)
	}
	if err := other.Release(ctx); err != nil {
		t.Fatal(err)
	}
}
