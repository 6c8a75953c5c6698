package migrations_test

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

const benchTable = `CREATE TABLE %s (
	id bigint PRIMARY KEY, name text, salary numeric(12,2), born date, updated timestamptz, note text)`

// BenchmarkCapture measures what capture costs the source: the same
// statements against a table without capture and one with it, in one run on
// one server. Compare rows/s of plain and captured (docs/benchmarks.md).
// Two more tables measure choices: "pinned" is captured with TimeZone
// pinned in its insert trigger (the alternative to the relay's conversion
// of timestamptz to UTC), "parted" is captured and partitioned in four,
// written through the partitioned table. Two more split the capture's cost
// per single-row statement: "trigger" has a statement-level insert trigger
// with a transition table that does nothing, and "blank" one that writes a
// row without an image into a table built like the outbox.
//
//	make bench  (or: go test -run '^$' -bench Capture -count 5 ./migrations/)
func BenchmarkCapture(b *testing.B) {
	_, db := pgtest.NewDB(b)
	pgtest.Exec(b, db, fmt.Sprintf(benchTable, "bench_plain"), fmt.Sprintf(benchTable, "bench_captured"),
		fmt.Sprintf(benchTable, "bench_pinned"), fmt.Sprintf(benchTable, "bench_parted")+" PARTITION BY HASH (id)",
		fmt.Sprintf(benchTable, "bench_trigger"), fmt.Sprintf(benchTable, "bench_blank"))
	for i := range 4 {
		pgtest.Exec(b, db, fmt.Sprintf(`CREATE TABLE public.bench_parted_%d PARTITION OF bench_parted FOR VALUES WITH (MODULUS 4, REMAINDER %d)`, i, i))
	}
	up(b, migrator(b, db, source(config.Table{Name: "bench_captured"}, config.Table{Name: "bench_pinned"}, config.Table{Name: "bench_parted"})))
	pgtest.Exec(b, db, `ALTER FUNCTION ferry.capture_2_ins() SET TimeZone = 'UTC'`,
		`CREATE TABLE bench_outbox (LIKE ferry.outbox INCLUDING ALL)`,
		`CREATE FUNCTION bench_nothing() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$ BEGIN RETURN NULL; END $$`,
		`CREATE FUNCTION bench_blank() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$ BEGIN
			INSERT INTO bench_outbox (table_id, op) SELECT 1, 'c' FROM ferry_new n; RETURN NULL; END $$`,
		`CREATE TRIGGER bench AFTER INSERT ON bench_trigger REFERENCING NEW TABLE AS ferry_new FOR EACH STATEMENT EXECUTE FUNCTION bench_nothing()`,
		`CREATE TRIGGER bench AFTER INSERT ON bench_blank REFERENCING NEW TABLE AS ferry_new FOR EACH STATEMENT EXECUTE FUNCTION bench_blank()`)
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16) // database/sql keeps 2 by default: the clients would reconnect

	for _, table := range []string{"bench_plain", "bench_captured", "bench_pinned", "bench_parted", "bench_trigger", "bench_blank"} {
		// Single-row insert transactions from concurrent clients: what an
		// OLTP application does. Each statement commits on its own.
		b.Run("single/"+strings.TrimPrefix(table, "bench_"), func(b *testing.B) {
			pgtest.Exec(b, db, "TRUNCATE "+table, "TRUNCATE ferry.outbox", "TRUNCATE bench_outbox", "CHECKPOINT")
			var next int64
			b.SetParallelism(4) // 4 clients per core
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					id := atomicAdd(&next)
					if _, err := db.Exec(`INSERT INTO `+table+` VALUES ($1, 'name', 1234.56, '1990-05-17', now(), 'a short note')`, id); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
	const rows = 10_000
	for _, stmt := range []struct{ name, sql string }{
		{"insert", `INSERT INTO %s SELECT g, 'name ' || g, g * 1.5, date '1990-01-01' + g %% 5000, now(), 'a short note' FROM generate_series(1, %d) g`},
		{"update", `UPDATE %s SET salary = salary + 1, updated = now() WHERE id <= %d`},
		{"delete", `DELETE FROM %s WHERE id <= %d`},
	} {
		for _, table := range []string{"bench_plain", "bench_captured", "bench_pinned", "bench_parted"} {
			if table == "bench_pinned" && stmt.name != "insert" {
				continue // only its insert trigger is pinned
			}
			// One statement touching many rows in one transaction: a batch job.
			b.Run("bulk-"+stmt.name+"/"+strings.TrimPrefix(table, "bench_"), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					pgtest.Exec(b, db, "TRUNCATE "+table, "TRUNCATE ferry.outbox")
					if stmt.name != "insert" {
						pgtest.Exec(b, db, fmt.Sprintf(`INSERT INTO %s SELECT g, 'name ' || g, g * 1.5, date '1990-01-01' + g %% 5000, now(), 'a short note' FROM generate_series(1, %d) g`, table, rows))
					}
					pgtest.Exec(b, db, "VACUUM ANALYZE "+table)
					b.StartTimer()
					pgtest.Exec(b, db, fmt.Sprintf(stmt.sql, table, rows))
				}
				b.ReportMetric(float64(b.N*rows)/b.Elapsed().Seconds(), "rows/s")
			})
		}
	}
}

func atomicAdd(p *int64) int64 { return atomic.AddInt64(p, 1) }
