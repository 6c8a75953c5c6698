package migrations_test

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/migrations"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// Every way a row can change (README, "Every way a row can change"): each
// is captured, checked here by what reaches the outbox, or refused, or
// named by migrate status.

// changes is the outbox in seq order as "op:before>after" with each image
// given by its id (and v when present), "-" for none.
func changes(t *testing.T, db *stdsql.DB) []string {
	t.Helper()
	var out []string
	for _, r := range outbox(t, db) {
		out = append(out, r.Op+":"+short(r.Before)+">"+short(r.After))
	}
	return out
}

func short(img map[string]json.RawMessage) string {
	if img == nil {
		return "-"
	}
	s := string(img["id"])
	if v, ok := img["v"]; ok {
		s += "=" + strings.Trim(string(v), `"`)
	}
	return s
}

func expect(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("%s: captured\n  %s\nwant\n  %s", what, strings.Join(got, " "), strings.Join(want, " "))
	}
}

// expectSet is expect for a statement's changes, whose order between keys
// is free.
func expectSet(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	slices.Sort(got)
	slices.Sort(want)
	expect(t, what, got, want...)
}

func status(t *testing.T, m *migrations.Migrator) map[string]migrations.TableStatus {
	t.Helper()
	_, tables, err := m.Status(context.Background())
	if err != nil && tables == nil {
		t.Fatalf("status: %v", err)
	}
	out := map[string]migrations.TableStatus{}
	for _, s := range tables {
		out[s.Table] = s
	}
	return out
}

func clear(t *testing.T, db *stdsql.DB) { pgtest.Exec(t, db, `DELETE FROM ferry.outbox`) }

