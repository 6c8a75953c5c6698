package dialecttest

import (
	stdsql "database/sql"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/ferry-cdc/ferry/applier/bookkeeping"
	fsql "github.com/ferry-cdc/ferry/sql"
)

// store prepares the applier's tables in a new database and returns the
// records of group there.
func (s *suite) store(t *testing.T, group string) (*stdsql.DB, *bookkeeping.Store) {
	t.Helper()
	db := s.h.NewDB(t)
	store := bookkeeping.New(s.tgt.Bookkeeping(s.schema(db)), group)
	if err := store.Prepare(t.Context(), db, s.schema(db)); err != nil {
		t.Fatal(err)
	}
	return db, store
}

// commit commits tx and fails the test if it cannot.
func commit(t *testing.T, tx *stdsql.Tx) {
	t.Helper()
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// testBlockedAndHeld: keys blocked behind the DLQ are counted, changed,
// released and forgotten by prefix; held changes keep their message byte
// for byte (nil apart from empty), in the order they were held, each key
// with the least kind it holds; DropHeld, Unhold and ForgetKeys remove
// exactly theirs; another group sees none of it.
func testBlockedAndHeld(t *testing.T, s *suite) {
	db, store := s.store(t, "dialecttest")
	ctx := t.Context()
	long := "r1|" + strings.Repeat("ключ", 300) // keys are any length
	keys := []string{"r1|{\"id\":1}", "r1|{\"id\":2}", long, "r2|{\"id\":1}"}

	anyBlocked := func(store *bookkeeping.Store, want bool) {
		t.Helper()
		if found, err := store.AnyBlocked(ctx, db); err != nil || found != want {
			t.Fatalf("any blocked: %v %v, want %v", found, err, want)
		}
	}
	anyBlocked(store, false)
	tx := begin(t, db)
	if err := store.SetBlocked(ctx, tx, map[string]int{keys[0]: 1, keys[1]: 2, long: 3, keys[3]: 4}); err != nil {
		t.Fatal(err)
	}
	if err := store.SetBlocked(ctx, tx, map[string]int{keys[1]: 5, keys[0]: 0}); err != nil {
		t.Fatal(err)
	}
	blocked, err := store.Blocked(ctx, tx, append(keys, "r1|{\"id\":9}"))
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{keys[1]: 5, long: 3, keys[3]: 4}; !maps.Equal(blocked, want) {
		t.Fatalf("blocked %v, want %v", blocked, want)
	}
	commit(t, tx)
	anyBlocked(store, true)
	anyBlocked(bookkeeping.New(s.tgt.Bookkeeping(s.schema(db)), "another"), false)

	held := []fsql.HeldChange{
		{Key: keys[0], Kind: fsql.HeldByRule, Topic: "hq.public.emp", Partition: 3, Offset: 10, Reason: "a rule: ü", MessageKey: []byte(`{"id":1}`), MessageValue: []byte{0, 1, 2}},
		{Key: keys[0], Kind: fsql.HeldForRow, Topic: "hq.public.emp", Partition: 3, Offset: 11, Reason: "a parent", MessageKey: []byte(`{"id":1}`), MessageValue: nil},
		{Key: long, Kind: fsql.HeldByRule, Topic: "hq.public.emp", Partition: 0, Offset: 12, Reason: "", MessageKey: nil, MessageValue: []byte{}},
		{Key: keys[3], Kind: fsql.HeldForRow, Topic: "hq.public.dept", Partition: 1, Offset: 9223372036854775807, Reason: "r", MessageKey: []byte("k"), MessageValue: []byte("v")},
	}
	tx = begin(t, db)
	for _, h := range held {
		if err := store.Hold(ctx, tx, h); err != nil {
			t.Fatal(err)
		}
	}
	kinds, err := store.HeldKeys(ctx, tx, []string{keys[0], keys[1], long})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{keys[0]: fsql.HeldForRow, long: fsql.HeldByRule}; !maps.Equal(kinds, want) {
		t.Fatalf("held keys %v, want %v", kinds, want)
	}
	commit(t, tx)
	got, err := store.Held(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	sameHeld(t, got, held)

	tx = begin(t, db)
	if err := store.DropHeld(ctx, tx, keys[0], fsql.HeldByRule); err != nil {
		t.Fatal(err)
	}
	if err := store.Unhold(ctx, tx, got[3].ID); err != nil {
		t.Fatal(err)
	}
	commit(t, tx)
	after, err := store.Held(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	sameHeld(t, after, []fsql.HeldChange{held[1], held[2]})

	tx = begin(t, db)
	if err := store.ForgetKeys(ctx, tx, "r1|"); err != nil {
		t.Fatal(err)
	}
	commit(t, tx)
	if after, err := store.Held(ctx, db); err != nil || len(after) != 0 {
		t.Fatalf("held after forgetting r1|: %v %v, want none", after, err)
	}
	tx = begin(t, db)
	if blocked, err := store.Blocked(ctx, tx, keys); err != nil || !maps.Equal(blocked, map[string]int{keys[3]: 4}) {
		t.Fatalf("blocked after forgetting r1|: %v %v, want only %s", blocked, err, keys[3])
	}
	other := bookkeeping.New(s.tgt.Bookkeeping(s.schema(db)), "another")
	if blocked, err := other.Blocked(ctx, tx, keys); err != nil || len(blocked) != 0 {
		t.Fatalf("another group's blocked keys: %v %v, want none", blocked, err)
	}
	commit(t, tx)
}

// sameHeld compares held changes as read with those held, in order.
func sameHeld(t *testing.T, got, want []fsql.HeldChange) {
	t.Helper()
	text := func(h fsql.HeldChange) string {
		null := func(b []byte) string {
			if b == nil {
				return "NULL"
			}
			return fmt.Sprintf("%q", b)
		}
		return fmt.Sprintf("%s %s %s[%d]@%d %q %s %s", h.Key[:min(len(h.Key), 20)], h.Kind, h.Topic, h.Partition, h.Offset, h.Reason, null(h.MessageKey), null(h.MessageValue))
	}
	if len(got) != len(want) {
		t.Fatalf("%d held changes, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if text(got[i]) != text(want[i]) || got[i].Key != want[i].Key {
			t.Errorf("held change %d:\n%s, want\n%s", i, text(got[i]), text(want[i]))
		}
		if got[i].ID == 0 || got[i].Since.IsZero() {
			t.Errorf("held change %d has id %d since %v", i, got[i].ID, got[i].Since)
		}
	}
}

// testBarriers: partitions arrive at a barrier, each once however often
// it arrives, and each sees the others' arrivals; a finished barrier
// records each partition's truncate unless a later one is recorded; it is
// forgotten once every partition has left it. Replayed DLQ entries are
// recorded once.
func testBarriers(t *testing.T, s *suite) {
	db, store := s.store(t, "dialecttest")
	ctx := t.Context()
	const topic = "hq.public.emp"
	arrive := func(seq int64, partition int32, offset int64) fsql.BarrierState {
		t.Helper()
		tx := begin(t, db)
		st, err := store.Arrive(ctx, tx, fsql.Arrival{Topic: topic, Seq: seq, Partition: partition, Offset: offset, Partitions: 2})
		if err != nil {
			t.Fatal(err)
		}
		commit(t, tx)
		return st
	}
	st := arrive(100, 0, 40)
	if st.Partitions != 2 || st.Done || st.Complete() || !maps.Equal(st.Arrived, map[int32]int64{0: 40}) || st.Since.IsZero() {
		t.Fatalf("after partition 0 arrives: %+v", st)
	}
	arrive(100, 0, 40) // again, after a crash
	if st := arrive(100, 1, 7); !st.Complete() || !maps.Equal(st.Arrived, map[int32]int64{0: 40, 1: 7}) {
		t.Fatalf("after partition 1 arrives: %+v, want both", st)
	}
	arrive(200, 0, 50)
	bs, err := store.Barriers(ctx, db, topic, []int64{100, 200, 300})
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 2 || !bs[100].Complete() || bs[200].Complete() || !maps.Equal(bs[200].Arrived, map[int32]int64{0: 50}) {
		t.Fatalf("barriers %+v, want 100 complete and 200 with partition 0", bs)
	}

	tx := begin(t, db)
	if err := store.FinishBarrier(ctx, tx, topic, 100, true); err != nil {
		t.Fatal(err)
	}
	commit(t, tx)
	truncated := func(want map[int32]int64) {
		t.Helper()
		got, err := store.Truncated(ctx, db, topic)
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(got, want) {
			t.Fatalf("truncated %v, want %v", got, want)
		}
	}
	truncated(map[int32]int64{0: 40, 1: 7})
	if st := arrive(100, 1, 7); !st.Done {
		t.Fatalf("a finished barrier is %+v", st)
	}
	leave := func(seq int64, partition int32) {
		t.Helper()
		tx := begin(t, db)
		if err := store.LeaveBarrier(ctx, tx, topic, seq, partition); err != nil {
			t.Fatal(err)
		}
		commit(t, tx)
	}
	leave(100, 0)
	if bs, err := store.Barriers(ctx, db, topic, []int64{100}); err != nil || !maps.Equal(bs[100].Arrived, map[int32]int64{1: 7}) {
		t.Fatalf("after partition 0 leaves: %+v %v, want partition 1 still there", bs, err)
	}
	leave(100, 1)
	if bs, err := store.Barriers(ctx, db, topic, []int64{100}); err != nil || len(bs) != 0 {
		t.Fatalf("after every partition left: %+v %v, want the barrier forgotten", bs, err)
	}
	// An older truncate finished later does not move a partition back.
	arrive(50, 0, 20)
	arrive(50, 1, 90)
	tx = begin(t, db)
	if err := store.FinishBarrier(ctx, tx, topic, 50, true); err != nil {
		t.Fatal(err)
	}
	commit(t, tx)
	truncated(map[int32]int64{0: 40, 1: 90})
	// A refused truncate records none.
	tx = begin(t, db)
	if err := store.FinishBarrier(ctx, tx, topic, 200, false); err != nil {
		t.Fatal(err)
	}
	commit(t, tx)
	truncated(map[int32]int64{0: 40, 1: 90})

	ids := []string{"dlq-1@3", "dlq-2@" + strings.Repeat("9", 200)}
	for i, id := range ids {
		for round := range 2 {
			tx := begin(t, db)
			done, err := store.Replayed(ctx, tx, id)
			if err != nil {
				t.Fatal(err)
			}
			if done != (round > 0) {
				t.Fatalf("entry %d round %d: replayed %v", i, round, done)
			}
			if err := store.MarkReplayed(ctx, tx, id); err != nil {
				t.Fatal(err)
			}
			if err := store.MarkReplayed(ctx, tx, id); err != nil {
				t.Fatalf("marking twice: %v", err)
			}
			commit(t, tx)
		}
	}
}
