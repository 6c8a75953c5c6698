package bookkeeping_test

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/ferry-cdc/ferry/applier/bookkeeping"
	"github.com/ferry-cdc/ferry/internal/daemon"
	fsql "github.com/ferry-cdc/ferry/sql"
	"github.com/ferry-cdc/ferry/sql/postgres"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// oracleLike is PostgreSQL's bookkeeping made to keep what Oracle's keeps:
// keys of at most 100 bytes (Oracle: 4000), and an empty message key or
// value stored as NULL, as Oracle stores an empty BLOB.
func oracleLike(t *testing.T) (*stdsql.DB, *bookkeeping.Store) {
	t.Helper()
	_, db := pgtest.NewDB(t)
	b := postgres.Dialect{}.Target().Bookkeeping("ferry")
	b.Hold = strings.Replace(b.Hold, "$8, $9)", "NULLIF($8, ''::bytea), NULLIF($9, ''::bytea))", 1)
	if !strings.Contains(b.Hold, "NULLIF") {
		t.Fatalf("the Hold statement changed: %s", b.Hold)
	}
	b.MaxKeyBytes, b.EmptyBytesAreNull = 100, true
	s := bookkeeping.New(b, "g")
	if err := s.Prepare(context.Background(), db, "ferry"); err != nil {
		t.Fatal(err)
	}
	return db, s
}

func inTx(t *testing.T, db *stdsql.DB, f func(tx *stdsql.Tx) error) error {
	t.Helper()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// TestHeldMessagesKeepEmptyApartFromNil: where the database stores an
// empty binary value as NULL, a held change's empty Kafka key and value
// still come back empty, and missing ones nil.
func TestHeldMessagesKeepEmptyApartFromNil(t *testing.T) {
	t.Parallel()
	db, s := oracleLike(t)
	ctx := context.Background()
	held := []fsql.HeldChange{
		{Key: "r|a", Kind: fsql.HeldByRule, Topic: "t", Offset: 1, MessageKey: []byte{}, MessageValue: nil},
		{Key: "r|b", Kind: fsql.HeldByRule, Topic: "t", Offset: 2, MessageKey: nil, MessageValue: []byte{}},
		{Key: "r|c", Kind: fsql.HeldByRule, Topic: "t", Offset: 3, MessageKey: []byte(`{"id":1}`), MessageValue: []byte{0, 1}},
	}
	err := inTx(t, db, func(tx *stdsql.Tx) error {
		for _, h := range held {
			if err := s.Hold(ctx, tx, h); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Held(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	text := func(b []byte) string {
		if b == nil {
			return "nil"
		}
		return fmt.Sprintf("%q", b)
	}
	if len(got) != len(held) {
		t.Fatalf("%d held changes, want %d", len(got), len(held))
	}
	for i, h := range held {
		g, w := text(got[i].MessageKey)+" "+text(got[i].MessageValue), text(h.MessageKey)+" "+text(h.MessageValue)
		if g != w {
			t.Errorf("held change %s: message %s, want %s", h.Key, g, w)
		}
	}
}

// TestKeysLongerThanTheTablesHold: a key longer than MaxKeyBytes is never
// found blocked or held (it cannot be stored, so it is not), releasing or
// dropping it does nothing, and holding or blocking it stops the applier
// with an error that gives its length, rather than storing it cut.
func TestKeysLongerThanTheTablesHold(t *testing.T) {
	t.Parallel()
	db, s := oracleLike(t)
	ctx := context.Background()
	short, long := "r|"+strings.Repeat("k", 98), "r|"+strings.Repeat("k", 99)
	if err := inTx(t, db, func(tx *stdsql.Tx) error {
		if err := s.SetBlocked(ctx, tx, map[string]int{short: 1, long: 0}); err != nil {
			return err
		}
		return s.DropHeld(ctx, tx, long, fsql.HeldByRule)
	}); err != nil {
		t.Fatal(err)
	}
	if err := inTx(t, db, func(tx *stdsql.Tx) error {
		blocked, err := s.Blocked(ctx, tx, []string{short, long})
		if err == nil && !maps.Equal(blocked, map[string]int{short: 1}) {
			err = fmt.Errorf("blocked %v, want only the short key", blocked)
		}
		if err != nil {
			return err
		}
		heldKeys, err := s.HeldKeys(ctx, tx, []string{short, long})
		if err == nil && len(heldKeys) != 0 {
			err = fmt.Errorf("held keys %v, want none", heldKeys)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for what, f := range map[string]func(tx *stdsql.Tx) error{
		"hold": func(tx *stdsql.Tx) error {
			return s.Hold(ctx, tx, fsql.HeldChange{Key: long, Kind: fsql.HeldByRule, Topic: "t"})
		},
		"block": func(tx *stdsql.Tx) error { return s.SetBlocked(ctx, tx, map[string]int{long: 1}) },
	} {
		err := inTx(t, db, f)
		var fatal *daemon.Fatal
		if !errors.As(err, &fatal) || !strings.Contains(err.Error(), "is 101 bytes long") || !strings.Contains(err.Error(), "at most 100 bytes") {
			t.Errorf("%s a 101-byte key: %v, want a fatal error giving its length", what, err)
		}
	}
	if n := pgtest.QueryValue[int](t, db, `SELECT (SELECT count(*) FROM ferry.apply_held) + (SELECT count(*) FROM ferry.apply_blocked WHERE key <> $1)`, short); n != 0 {
		t.Errorf("%d rows of the long key were stored", n)
	}
}