func TestPartitionedTableIsCapturedWhicheverRelationAStatementNames(t *testing.T) {
	t.Parallel()
	_, db := pgtest.NewDB(t)
	pgtest.Exec(t, db,
		`CREATE TABLE m (id int PRIMARY KEY, v text) PARTITION BY RANGE (id)`,
		`CREATE TABLE m_low PARTITION OF m FOR VALUES FROM (0) TO (100)`,
		// A sub-partitioned partition, with its columns in another order.
		`CREATE TABLE m_high (v text, id int NOT NULL) PARTITION BY RANGE (id)`,
		`CREATE TABLE m_high_a PARTITION OF m_high FOR VALUES FROM (100) TO (150)`,
		`CREATE TABLE m_high_b PARTITION OF m_high FOR VALUES FROM (150) TO (200)`,
		`ALTER TABLE m ATTACH PARTITION m_high FOR VALUES FROM (100) TO (200)`)
	m := migrator(t, db, source(config.Table{Name: "m"}))
	up(t, m)
	if st := status(t, m)["public.m"]; !st.Captured || st.Drift != "" || len(st.Gaps) == 0 {
		t.Fatalf("status after up: %+v", st)
	}

	pgtest.Exec(t, db, `INSERT INTO m VALUES (1, 'a'), (120, 'b'), (160, 'c')`)
	expectSet(t, "insert naming the table", changes(t, db), "c:->1=a", "c:->120=b", "c:->160=c")
	clear(t, db)
	pgtest.Exec(t, db, `INSERT INTO m_low VALUES (2, 'd')`, `INSERT INTO m_high (id, v) VALUES (130, 'e')`, `INSERT INTO m_high_b (id, v) VALUES (170, 'f')`)
	expect(t, "inserts naming a leaf, an intermediate, a leaf below it", changes(t, db), "c:->2=d", "c:->130=e", "c:->170=f")
	clear(t, db)
	pgtest.Exec(t, db, `UPDATE m_high_a SET v = v || '!'`, `UPDATE m_low SET v = 'x' WHERE id = 1`)
	expectSet(t, "updates naming partitions", changes(t, db), "u:1=a>1=x", "u:120=b>120=b!", "u:130=e>130=e!")
	clear(t, db)
	// Row movement between partitions is an update of the parent's rows.
	pgtest.Exec(t, db, `UPDATE m SET id = id + 100 WHERE id = 2`, `UPDATE m_high SET id = 140 WHERE id = 170`)
	expect(t, "updates moving rows between partitions", changes(t, db), "d:2=d>-", "c:->102=d", "d:170=f>-", "c:->140=f")
	clear(t, db)
	pgtest.Exec(t, db, `DELETE FROM m_high_b`, `DELETE FROM m WHERE id = 1`)
	expect(t, "deletes", changes(t, db), "d:160=c>-", "d:1=x>-")
	clear(t, db)
	if n := pgtest.QueryValue[int](t, db, `SELECT count(*) FROM m`); n != 4 {
		t.Fatalf("m has %d rows, want 4", n)
	}

	// A partition created after up: its changes are captured row by row,
	// whichever relation a statement names, and status says so.
	pgtest.Exec(t, db, `CREATE TABLE public.m_new PARTITION OF m FOR VALUES FROM (200) TO (300)`)
	st := status(t, m)["public.m"]
	if st.Captured || !strings.Contains(st.Drift, "partition public.m_new (created or attached since the last `ferry migrate up`) has no statement-level capture") {
		t.Errorf("status with a new partition: %+v", st)
	}
	pgtest.Exec(t, db, `INSERT INTO m_new VALUES (201, 'g')`, `UPDATE m_new SET v = 'h'`, `DELETE FROM m_new`)
	expect(t, "a new partition, named", changes(t, db), "c:->201=g", "u:201=g>201=h", "d:201=h>-")
	clear(t, db)
	// Named through the parent, the row is captured twice: row by row on
	// the partition, then by the parent's statement; the outcome is one.
	pgtest.Exec(t, db, `INSERT INTO m VALUES (202, 'i')`)
	expect(t, "a new partition, through the parent", changes(t, db), "c:->202=i", "c:->202=i")
	clear(t, db)

	// A table attached as a partition, with rows in it already.
	pgtest.Exec(t, db, `CREATE TABLE public.m_attached (id int NOT NULL, v text)`, `INSERT INTO m_attached VALUES (300, 'j')`,
		`ALTER TABLE m ATTACH PARTITION m_attached FOR VALUES FROM (300) TO (400)`)
	pgtest.Exec(t, db, `INSERT INTO m_attached VALUES (301, 'k')`)
	expect(t, "an attached partition", changes(t, db), "c:->301=k")
	clear(t, db)

	res := up(t, m)
	if len(res.Changes) != 1 || !strings.Contains(res.Changes[0].Reason, "m_new") {
		t.Errorf("up after new partitions: %+v", res.Changes)
	}
	if st := status(t, m)["public.m"]; !st.Captured || st.Drift != "" {
		t.Fatalf("status after the second up: %+v", st)
	}
	pgtest.Exec(t, db, `INSERT INTO m VALUES (203, 'l')`, `UPDATE m_new SET v = 'm' WHERE id = 203`)
	expect(t, "a new partition after up", changes(t, db), "c:->203=l", "u:203=l>203=m")
	clear(t, db)

	// A detached partition is no longer the table: its triggers ignore it,
	// status says so, and up removes them.
	pgtest.Exec(t, db, `ALTER TABLE m DETACH PARTITION m_attached`)
	pgtest.Exec(t, db, `INSERT INTO m_attached VALUES (302, 'n')`, `DELETE FROM m_attached`, `TRUNCATE m_attached`)
	expect(t, "a detached partition", changes(t, db))
	st = status(t, m)["public.m"]
	if st.Captured || !strings.Contains(st.Drift, "public.m_attached is no longer a partition of public.m") {
		t.Errorf("status with a detached partition: %+v", st)
	}
	up(t, m)
	if n := pgtest.QueryValue[int](t, db, `SELECT count(*) FROM pg_trigger WHERE tgrelid = 'm_attached'::regclass`); n != 0 {
		t.Errorf("up left %d triggers on the detached table", n)
	}
	if st := status(t, m)["public.m"]; !st.Captured || st.Drift != "" {
		t.Fatalf("status after up removed the detached partition's triggers: %+v", st)
	}
}

