package migrations_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/change"
	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/sql/postgres"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// TestUpgradeFromTheFirstCaptureSchema restores a database captured by the
// Ferry before migration 00002 (testdata/v1_capture.sql, a pg_dump) and
// runs migrate up: the schema migration applies, every table's capture is
// replaced in the same run, the changes still in the outbox convert, and
// the new capture works (a TRUNCATE, a blanked excluded column).
func TestUpgradeFromTheFirstCaptureSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, db := pgtest.NewDB(t)
	dump, err := os.ReadFile("testdata/v1_capture.sql")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(ctx) // the dump empties search_path for its session
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, string(dump)); err != nil {
		t.Fatalf("restore the dump: %v", err)
	}
	conn.Close()
	// The dump's transaction ids are another cluster's: make them committed ones here.
	pgtest.Exec(t, db, `UPDATE ferry.outbox SET txid = pg_current_xact_id()`)

	src := source(config.Table{Name: "public.emp"}, config.Table{Name: "public.people", Exclude: []string{"ssn"}})
	m := migrator(t, db, src)
	pending, before, err := m.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != schemaFiles(t)-1 || !strings.HasPrefix(pending[0].Name, "00002_") {
		t.Fatalf("pending schema migrations before up: %+v", pending)
	}
	for _, s := range before {
		if s.Captured {
			t.Errorf("status before up says %s is fully captured: %+v", s.Table, s)
		}
	}
	res := up(t, m)
	if len(res.Schema) != schemaFiles(t)-1 || len(res.Changes) != 2 {
		t.Fatalf("up: %+v", res)
	}
	if _, after, err := m.Status(ctx); err != nil {
		t.Fatal(err)
	} else {
		for _, s := range after {
			if !s.Captured || s.Drift != "" {
				t.Errorf("after up: %+v", s)
			}
		}
	}
	if again := up(t, m); len(again.Schema)+len(again.Changes) != 0 {
		t.Errorf("a second up did %+v", again)
	}

	// What the old triggers wrote still converts.
	reg, err := postgres.Dialect{}.Source().Capture().Registry(ctx, db, "ferry")
	if err != nil {
		t.Fatal(err)
	}
	tables := map[int]*change.Table{}
	for _, r := range reg {
		tables[r.ID] = &change.Table{Source: "hq", Schema: r.Schema, Name: r.Name, Key: r.Key, Columns: r.Columns, Exclude: r.Exclude, Values: postgres.Values{}}
	}
	pgtest.Exec(t, db,
		`TRUNCATE public.emp`,
		`INSERT INTO public.people VALUES (2, 'y', '456', 'm')`)
	var ops []string
	for _, r := range outbox(t, db) {
		row := change.Row{Seq: r.Seq, Op: change.Op(r.Op), Ts: time.Now()}
		if r.Raw[0].Valid {
			row.Before = []byte(r.Raw[0].String)
		}
		if r.Raw[1].Valid {
			row.After = []byte(r.Raw[1].String)
		}
		evs, err := change.FromRow(tables[r.TableID], row)
		if err != nil {
			t.Fatalf("outbox row %d: %v", r.Seq, err)
		}
		for _, ev := range evs {
			if strings.Contains(string(ev.Value), "456") || strings.Contains(string(ev.Value), `"ssn"`) {
				t.Errorf("the excluded column arrived: %s", ev.Value)
			}
		}
		ops = append(ops, r.Op)
	}
	if got := strings.Join(ops, " "); got != "c c u c d t c" {
		t.Errorf("outbox ops %s, want the old c c u c d, then t c", got)
	}
}
