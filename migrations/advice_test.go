package migrations_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// TestUpAdvisesSnapshotsAndKeyIndexes: up says which newly captured table
// holds rows that only a snapshot publishes, and which key no index serves;
// an empty table and a table with a primary key need no word.
func TestUpAdvisesSnapshotsAndKeyIndexes(t *testing.T) {
	t.Parallel()
	_, db := pgtest.NewDB(t)
	pgtest.Exec(t, db,
		`CREATE TABLE full_one (id int PRIMARY KEY)`, `INSERT INTO full_one VALUES (1)`,
		`CREATE TABLE empty_one (id int PRIMARY KEY)`,
		`CREATE TABLE "Odd ""Tbl"" Name" (id int PRIMARY KEY)`, `INSERT INTO "Odd ""Tbl"" Name" VALUES (1)`,
		// The key's unique index lists its columns in another order, which
		// a key-ordered read cannot use.
		`CREATE TABLE badges (no int NOT NULL, series int NOT NULL, x text, UNIQUE (series, no))`)
	m := migrator(t, db, source(config.Table{Name: "public.full_one"}, config.Table{Name: "public.empty_one"},
		config.Table{Name: "public.badges", Key: []string{"no", "series"}}, config.Table{Name: `public.Odd "Tbl" Name`}))
	advice, err := m.Advice(context.Background(), up(t, m))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(advice, "\n")
	if len(advice) != 3 || !strings.Contains(text, "public.full_one holds rows from before capture") ||
		// as a shell takes it, pasted
		!strings.Contains(text, `ferry snapshot -c test.yaml --source hq --table 'public.Odd "Tbl" Name'`) ||
		!strings.Contains(text, "ferry snapshot -c test.yaml --source hq --table public.full_one") ||
		!strings.Contains(text, "no index on the key (no, series) of public.badges") {
		t.Fatalf("advice:\n%s", text)
	}
	// With an index and a snapshot requested, nothing more to say.
	pgtest.Exec(t, db, `CREATE INDEX ON badges (no, series)`, `INSERT INTO badges VALUES (1, 1, 'x')`)
	m2 := migrator(t, db, source(config.Table{Name: "public.full_one"}, config.Table{Name: "public.empty_one"},
		config.Table{Name: "public.badges", Key: []string{"no", "series"}}, config.Table{Name: "public.empty_two"}))
	pgtest.Exec(t, db, `CREATE TABLE public.empty_two (id int PRIMARY KEY)`)
	advice, err = m2.Advice(context.Background(), up(t, m2))
	if err != nil || len(advice) != 0 {
		t.Fatalf("advice after the index, for an empty new table: %v %v", advice, err)
	}
}