func TestTruncateIsCaptured(t *testing.T) {
	t.Parallel()
	_, db := pgtest.NewDB(t)
	pgtest.Exec(t, db,
		`CREATE TABLE parent (id int PRIMARY KEY, v text)`,
		`CREATE TABLE child (id int PRIMARY KEY, v text, parent_id int REFERENCES parent)`,
		`CREATE TABLE other (id int PRIMARY KEY, v text)`,
		`CREATE TABLE p (id int PRIMARY KEY, v text) PARTITION BY LIST (id)`,
		`CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1, 2)`,
		`CREATE TABLE p2 PARTITION OF p FOR VALUES IN (3, 4) PARTITION BY LIST (id)`,
		`CREATE TABLE p2a PARTITION OF p2 FOR VALUES IN (3)`,
		`CREATE TABLE p2b PARTITION OF p2 FOR VALUES IN (4)`)
	up(t, migrator(t, db, source(config.Table{Name: "parent"}, config.Table{Name: "child"}, config.Table{Name: "other"}, config.Table{Name: "p"})))
	ids := map[string]int{}
	rows, err := db.Query(`SELECT table_name, id FROM ferry.captured`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		var id int
		rows.Scan(&name, &id)
		ids[name] = id
	}
	rows.Close()
	truncates := func() []string {
		var out []string
		for _, r := range outbox(t, db) {
			for name, id := range ids {
				if id == r.TableID {
					out = append(out, r.Op+":"+name+":"+short(r.Before))
				}
			}
		}
		return out
	}
	seed := func() {
		pgtest.Exec(t, db, `TRUNCATE parent, child, other, p`,
			`INSERT INTO parent VALUES (1, 'a')`, `INSERT INTO child VALUES (1, 'b', 1)`, `INSERT INTO other VALUES (1, 'c')`,
			`INSERT INTO p VALUES (1, 'p1'), (2, 'p1'), (3, 'p2a'), (4, 'p2b')`)
		clear(t, db)
	}

	seed()
	pgtest.Exec(t, db, `TRUNCATE other`)
	expect(t, "TRUNCATE", truncates(), "t:other:-")
	seed()
	pgtest.Exec(t, db, `TRUNCATE parent CASCADE`)
	expectSet(t, "TRUNCATE ... CASCADE", truncates(), "t:child:-", "t:parent:-")
	seed()
	pgtest.Exec(t, db, `TRUNCATE other, child`)
	expectSet(t, "TRUNCATE of two tables", truncates(), "t:child:-", "t:other:-")
	seed()
	pgtest.Exec(t, db, `TRUNCATE p`)
	expect(t, "TRUNCATE of a partitioned table", truncates(), "t:p:-")
	seed()
	// A partition's rows are deleted one by one: the target cannot know
	// which rows a partition held.
	pgtest.Exec(t, db, `TRUNCATE p1`)
	expectSet(t, "TRUNCATE of a partition", truncates(), "d:p:1=p1", "d:p:2=p1")
	seed()
	pgtest.Exec(t, db, `TRUNCATE p2`)
	expectSet(t, "TRUNCATE of a partitioned partition", truncates(), "d:p:3=p2a", "d:p:4=p2b")
	seed()
	pgtest.Exec(t, db, `TRUNCATE p2b, p1`)
	expectSet(t, "TRUNCATE of two partitions", truncates(), "d:p:1=p1", "d:p:2=p1", "d:p:4=p2b")
	seed()
	pgtest.Exec(t, db, `TRUNCATE p1, p`)
	expect(t, "TRUNCATE of a partition and its table", truncates(), "d:p:1=p1", "d:p:2=p1", "t:p:-")
	seed()
	// The marks of one TRUNCATE do not leak into the next in the same
	// transaction, nor does a rolled back one count.
	pgtest.Exec(t, db, `BEGIN; TRUNCATE p; INSERT INTO p VALUES (3, 'again'); TRUNCATE p2a; COMMIT`)
	expect(t, "two TRUNCATEs in a transaction", truncates(), "t:p:-", "c:p:-", "d:p:3=again")
	seed()
	pgtest.Exec(t, db, `BEGIN; SAVEPOINT s; TRUNCATE p; ROLLBACK TO SAVEPOINT s; TRUNCATE p1; COMMIT`)
	expectSet(t, "TRUNCATE after a rolled back one", truncates(), "d:p:1=p1", "d:p:2=p1")
}

