package applier_test

import (
	"fmt"
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

// TestJSONNullIsNotSQLNull: a json or jsonb column holding JSON null
// arrives as JSON null, not as SQL NULL, and the reverse; so do a JSON
// string "null", white space in json, and both through updates that turn
// one into the other (the trial's report against issue 7, item 4).
func TestJSONNullIsNotSQLNull(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, `CREATE TABLE docs (id int PRIMARY KEY, j json, jb jsonb, n int)`)
	p.run()
	pgtest.Exec(t, p.src, `INSERT INTO docs VALUES
		(1, 'null', 'null', 1),
		(2, NULL, NULL, 2),
		(3, ' { "a" : null } ', '{"b": [1, null]}', 3),
		(4, '"null"', '"null"', 4)`)
	p.converge(time.Minute)
	pgtest.Exec(t, p.src, `UPDATE docs SET j = CASE WHEN j IS NULL THEN 'null'::json END, jb = CASE WHEN jb IS NULL THEN 'null'::jsonb END WHERE id IN (1, 2)`)
	p.converge(time.Minute)
	want := `(1,t,t) (2,f,f) (3,f,f) (4,f,f)`
	for _, db := range []struct {
		name string
		rows []string
	}{{"source", rows(t, p.src, `(SELECT id, j IS NULL, jb IS NULL FROM docs)`)}, {"target", rows(t, p.tgt, `(SELECT id, j IS NULL, jb IS NULL FROM docs)`)}} {
		if got := strings.Join(db.rows, " "); got != want {
			t.Errorf("%s: SQL NULLs %s, want %s", db.name, got, want)
		}
	}
}

// TestAChangeDoesNotWaitForTheBatchTimeout: a batch is applied as soon as
// nothing more is waiting, so with batch_timeout an hour and far fewer
// changes than batch_size, each change still arrives at once; a batch that
// waited for its timer to fill would hold them for the hour.
func TestAChangeDoesNotWaitForTheBatchTimeout(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, `CREATE TABLE quick (id int PRIMARY KEY, v text)`)
	p.cfg.Apply.BatchTimeout = time.Hour
	p.run()
	for i := range 3 {
		pgtest.Exec(t, p.src, fmt.Sprintf(`INSERT INTO quick VALUES (%d, 'one at a time')`, i))
		p.converge(time.Minute)
	}
	pgtest.Exec(t, p.src, `UPDATE quick SET v = 'then all' WHERE id < 2`, `DELETE FROM quick WHERE id = 2`)
	p.converge(time.Minute)
}
