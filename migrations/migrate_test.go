package migrations_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"

	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/sql/postgres"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

func TestUpTwiceIsANoOp(t *testing.T) {
	t.Parallel()
	_, db := pgtest.NewDB(t)
	pgtest.Exec(t, db, `CREATE TABLE a (id int PRIMARY KEY)`, `CREATE TABLE b (id int PRIMARY KEY)`)
	m := migrator(t, db, source(config.Table{Name: "a"}, config.Table{Name: "b"}))
	first := up(t, m)
	if len(first.Schema) != schemaFiles(t) || len(first.Changes) != 2 {
		t.Fatalf("first up: %+v", first)
	}
	second := up(t, m)
	if len(second.Schema) != 0 || len(second.Changes) != 0 {
		t.Fatalf("second up did something: %+v", second)
	}
	if n := pgtest.QueryValue[int](t, db, `SELECT count(*) FROM ferry.goose_triggers WHERE version_id > 0`); n != 1 {
		t.Errorf("goose_triggers has %d versions after two runs, want 1", n)
	}
}

func TestAddedColumnAndTableAreBroughtInLineWithoutLosingChanges(t *testing.T) {
	t.Parallel()
	_, db := pgtest.NewDB(t)
	pgtest.Exec(t, db, `CREATE TABLE emp (id int PRIMARY KEY, name text)`, `CREATE TABLE dept (id int PRIMARY KEY)`)
	up(t, migrator(t, db, source(config.Table{Name: "emp"})))

	// A writer inserts throughout: while a column is added, and while up
	// replaces triggers and adds a table. Every insert must be captured.
	db.SetMaxOpenConns(8)
	var written atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := db.Exec(`INSERT INTO emp (id, name) VALUES ($1, 'n')`, i); err != nil {
				t.Errorf("insert %d: %v", i, err)
				return
			}
			written.Add(1)
		}
	}()
	for written.Load() < 50 {
	}
	pgtest.Exec(t, db, `ALTER TABLE emp ADD COLUMN salary numeric(10,2) DEFAULT 1.50`)
	// The ALTER's lock makes every later insert take a larger seq.
	altered := pgtest.QueryValue[int64](t, db, `SELECT coalesce(max(seq), 0) FROM ferry.outbox`)
	for start := written.Load(); written.Load() < start+50; {
	}

	m := migrator(t, db, source(config.Table{Name: "emp"}, config.Table{Name: "dept"}))
	_, status, err := m.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(status) != 2 || !strings.Contains(status[0].Drift, "columns added: salary") || !strings.Contains(status[1].Drift, "not captured") {
		t.Fatalf("status before up: %+v", status)
	}
	res := up(t, m)
	for start := written.Load(); written.Load() < start+50; {
	}
	close(stop)
	wg.Wait()

	if len(res.Changes) != 2 || res.Changes[0].Action != "update" || res.Changes[1].Action != "install" {
		t.Fatalf("up changes: %+v", res.Changes)
	}
	if got := pgtest.QueryValue[int64](t, db, `SELECT count(*) FROM ferry.outbox_changes WHERE op = 'c'`); got != written.Load() {
		t.Fatalf("captured %d inserts, wrote %d", got, written.Load())
	}
	// Rows written after the ALTER carry the new column even before up ran.
	missing := pgtest.QueryValue[int](t, db, `SELECT count(*) FROM ferry.outbox_changes o JOIN emp e ON e.id = (o.after->>'id')::int
		WHERE o.seq > $1 AND (o.after->>'salary') IS DISTINCT FROM e.salary::text`, altered)
	if missing != 0 {
		t.Errorf("%d changes captured after the ALTER lack the added column's value", missing)
	}
	if n := pgtest.QueryValue[int](t, db, `SELECT count(*) FROM ferry.outbox_changes WHERE seq > $1`, altered); n < 100 {
		t.Errorf("only %d changes captured after the ALTER; the test did not exercise the window", n)
	}
	_, status, err = m.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range status {
		if !s.Captured || s.Drift != "" {
			t.Errorf("after up: %+v", s)
		}
	}
	pgtest.Exec(t, db, `INSERT INTO dept VALUES (7)`)
	if n := pgtest.QueryValue[int](t, db, `SELECT count(*) FROM ferry.outbox o JOIN ferry.captured c ON c.id = o.table_id WHERE c.table_name = 'dept'`); n != 1 {
		t.Errorf("added table: %d changes captured, want 1", n)
	}
}

