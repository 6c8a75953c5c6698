package dialecttest

import "testing"

// testLeader: one relay of a source holds the lease at a time; another
// source's lease is independent; a released lease is free, and so is the
// lease of a relay whose session died, which learns that it lost it.
func testLeader(t *testing.T, s *suite) {
	db := s.h.NewDB(t)
	ctx := t.Context()
	schema := s.d.Fold(captureSchema)
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
