package postgres_test

import (
	"context"
	"testing"

	"github.com/ferry-cdc/ferry/sql/postgres"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// TestEstimateOfATableNeverAnalysed: where the catalog has no estimate
// (reltuples -1), a small table is counted exactly and a large one is
// estimated from its pages; a table that is not there has none (-1).
func TestEstimateOfATableNeverAnalysed(t *testing.T) {
	t.Parallel()
	_, db := pgtest.NewDB(t)
	// No autovacuum: the catalog must stay without an estimate.
	off := ` WITH (autovacuum_enabled = false)`
	pgtest.Exec(t, db,
		`CREATE TABLE small (id int PRIMARY KEY, name text)`+off,
		`CREATE TABLE large (id int PRIMARY KEY, name text)`+off,
		`CREATE TABLE empty (id int PRIMARY KEY)`+off,
		`CREATE TABLE parts (id int PRIMARY KEY) PARTITION BY RANGE (id)`,
		`CREATE TABLE parts_a PARTITION OF parts FOR VALUES FROM (0) TO (100000)`+off,
		`CREATE TABLE parts_b PARTITION OF parts FOR VALUES FROM (100000) TO (1000000)`+off,
		`INSERT INTO small SELECT g, 'name ' || g FROM generate_series(1, 1234) g`,
		`INSERT INTO large SELECT g, 'name ' || g FROM generate_series(1, 300000) g`,
		`INSERT INTO parts SELECT g FROM generate_series(1, 250000) g`)
	for _, table := range []string{"small", "large", "empty", "parts_a"} {
		if n := pgtest.QueryValue[float64](t, db, `SELECT reltuples FROM pg_class WHERE relname = $1`, table); n != -1 {
			t.Fatalf("%s: reltuples %v: the catalog has an estimate already", table, n)
		}
	}
	snap := postgres.Dialect{}.Snapshot()
	for table, want := range map[string][2]int64{
		"small": {1234, 1234}, "empty": {0, 0}, "nosuch": {-1, -1},
		"large": {270_000, 330_000}, "parts": {225_000, 275_000},
	} {
		got, err := snap.Estimate(context.Background(), db, "public", table)
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		if got < want[0] || got > want[1] {
			t.Errorf("%s: estimate %d, want %d to %d", table, got, want[0], want[1])
		}
	}
	// Analysed, the catalog's estimate is taken as it is.
	pgtest.Exec(t, db, `ANALYZE small`)
	if got, err := snap.Estimate(context.Background(), db, "public", "small"); err != nil || got != 1234 {
		t.Errorf("small, analysed: estimate %d, %v", got, err)
	}
}
