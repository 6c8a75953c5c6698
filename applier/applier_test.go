package applier_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// TestEveryTypeArrivesExactly: insert, update and delete of every type in
// the foundation's list, end to end through Kafka, compared as text.
func TestEveryTypeArrivesExactly(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, "CREATE TABLE types ("+pgtest.AllTypesColumns+")")
	p.run()
	pgtest.Exec(t, p.src, `INSERT INTO types VALUES `+strings.Join(pgtest.AllTypesRows, ", "))
	p.converge(time.Minute)
	pgtest.Exec(t, p.src, `UPDATE types SET c_text = c_text || ' updated', c_numeric = c_numeric / 3, c_real = 1.1 WHERE id <> 2`)
	p.converge(time.Minute)
	pgtest.Exec(t, p.src, `DELETE FROM types WHERE id = 1`, `UPDATE types SET id = 10 WHERE id = 2`)
	p.converge(time.Minute)
	if n := pgtest.QueryValue[int](t, p.tgt, `SELECT count(*) FROM types`); n != 2 {
		t.Fatalf("target has %d rows, want 2", n)
	}
}