func TestStatementsOfEveryKindAreCaptured(t *testing.T) {
	t.Parallel()
	_, db := pgtest.NewDB(t)
	pgtest.Exec(t, db,
		`CREATE TABLE k (id int PRIMARY KEY, v text)`,
		`CREATE TABLE kid (id int PRIMARY KEY, v text, k_id int REFERENCES k ON DELETE CASCADE ON UPDATE CASCADE)`)
	m := migrator(t, db, source(config.Table{Name: "k"}, config.Table{Name: "kid"}))
	up(t, m)
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	run := func(stmts ...string) {
		t.Helper()
		for _, s := range stmts {
			if _, err := conn.ExecContext(context.Background(), s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
	}
	run(`INSERT INTO k VALUES (5, 'a'), (6, 'b'), (7, 'c')`)
	clear(t, db)

	// ENABLE ALWAYS: sessions that skip ordinary triggers are captured too.
	run(`SET session_replication_role = replica`, `INSERT INTO k VALUES (8, 'replica')`, `RESET session_replication_role`)
	expect(t, "session_replication_role = replica", changes(t, db), "c:->8=replica")
	clear(t, db)

	run(`COPY k FROM PROGRAM 'printf "20\tx\n21\ty\n"'`)
	expectSet(t, "COPY", changes(t, db), "c:->20=x", "c:->21=y")
	clear(t, db)

	run(`INSERT INTO k VALUES (7, 'z'), (9, 'n') ON CONFLICT (id) DO UPDATE SET v = excluded.v`)
	expect(t, "INSERT ... ON CONFLICT DO UPDATE", changes(t, db), "u:7=c>7=z", "c:->9=n")
	clear(t, db)
	// ON CONFLICT fires the update's triggers before the insert's: a key
	// vacated by the update and taken by the insert is in order.
	run(`INSERT INTO k VALUES (7, 'q'), (7, 'r') ON CONFLICT (id) DO UPDATE SET id = k.id + 100`)
	expect(t, "INSERT ... ON CONFLICT moving a key", changes(t, db), "d:7=z>-", "c:->107=z", "c:->7=r")
	clear(t, db)

	// MERGE fires delete, update, insert in that order: a key deleted and
	// inserted by one MERGE ends inserted.
	run(`MERGE INTO k USING (VALUES (5, 'del'), (6, 'upd'), (10, 'ins')) s(id, act) ON k.id = s.id
		WHEN MATCHED AND s.act = 'del' THEN DELETE
		WHEN MATCHED THEN UPDATE SET v = 'merged'
		WHEN NOT MATCHED THEN INSERT VALUES (s.id, 'new')`)
	expect(t, "MERGE", changes(t, db), "d:5=a>-", "u:6=b>6=merged", "c:->10=new")
	clear(t, db)
	run(`MERGE INTO k USING (VALUES (6, 'del'), (6, 'ins')) s(id, act) ON k.id = s.id AND s.act = 'del'
		WHEN MATCHED THEN DELETE
		WHEN NOT MATCHED THEN INSERT VALUES (s.id, 'again')`)
	expect(t, "MERGE deleting and inserting one key", changes(t, db), "d:6=merged>-", "c:->6=again")
	clear(t, db)

	// Views and rules that write the table are statements on the table.
	run(`CREATE VIEW kv AS SELECT * FROM k WHERE id > 0`,
		`INSERT INTO kv VALUES (40, 'view')`, `UPDATE kv SET v = 'vv' WHERE id = 40`,
		`CREATE VIEW kr AS SELECT id, v FROM k`,
		`CREATE RULE kr_insert AS ON INSERT TO kr DO INSTEAD INSERT INTO k VALUES (new.id + 1000, new.v)`,
		`INSERT INTO kr VALUES (41, 'rule')`,
		`CREATE FUNCTION kv_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DELETE FROM k WHERE id = old.id; RETURN old; END $$`,
		`CREATE TRIGGER kv_instead INSTEAD OF DELETE ON kr FOR EACH ROW EXECUTE FUNCTION kv_write()`,
		`DELETE FROM kr WHERE id = 1041`)
	expect(t, "views, rules, INSTEAD OF triggers", changes(t, db), "c:->40=view", "u:40=view>40=vv", "c:->1041=rule", "d:1041=rule>-")
	clear(t, db)

	// Foreign-key actions write the referencing table.
	run(`INSERT INTO kid VALUES (1, 'x', 20), (2, 'y', 20), (3, 'z', 21)`)
	clear(t, db)
	run(`UPDATE k SET id = 22 WHERE id = 21`, `DELETE FROM k WHERE id = 20`)
	got := changes(t, db)
	if !slices.Contains(got, "d:1=x>-") || !slices.Contains(got, "d:2=y>-") || !slices.Contains(got, "u:3=z>3=z") {
		t.Errorf("foreign-key cascades: captured %v", got)
	}
	clear(t, db)

	// A trigger disabled by hand: status says what is not captured, and up
	// puts it back.
	run(`ALTER TABLE k DISABLE TRIGGER ferry_capture_upd`)
	st := status(t, m)["public.k"]
	if st.Captured || !strings.Contains(st.Drift, "trigger ferry_capture_upd is disabled (ALTER TABLE ... DISABLE TRIGGER): updates are not captured") {
		t.Errorf("status with a disabled trigger: %+v", st)
	}
	run(`ALTER TABLE k ENABLE TRIGGER ferry_capture_upd`)
	st = status(t, m)["public.k"]
	if st.Captured || !strings.Contains(st.Drift, "trigger ferry_capture_upd fires only while session_replication_role is origin or local") {
		t.Errorf("status with an ORIGIN trigger: %+v", st)
	}
	run(`ALTER TABLE k DISABLE TRIGGER ALL`)
	if res := up(t, m); len(res.Changes) != 1 || res.Changes[0].Table != "public.k" {
		t.Errorf("up with disabled triggers: %+v", res.Changes)
	}
	if st := status(t, m)["public.k"]; !st.Captured || st.Drift != "" {
		t.Errorf("status after up: %+v", st)
	}
	run(`UPDATE k SET v = 'back' WHERE id = 40`)
	expect(t, "after up re-enabled the triggers", changes(t, db), "u:40=vv>40=back")
}

func TestRenamedAndRecreatedTablesShowInStatus(t *testing.T) {
	t.Parallel()
	_, db := pgtest.NewDB(t)
	pgtest.Exec(t, db, `CREATE TABLE a (id int PRIMARY KEY, v text)`, `CREATE TABLE b (id int PRIMARY KEY, v text)`)
	m := migrator(t, db, source(config.Table{Name: "a"}, config.Table{Name: "b"}))
	up(t, m)

	// Dropped and created again: the new table has no capture.
	// (Qualified: the test role is called ferry, like the capture schema,
	// so "$user" in the search_path puts new tables there.)
	pgtest.Exec(t, db, `DROP TABLE b`, `CREATE TABLE public.b (id int PRIMARY KEY, v text)`, `INSERT INTO b VALUES (1, 'lost')`)
	if st := status(t, m)["public.b"]; st.Captured || !strings.Contains(st.Drift, "dropped and created again") {
		t.Errorf("status of a recreated table: %+v", st)
	}
	// Renamed: the capture follows the table, and status says where.
	pgtest.Exec(t, db, `ALTER TABLE a RENAME TO a2`, `INSERT INTO a2 VALUES (1, 'kept')`)
	if got := changes(t, db); len(got) != 1 || got[0] != "c:->1=kept" {
		t.Errorf("the renamed table's changes: %v", got)
	}
	st := status(t, m)
	if s := st["public.a"]; s.Captured || !strings.Contains(s.Drift, "table does not exist") || !strings.Contains(s.Drift, "its capture is on public.a2 now") {
		t.Errorf("status of a renamed table: %+v", s)
	}
	renamed := migrator(t, db, source(config.Table{Name: "a2"}, config.Table{Name: "b"}))
	st = status(t, renamed)
	if s := st["public.a"]; !strings.Contains(s.Drift, "renamed to public.a2") {
		t.Errorf("status of the old name after the config names the new one: %+v", s)
	}
	up(t, renamed)
	for name, s := range status(t, renamed) {
		if !s.Captured || s.Drift != "" {
			t.Errorf("after up: %s %+v", name, s)
		}
	}
	clear(t, db)
	pgtest.Exec(t, db, `INSERT INTO a2 VALUES (2, 'x')`, `INSERT INTO b VALUES (2, 'y')`)
	if got := changes(t, db); len(got) != 2 {
		t.Errorf("after up, captured %v", got)
	}
	if n := pgtest.QueryValue[int](t, db, `SELECT count(*) FROM pg_trigger WHERE tgrelid = 'a2'::regclass AND NOT tgisinternal`); n != 4 {
		t.Errorf("the renamed table carries %d triggers, want 4", n)
	}
}

func TestTablesAndKeysCaptureCannotFollowAreRefused(t *testing.T) {
	t.Parallel()
	_, db := pgtest.NewDB(t)
	pgtest.Exec(t, db,
		`CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false)`,
		`CREATE DOMAIN required AS int NOT NULL`,
		`CREATE TABLE parent (id int PRIMARY KEY)`,
		`CREATE TABLE heir (extra int) INHERITS (parent)`,
		`CREATE TABLE m (id int PRIMARY KEY) PARTITION BY RANGE (id)`,
		`CREATE TABLE m1 PARTITION OF m FOR VALUES FROM (0) TO (10)`,
		`CREATE TABLE nokey (id int, v text)`,
		`CREATE TABLE nullable (id int, v text, UNIQUE (id))`,
		`CREATE TABLE deferred (id int, CONSTRAINT deferred_id UNIQUE (id) DEFERRABLE INITIALLY DEFERRED)`,
		`ALTER TABLE deferred ALTER COLUMN id SET NOT NULL`,
		`CREATE TABLE partial (id int NOT NULL)`, `CREATE UNIQUE INDEX ON partial (id) WHERE id > 0`,
		`CREATE TABLE spans (id interval PRIMARY KEY)`,
		`CREATE TABLE docs (id jsonb PRIMARY KEY)`,
		`CREATE TABLE arr (id int[] PRIMARY KEY)`,
		`CREATE TABLE ci_text (id text COLLATE ci PRIMARY KEY)`,
		`CREATE TABLE padded (id bpchar PRIMARY KEY)`,
		`CREATE TABLE dom (id int PRIMARY KEY, secret required)`,
		// Accepted: a configured key covered by a unique index on fewer
		// columns, and a deferrable key checked at each statement's end.
		`CREATE TABLE superkey (a int NOT NULL, b int NOT NULL, UNIQUE (a))`,
		`CREATE TABLE swappable (id int PRIMARY KEY DEFERRABLE)`)
	m := migrator(t, db, source(
		config.Table{Name: "parent", Line: 1}, config.Table{Name: "heir", Line: 2}, config.Table{Name: "m1", Line: 3},
		config.Table{Name: "nokey", Key: []string{"id"}, Line: 4}, config.Table{Name: "nullable", Key: []string{"id"}, Line: 5},
		config.Table{Name: "deferred", Key: []string{"id"}, Line: 6}, config.Table{Name: "partial", Key: []string{"id"}, Line: 7},
		config.Table{Name: "spans", Line: 8}, config.Table{Name: "docs", Line: 9}, config.Table{Name: "arr", Line: 10},
		config.Table{Name: "ci_text", Line: 11}, config.Table{Name: "padded", Line: 12},
		config.Table{Name: "dom", Exclude: []string{"secret"}, Line: 13},
		config.Table{Name: "superkey", Key: []string{"a", "b"}, Line: 14}, config.Table{Name: "swappable", Line: 15},
	))
	_, err := m.Up(context.Background())
	if err == nil {
		t.Fatal("up succeeded")
	}
	for _, want := range []string{
		"test.yaml:1: source hq table public.parent: it has inheritance children (public.heir)",
		"test.yaml:2: source hq table public.heir: it inherits from public.parent",
		"test.yaml:3: source hq table public.m1: it is a partition of public.m: capture public.m",
		"test.yaml:4: source hq table public.nokey: key (id) is not backed by a unique index",
		"test.yaml:5: source hq table public.nullable: key column id allows NULL",
		"test.yaml:6: source hq table public.deferred: key (id) is unique only through the constraint deferred_id, which is INITIALLY DEFERRED",
		"test.yaml:7: source hq table public.partial: key (id) is not backed by a unique index",
		"test.yaml:8: source hq table public.spans: key column id (interval) cannot be a key: interval values that compare equal print differently",
		"test.yaml:9: source hq table public.docs: key column id (jsonb) cannot be a key",
		"test.yaml:10: source hq table public.arr: key column id (integer[]) cannot be a key",
		"test.yaml:11: source hq table public.ci_text: key column id (text) cannot be a key: its collation is nondeterministic",
		"test.yaml:12: source hq table public.padded: key column id (bpchar) cannot be a key",
		"test.yaml:13: source hq table public.dom: excluded column secret cannot be excluded: its type required does not accept NULL",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q", want)
		}
	}
	for _, ok := range []string{"public.superkey", "public.swappable"} {
		if strings.Contains(err.Error(), ok) {
			t.Errorf("%s was refused:\n%v", ok, err)
		}
	}
	if t.Failed() {
		t.Log(err)
	}
	if n := pgtest.QueryValue[int](t, db, `SELECT count(*) FROM pg_namespace WHERE nspname = 'ferry'`); n != 0 {
		t.Error("a refused up created the capture schema")
	}
	st := status(t, migrator(t, db, source(config.Table{Name: "swappable"})))["public.swappable"]
	if len(st.Gaps) != 1 || !strings.Contains(st.Gaps[0], "SET CONSTRAINTS swappable_pkey DEFERRED") {
		t.Errorf("status of a table with a deferrable key: %+v", st)
	}
	_ = fmt.Sprint
}
