package migrations_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

func TestTypesRoundTripThroughTheOutbox(t *testing.T) {
	t.Parallel()
	_, db := pgtest.NewDB(t)
	pgtest.Exec(t, db, "CREATE TABLE public.types ("+pgtest.AllTypesColumns+")")
	up(t, migrator(t, db, source(config.Table{Name: "public.types"})))

	// The application's session settings must not change what is captured.
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, s := range []string{
		"SET extra_float_digits = -15", "SET bytea_output = 'escape'",
		"SET intervalstyle = 'sql_standard'", "SET timezone = 'Asia/Kathmandu'", "SET datestyle = 'SQL, DMY'",
		"INSERT INTO public.types VALUES " + strings.Join(pgtest.AllTypesRows, ", "),
		"CREATE TABLE public.expected AS SELECT * FROM public.types",
		"UPDATE public.types SET c_text = c_text || '!'",
		"DELETE FROM public.types",
	} {
		if _, err := conn.ExecContext(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}

	// Rebuild rows from the images with json_populate_record and compare
	// every column with what was written, NULLs included.
	var cols []string
	rows, err := db.Query(`SELECT attname FROM pg_attribute WHERE attrelid = 'public.types'::regclass AND attnum > 0 ORDER BY attnum`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c string
		rows.Scan(&c)
		cols = append(cols, c)
	}
	rows.Close()
	for _, image := range []struct{ op, col, mutate string }{
		{"c", "after", ""}, {"u", "before", ""}, {"u", "after", "c_text"}, {"d", "before", "c_text"},
	} {
		for _, c := range cols {
			want := "e." + c
			if c == image.mutate {
				want = "e." + c + " || '!'"
			}
			q := fmt.Sprintf(`SELECT count(*) FROM ferry.outbox_changes o
				CROSS JOIN LATERAL json_populate_record(NULL::public.types, o.%s) r
				JOIN public.expected e ON e.id = r.id
				WHERE o.op = %s AND r.%s::text IS NOT DISTINCT FROM (%s)::text`, image.col, "'"+image.op+"'", c, want)
			if n := pgtest.QueryValue[int](t, db, q); n != len(pgtest.AllTypesRows) {
				t.Errorf("op %s %s image: column %s round-trips for %d of %d rows", image.op, image.col, c, n, len(pgtest.AllTypesRows))
			}
		}
	}

	// The images' JSON text carries the exact forms the relay relies on.
	after := map[int64]map[string]string{}
	for _, r := range outbox(t, db) {
		if r.Op != "c" {
			continue
		}
		var id int64
		fmt.Sscan(string(r.After["id"]), &id)
		m := map[string]string{}
		for k, v := range r.After {
			m[k] = string(v)
		}
		after[id] = m
	}
	for _, tc := range []struct {
		id        int64
		col, want string
	}{
		{1, "c_numeric", `1234567890123456789012345678.1234567890`},
		{1, "c_numeric_free", `-0.000000000000000000000000000000000000000001234567890123456789`},
		{1, "c_bigint", `-9223372036854775808`},
		{1, "c_double", `0.1`},
		{1, "c_real", `3.4028235e+38`},
		{1, "c_text", `"héllo wörld ✓ 日本語 🚀 \"quoted\" \\ back"`},
		{1, "c_char", `"ab   "`},
		{1, "c_bytea", `"\\x00ff10fe"`},
		{1, "c_timestamp", `"2024-02-29T13:14:15.123456"`},
		// The session's zone, with its offset: the same instant, exactly.
		{1, "c_timestamptz", `"2024-07-01T00:14:59.654321+05:45"`},
		{1, "c_interval", `"P1Y2M3DT4H5M6.789S"`},
		{1, "c_time", `"23:59:59.999999"`},
		{1, "c_jsonb", `{"k": {"n": 100}}`},               // jsonb itself keeps 1.0E+2 as 100
		{1, "c_json", `{"b": [1, 2.50, "x"], "a": null}`}, // json keeps its text as written
		{1, "c_int_array", `[1,null,-3]`},
		{1, "c_empty", `""`},
		{1, "c_null", `null`},
		{2, "c_numeric_free", `"NaN"`},
		{2, "c_real", `"-Infinity"`},
		{2, "c_double", `1.7976931348623157e+308`},
		{2, "c_timestamp", `"infinity"`},
		{2, "c_bytea", `"\\x"`},
	} {
		if got := after[tc.id][tc.col]; got != tc.want {
			t.Errorf("row %d %s: image has %s, want %s", tc.id, tc.col, got, tc.want)
		}
	}
}

func TestCompositeKeyAndKeyChangingUpdate(t *testing.T) {
	t.Parallel()
	_, db := pgtest.NewDB(t)
	// A deferrable key, checked at the end of each statement: keys can
	// move onto each other within one.
	pgtest.Exec(t, db, `CREATE TABLE lines (order_id int, line_no int, qty int, PRIMARY KEY (order_id, line_no) DEFERRABLE)`)
	up(t, migrator(t, db, source(config.Table{Name: "lines"})))
	pgtest.Exec(t, db,
		`INSERT INTO lines VALUES (1, 1, 10), (1, 2, 20), (2, 1, 30)`,
		// Key 1/2 moves to 1/12 and 1/1 onto 1/2: one net change per key.
		`UPDATE lines SET line_no = CASE line_no WHEN 1 THEN 2 ELSE 12 END WHERE order_id = 1`,
		`DELETE FROM lines WHERE order_id = 2`)
	var got []string
	for _, r := range outbox(t, db) {
		k := func(m map[string]json.RawMessage) string {
			if m == nil {
				return "-"
			}
			return string(m["order_id"]) + "/" + string(m["line_no"]) + "=" + string(m["qty"])
		}
		got = append(got, r.Op+":"+k(r.Before)+">"+k(r.After))
	}
	want := "c:->1/1=10 c:->1/2=20 c:->2/1=30 d:1/1=10>- u:1/2=20>1/2=10 c:->1/12=20 d:2/1=30>-"
	if strings.Join(got, " ") != want {
		t.Errorf("captured\n %s\nwant\n %s", strings.Join(got, " "), want)
	}
}

func TestRollbackLeavesNothing(t *testing.T) {
	t.Parallel()
	_, db := pgtest.NewDB(t)
	pgtest.Exec(t, db, `CREATE TABLE t (id int PRIMARY KEY, v text)`)
	up(t, migrator(t, db, source(config.Table{Name: "t"})))

	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	tx.Exec(`INSERT INTO t SELECT g, 'x' FROM generate_series(1, 1000) g`)
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	// A rolled-back savepoint drops its changes; the rest of the transaction stays.
	pgtest.Exec(t, db, `DO $$ BEGIN
		INSERT INTO t VALUES (1, 'kept');
		BEGIN
			INSERT INTO t VALUES (2, 'gone');
			RAISE EXCEPTION 'roll back the subtransaction';
		EXCEPTION WHEN raise_exception THEN NULL;
		END;
	END $$`)
	got := outbox(t, db)
	if len(got) != 1 || string(got[0].After["v"]) != `"kept"` {
		t.Fatalf("outbox after rollbacks: %+v, want only the kept insert", got)
	}
	if n := pgtest.QueryValue[int](t, db, `SELECT count(DISTINCT txid) FROM ferry.outbox`); n != 1 {
		t.Errorf("outbox rows carry %d transaction ids, want 1", n)
	}
}

// TestBulkStatementsAreCapturedInChunks: a statement that changes many
// rows writes them in chunks of at most 1,000 changes (and about 1 MiB of
// images), one outbox row each, and every change is in them once, with
// the right images, in the statement's order: deletes, updates, creates.
// A statement that changes one row writes one plain row.
func TestBulkStatementsAreCapturedInChunks(t *testing.T) {
	t.Parallel()
	_, db := pgtest.NewDB(t)
	pgtest.Exec(t, db, `CREATE TABLE big (id int PRIMARY KEY DEFERRABLE, v int, pad text)`)
	up(t, migrator(t, db, source(config.Table{Name: "big"})))
	const n = 100_000
	pgtest.Exec(t, db,
		fmt.Sprintf(`INSERT INTO big SELECT g, g, 'row ' || g FROM generate_series(1, %d) g`, n),
		`UPDATE big SET v = v * 2`,
		// Moves every key by half the table: the lower half's keys are
		// deleted, the upper half's are updated to the rows that moved
		// onto them, and the new upper keys are created.
		fmt.Sprintf(`UPDATE big SET id = id + %d`, n/2),
		`DELETE FROM big`)
	counts := map[string]int{}
	rows, err := db.Query(`SELECT op::text, count(*) FROM ferry.outbox_changes GROUP BY op`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var op string
		var c int
		rows.Scan(&op, &c)
		counts[op] = c
	}
	rows.Close()
	if counts["c"] != n+n/2 || counts["u"] != n+n/2 || counts["d"] != n/2+n {
		t.Fatalf("captured %v, want c=%d u=%d d=%d", counts, n+n/2, n+n/2, n/2+n)
	}
	// Every update's images are of one key, and after the move each key's
	// new row is the one that was n/2 below it.
	mismatched := pgtest.QueryValue[int](t, db, fmt.Sprintf(`SELECT count(*) FROM ferry.outbox_changes WHERE op = 'u' AND NOT (
		(after->>'id')::int = (before->>'id')::int AND (
		 (after->>'v')::int = 2 * (before->>'v')::int
		 OR ((after->>'v')::int = 2 * ((after->>'id')::int - %[1]d) AND after->>'pad' = 'row ' || ((after->>'id')::int - %[1]d))))`, n/2))
	if mismatched != 0 {
		t.Errorf("%d update rows pair an old image with the wrong new image", mismatched)
	}
	// Each statement's keys are each there once.
	if dup := pgtest.QueryValue[int](t, db, `SELECT count(*) FROM (SELECT 1 FROM ferry.outbox_changes
		GROUP BY txid, op, coalesce(after, before)->>'id' HAVING count(*) > 1) d`); dup != 0 {
		t.Errorf("%d keys captured twice by one statement", dup)
	}
	// Four statements of 100,000 or 150,000 changes, in chunks of fewer
	// than 1,000 (each change weighs its images and 1,048 bytes, and a
	// chunk ends at each MiB), the counts and the images' arrays agreeing.
	chunks := pgtest.QueryValue[string](t, db, `SELECT coalesce(string_agg(op || ':' || coalesce(changes::text, 'null'), ',' ORDER BY seq), '') FROM (
		SELECT op::text, changes, seq FROM ferry.outbox WHERE changes IS NULL OR changes > 1000
		  OR changes <> coalesce(json_array_length(after), json_array_length(before))
		  OR (op = 'U' AND json_array_length(after) <> json_array_length(before))) x`)
	if chunks != "" {
		t.Errorf("outbox rows that are not chunks of at most 1,000 with images to match: %s", chunks)
	}
	if got, least := pgtest.QueryValue[int](t, db, `SELECT count(*) FROM ferry.outbox`), (n+n+(n+n/2)+n)/1000; got < least || got > least*11/10 {
		t.Errorf("%d outbox rows, want about %d", got, least)
	}
	// The key-moving update's changes go deletes first, then updates, then
	// creates, in seq order and within each chunk.
	order := pgtest.QueryValue[string](t, db, `SELECT string_agg(op, '' ORDER BY seq, change) FROM (
		SELECT seq, change, op::text, lag(op) OVER (ORDER BY seq, change) IS DISTINCT FROM op AS starts
		FROM ferry.outbox_changes WHERE txid = (SELECT txid FROM ferry.outbox_changes WHERE op = 'd' ORDER BY seq LIMIT 1)) x WHERE starts`)
	if order != "duc" {
		t.Errorf("the key-moving update's changes run in the order %q, want \"duc\"", order)
	}

	// Large images close a chunk before 1,000 changes: at a multiple of
	// 1 MiB of images, so a chunk holds at most 1 MiB and one image more.
	pgtest.Exec(t, db, `DELETE FROM ferry.outbox`,
		`INSERT INTO big SELECT g, g, repeat('x', 100000) FROM generate_series(1, 35) g`)
	if got := pgtest.QueryValue[string](t, db, `SELECT count(*) || ' chunks, ' || sum(changes) || ' changes, ' ||
		count(*) FILTER (WHERE octet_length(after::text) > 1048576 + 100100) || ' too large' FROM ferry.outbox`); got != "4 chunks, 35 changes, 0 too large" {
		t.Errorf("35 images of 100 KB: %s, want 4 chunks, 35 changes, 0 too large", got)
	}

	// One row, one plain outbox row.
	pgtest.Exec(t, db, `DELETE FROM ferry.outbox`, `UPDATE big SET v = 0 WHERE id = 1`)
	if got := pgtest.QueryValue[string](t, db, `SELECT op::text || ':' || coalesce(changes::text, 'null') || ':' || json_typeof(after) FROM ferry.outbox`); got != "u:null:object" {
		t.Errorf("a one-row update wrote %s, want one plain row (u:null:object)", got)
	}
}

// TestChunksLeaveTheJITSettingAsItWas: the chunks' statement turns JIT
// off for itself alone; the application's session and transaction keep
// their setting, whichever it is.
func TestChunksLeaveTheJITSettingAsItWas(t *testing.T) {
	t.Parallel()
	_, db := pgtest.NewDB(t)
	pgtest.Exec(t, db, `CREATE TABLE j (id int PRIMARY KEY, v int)`)
	up(t, migrator(t, db, source(config.Table{Name: "j"})))
	for _, set := range []string{"on", "off"} {
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		for _, stmt := range []string{`SET LOCAL jit = ` + set, `INSERT INTO j SELECT g, g FROM generate_series(1, 10) g`,
			`UPDATE j SET v = v + 1`, `DELETE FROM j`} {
			if _, err := tx.Exec(stmt); err != nil {
				t.Fatal(err)
			}
			var got string
			if err := tx.QueryRow(`SELECT current_setting('jit')`).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != set {
				t.Errorf("after %s, jit is %s, want %s as the transaction set it", stmt, got, set)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	if n := pgtest.QueryValue[int](t, db, `SELECT count(*) FROM ferry.outbox WHERE changes = 10`); n != 6 {
		t.Errorf("%d chunks of 10 changes, want 6", n)
	}
}

// TestSeqFollowsCommitOrderPerKey is the property the relay's per-key order
// rests on (design.md trap 2): for one key, a later committed change has a
// larger seq, even when its transaction started first.
func TestSeqFollowsCommitOrderPerKey(t *testing.T) {
	t.Parallel()
	_, db := pgtest.NewDB(t)
	pgtest.Exec(t, db, `CREATE TABLE counter (id int PRIMARY KEY, v int NOT NULL)`, `INSERT INTO counter VALUES (1, 0)`)
	up(t, migrator(t, db, source(config.Table{Name: "counter"})))
	const workers, each = 8, 50
	db.SetMaxOpenConns(workers + 2)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				tx, err := db.Begin()
				if err != nil {
					errs <- err
					return
				}
				// Take an xid first, so that xid order and commit order differ.
				if _, err := tx.Exec(`INSERT INTO counter VALUES ($1, 0)`, 1000+w*each+i); err != nil {
					errs <- err
					return
				}
				if _, err := tx.Exec(`UPDATE counter SET v = v + 1 WHERE id = 1`); err != nil {
					errs <- err
					return
				}
				if err := tx.Commit(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT (after->>'v')::int FROM ferry.outbox_changes WHERE op = 'u' ORDER BY seq, change`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	prev := 0
	for rows.Next() {
		var v int
		rows.Scan(&v)
		if v != prev+1 {
			t.Fatalf("in seq order, counter went %d -> %d: seq does not follow commit order", prev, v)
		}
		prev = v
	}
	if prev != workers*each {
		t.Fatalf("captured %d updates, want %d", prev, workers*each)
	}
}