func TestBadInputFailsBeforeAnyDDL(t *testing.T) {
	t.Parallel()
	_, db := pgtest.NewDB(t)
	pgtest.Exec(t, db,
		`CREATE TABLE ok (id int PRIMARY KEY)`,
		`CREATE TABLE nokey (a int, b text)`,
		`CREATE TABLE pay (id int PRIMARY KEY, amount money)`,
		`CREATE VIEW v AS SELECT 1 AS id`)
	m := migrator(t, db, source(
		config.Table{Name: "ok", Line: 3},
		config.Table{Name: "nosuch", Line: 4},
		config.Table{Name: "nokey", Line: 5},
		config.Table{Name: "pay", Line: 6},
		config.Table{Name: "ok2", Schema: "public", Line: 7},
		config.Table{Name: "v", Line: 8},
		config.Table{Name: "ok", Schema: "other", Exclude: []string{"x"}, Line: 9},
	))
	pgtest.Exec(t, db, `CREATE SCHEMA other`, `CREATE TABLE other.ok (id int PRIMARY KEY)`)
	_, err := m.Up(context.Background())
	if err == nil {
		t.Fatal("up succeeded with bad tables")
	}
	for _, want := range []string{
		"test.yaml:4: source hq table public.nosuch: table does not exist",
		"test.yaml:5: source hq table public.nokey: no primary key and no key configured",
		"test.yaml:6: source hq table public.pay: column amount: type money cannot be carried exactly",
		"test.yaml:7: source hq table public.ok2: table does not exist",
		"test.yaml:8: source hq table public.v: public.v is a view, not a table",
		"test.yaml:9: source hq table other.ok: excluded column x does not exist",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if n := pgtest.QueryValue[int](t, db, `SELECT count(*) FROM pg_namespace WHERE nspname = 'ferry'`); n != 0 {
		t.Error("a failed up created the capture schema")
	}
	if n := pgtest.QueryValue[int](t, db, `SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal`); n != 0 {
		t.Errorf("a failed up left %d triggers", n)
	}

	// With capture installed, a later bad config changes nothing either.
	up(t, migrator(t, db, source(config.Table{Name: "ok"})))
	bad := migrator(t, db, source(config.Table{Name: "ok"}, config.Table{Name: "nokey"}))
	if _, err := bad.Up(context.Background()); err == nil {
		t.Fatal("up succeeded with a table without a key")
	}
	if n := pgtest.QueryValue[int](t, db, `SELECT count(*) FROM ferry.goose_triggers WHERE version_id > 0`); n != 1 {
		t.Errorf("a failed up recorded a migration: %d versions", n)
	}
}

func TestNamesNeedingQuotesAndInjectionAttempts(t *testing.T) {
	t.Parallel()
	_, db := pgtest.NewDB(t)
	names := []struct{ schema, table, col string }{
		{"public", "Mixed Case", "Select"},
		{"My Schema", "order", "from"},
		{"public", `x"; DROP TABLE victim; --`, `y"); DROP TABLE victim; --`},
		{"public", `Robert'); DROP TABLE victim;--`, `it's`},
		{"public", `back\slash $$ $ferry`, `tab	col`},
	}
	pgtest.Exec(t, db, `CREATE TABLE victim (id int)`, `CREATE SCHEMA "My Schema"`)
	var tables []config.Table
	for _, n := range names {
		q := `"` + strings.ReplaceAll(n.schema, `"`, `""`) + `"."` + strings.ReplaceAll(n.table, `"`, `""`) + `"`
		c := `"` + strings.ReplaceAll(n.col, `"`, `""`) + `"`
		pgtest.Exec(t, db, `CREATE TABLE `+q+` (`+c+` int PRIMARY KEY, v text)`)
		tables = append(tables, config.Table{Schema: n.schema, Name: n.table, Exclude: []string{"v"}})
	}
	up(t, migrator(t, db, source(tables...)))
	for i, n := range names {
		q := `"` + strings.ReplaceAll(n.schema, `"`, `""`) + `"."` + strings.ReplaceAll(n.table, `"`, `""`) + `"`
		pgtest.Exec(t, db, `INSERT INTO `+q+` VALUES (`+string(rune('1'+i))+`, 'secret')`)
	}
	if n := pgtest.QueryValue[int](t, db, `SELECT count(*) FROM pg_class WHERE relname = 'victim'`); n != 1 {
		t.Fatal("victim table was dropped")
	}
	rows := outbox(t, db)
	if len(rows) != len(names) {
		t.Fatalf("captured %d rows, want %d", len(rows), len(names))
	}
	for i, r := range rows {
		if _, ok := r.After[names[i].col]; !ok {
			t.Errorf("row %d image %v lacks column %q", i, r.Raw[1].String, names[i].col)
		}
		if v, ok := r.After["v"]; ok && string(v) != "null" {
			t.Errorf("row %d image carries the excluded column's value: %s", i, r.Raw[1].String)
		}
	}
	if n := pgtest.QueryValue[int](t, db, `SELECT count(*) FROM ferry.captured`); n != len(names) {
		t.Errorf("registry holds %d tables, want %d", n, len(names))
	}
}

func TestGenerateWritesWhatUpRuns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, db := pgtest.NewDB(t)
	pgtest.Exec(t, db, `CREATE TABLE a (id int PRIMARY KEY, v text)`)
	m := migrator(t, db, source(config.Table{Name: "a"}))
	dir := t.TempDir()
	files, err := m.Generate(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != schemaFiles(t)+2 {
		t.Fatalf("generate wrote %v", files)
	}
	if n := pgtest.QueryValue[int](t, db, `SELECT count(*) FROM pg_namespace WHERE nspname = 'ferry'`); n != 0 {
		t.Fatal("generate changed the database")
	}

	// A DBA applies the reviewed files with goose itself...
	prepare, err := os.ReadFile(filepath.Join(dir, "prepare.sql"))
	if err != nil {
		t.Fatal(err)
	}
	pgtest.Exec(t, db, string(prepare))
	for _, sub := range []string{"capture", "triggers"} {
		store, err := database.NewStore(database.DialectPostgres, "ferry.goose_"+sub)
		if err != nil {
			t.Fatal(err)
		}
		p, err := goose.NewProvider("", db, os.DirFS(filepath.Join(dir, sub)), goose.WithStore(store), goose.WithDisableGlobalRegistry(true))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Up(ctx); err != nil {
			t.Fatalf("goose up %s: %v", sub, err)
		}
	}
	// ...and ferry finds exactly what up would have installed.
	res := up(t, m)
	if len(res.Schema) != 0 || len(res.Changes) != 0 {
		t.Fatalf("up after applying the generated files still did %+v", res)
	}
	pgtest.Exec(t, db, `INSERT INTO a VALUES (1, 'x')`)
	if len(outbox(t, db)) != 1 {
		t.Fatal("the generated triggers do not capture")
	}
}

func TestDownRemovesCaptureButNotApplicationTables(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, db := pgtest.NewDB(t)
	pgtest.Exec(t, db, `CREATE TABLE a (id int PRIMARY KEY)`, `INSERT INTO a VALUES (1)`)
	m := migrator(t, db, source(config.Table{Name: "a"}))
	up(t, m)
	pgtest.Exec(t, db, `INSERT INTO a VALUES (2)`)

	removed, err := m.Down(ctx, false)
	if err != nil || len(removed) != 1 {
		t.Fatalf("down: %v %v", removed, err)
	}
	if n := pgtest.QueryValue[int](t, db, `SELECT count(*) FROM pg_trigger WHERE tgrelid = 'a'::regclass AND NOT tgisinternal`); n != 0 {
		t.Errorf("%d triggers left on a", n)
	}
	if n := pgtest.QueryValue[int](t, db, `SELECT count(*) FROM pg_proc WHERE pronamespace = 'ferry'::regnamespace AND proname LIKE 'capture\_%'`); n != 0 {
		t.Errorf("%d capture functions left", n)
	}
	if n := pgtest.QueryValue[int](t, db, `SELECT count(*) FROM ferry.outbox`); n != 1 {
		t.Errorf("down without --drop-outbox lost the outbox: %d rows", n)
	}
	pgtest.Exec(t, db, `INSERT INTO a VALUES (3)`)
	if n := pgtest.QueryValue[int](t, db, `SELECT count(*) FROM ferry.outbox`); n != 1 {
		t.Error("changes are still captured after down")
	}

	if _, err := m.Down(ctx, true); err != nil {
		t.Fatalf("down --drop-outbox: %v", err)
	}
	if n := pgtest.QueryValue[int](t, db, `SELECT count(*) FROM pg_tables WHERE schemaname = 'ferry'`); n != 0 {
		t.Errorf("%d tables left in the capture schema", n)
	}
	if n := pgtest.QueryValue[int](t, db, `SELECT count(*) FROM a`); n != 3 {
		t.Errorf("application table has %d rows, want 3", n)
	}
	// And up installs everything again from scratch.
	up(t, m)
	pgtest.Exec(t, db, `INSERT INTO a VALUES (4)`)
	if n := pgtest.QueryValue[int](t, db, `SELECT count(*) FROM ferry.outbox`); n != 1 {
		t.Errorf("re-installed capture: %d rows", n)
	}
}

func TestApplicationRoleWithoutRightsOnTheCaptureSchemaCanWrite(t *testing.T) {
	t.Parallel()
	dsn, db := pgtest.NewDB(t)
	role := "app_" + strings.TrimPrefix(strings.ToLower(filepath.Base(dsn)), "ferry_t_")
	role = strings.Split(role, "?")[0]
	pgtest.Exec(t, db,
		`CREATE TABLE a (id int PRIMARY KEY, arr int[], secret text)`,
		`DROP ROLE IF EXISTS `+role, `CREATE ROLE `+role+` LOGIN PASSWORD 'app'`,
		`GRANT ALL ON TABLE a TO `+role)
	t.Cleanup(func() { db.Exec(`DROP OWNED BY ` + role); db.Exec(`DROP ROLE ` + role) })
	up(t, migrator(t, db, source(config.Table{Name: "a", Exclude: []string{"secret"}})))

	// The trigger runs as its owner, so a caller's search_path must not be
	// able to put the caller's own functions or operators into its body.
	pgtest.Exec(t, db, `CREATE SCHEMA evil`, `GRANT USAGE ON SCHEMA evil TO `+role,
		`CREATE FUNCTION evil.row_to_json(r record) RETURNS json LANGUAGE plpgsql AS $$ BEGIN RETURN '{"evil": true}'; END $$`,
		`CREATE FUNCTION evil.row_number() RETURNS bigint LANGUAGE sql AS $$ SELECT 1::bigint $$`,
		`CREATE FUNCTION evil.jsonb_populate_record(r anyelement, j jsonb) RETURNS anyelement LANGUAGE sql AS $$ SELECT r $$`,
		`CREATE FUNCTION evil.json_populate_record(r anyelement, j json) RETURNS anyelement LANGUAGE sql AS $$ SELECT r $$`,
		`CREATE FUNCTION evil.json_eq(a text, b text) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$`,
		`CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.json_eq)`,
		`CREATE FUNCTION evil.get(j json, k text) RETURNS text LANGUAGE sql AS $$ SELECT 'evil' $$`,
		`CREATE OPERATOR evil.->> (LEFTARG = json, RIGHTARG = text, FUNCTION = evil.get)`)

	app := pgtest.Open(t, strings.Replace(dsn, "ferry:ferry@", role+":app@", 1))
	app.SetMaxOpenConns(1)
	if _, err := app.Exec(`SELECT count(*) FROM ferry.outbox`); err == nil {
		t.Fatal("the application role can read the outbox; the test needs a role without rights")
	}
	if _, err := app.Exec(`SET search_path = evil, pg_catalog, public`); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Exec(`INSERT INTO public.a VALUES (1, '[0:1]={1,2}', 'secret'), (2, '{3}', 'secret')`); err != nil {
		t.Fatalf("application insert through the capture trigger: %v", err)
	}
	if _, err := app.Exec(`UPDATE public.a SET id = id + 10`); err != nil {
		t.Fatalf("application update through the capture trigger: %v", err)
	}
	rows := outbox(t, db)
	if len(rows) != 6 {
		t.Fatalf("captured %d rows, want 6", len(rows))
	}
	for _, r := range rows {
		for _, img := range r.Raw {
			if strings.Contains(img.String, "evil") || strings.Contains(img.String, `"secret":"secret"`) {
				t.Fatalf("the caller's search_path reached into the trigger: %s", img.String)
			}
		}
		if r.After != nil && string(r.After["id"]) == "11" && string(r.After["arr"]) != `"[0:1]={1,2}"` {
			t.Errorf("array bounds lost: %s", r.Raw[1].String)
		}
	}
}

// schemaFiles counts the capture schema's migrations for PostgreSQL.
func schemaFiles(t *testing.T) int {
	t.Helper()
	files, err := fs.Glob(postgres.Dialect{}.Source().Capture().SchemaFiles(), "*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no capture schema migrations: %v", err)
	}
	return len(files)
}
