package main

import (
	"context"
	stdsql "database/sql"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/internal/kafkatest"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// TestMisusedCommandsAreUsageErrors (issue 8, item 4): an unknown command,
// a missing one, or an extra or missing argument exits 2 with the reason,
// at every level, so that `ferry migrate upp && deploy` stops.
func TestMisusedCommandsAreUsageErrors(t *testing.T) {
	t.Parallel()
	for args, want := range map[string]string{
		"frobnicate":            `unknown command "frobnicate" for "ferry"`,
		"migrate sideways":      `unknown command "sideways" for "ferry migrate"`,
		"migrate upp":           `unknown command "upp" for "ferry migrate" (did you mean up?)`,
		"dlq frobnicate":        `unknown command "frobnicate" for "ferry dlq"`,
		"migrate":               "ferry migrate: name a command: down, generate, status, up",
		"dlq":                   "ferry dlq: name a command: list, replay, show",
		"":                      "ferry: name a command:",
		"check extra":           `unknown command "extra" for "ferry check"`,
		"migrate up extra":      `unknown command "extra" for "ferry migrate up"`,
		"migrate status a b":    `unknown command "a" for "ferry migrate status"`,
		"relay extra":           `unknown command "extra" for "ferry relay"`,
		"apply extra":           `unknown command "extra" for "ferry apply"`,
		"dlq list extra":        `unknown command "extra" for "ferry dlq list"`,
		"dlq replay extra":      `unknown command "extra" for "ferry dlq replay"`,
		"dlq show":              "ferry dlq show: accepts 1 arg(s), received 0",
		"dlq show a/0/1 b/0/2":  "ferry dlq show: accepts 1 arg(s), received 2",
		"version extra":         `unknown command "extra" for "ferry version"`,
		"check --no-such-flag":  "unknown flag: --no-such-flag",
		"migrate up --sauce hq": "unknown flag: --sauce",
	} {
		_, errOut, code := ferry(t, nil, strings.Fields(args)...)
		if code != exitUsage || !strings.Contains(errOut, want) {
			t.Errorf("ferry %s: exit %d, want %d with %q:\n%s", args, code, exitUsage, want, errOut)
		}
	}
	for _, args := range []string{"help", "help migrate", "migrate --help", "version"} {
		if _, errOut, code := ferry(t, nil, strings.Fields(args)...); code != 0 {
			t.Errorf("ferry %s: exit %d\n%s", args, code, errOut)
		}
	}
}

// TestMigrateUpChecksEverySourceBeforeAnyDDL: two sources, the second with
// a missing table and a table without a key: up installs nothing on either,
// and reports both problems, each with its source.
func TestMigrateUpChecksEverySourceBeforeAnyDDL(t *testing.T) {
	t.Parallel()
	dsnA, dbA := pgtest.NewDB(t)
	dsnB, dbB := pgtest.NewDB(t)
	pgtest.Exec(t, dbA, `CREATE TABLE emp (id int PRIMARY KEY, name text)`)
	pgtest.Exec(t, dbB, `CREATE TABLE nokey (a int)`)
	path := writeFile(t, "ferry.yaml", `sources:
  - name: first
    dialect: postgres
    dsn: ${A}
    tables: [{name: public.emp}]
  - name: second
    dialect: postgres
    dsn: ${B}
    tables: [{name: public.gone}, {name: public.nokey}]
kafka:
  brokers: [127.0.0.1:9]
`)
	out, errOut, code := ferry(t, []string{"A=" + dsnA, "B=" + dsnB}, "migrate", "up", "-c", path)
	if code != exitFailed {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		path + ":9: source second table public.gone: table does not exist",
		path + ":9: source second table public.nokey: no primary key and no key configured",
		"nothing was changed on any source",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("migrate up did not report %q:\n%s", want, errOut)
		}
	}
	for name, db := range map[string]*stdsql.DB{"first": dbA, "second": dbB} {
		if n := pgtest.QueryValue[int](t, db, `SELECT count(*) FROM pg_namespace WHERE nspname = 'ferry'`); n != 0 {
			t.Errorf("source %s got a capture schema although another source had problems", name)
		}
	}
}

// TestConnectionErrorsNameTheirDatabase: every command that cannot reach a
// source or target says which.
func TestConnectionErrorsNameTheirDatabase(t *testing.T) {
	t.Parallel()
	brokers := kafkatest.Brokers(t)
	prefix := kafkatest.Prefix(t)
	path := writeFile(t, "ferry.yaml", `sources:
  - name: hq
    dialect: postgres
    dsn: postgres://ferry:secret@127.0.0.1:1/hq?connect_timeout=2
    tables: [{name: public.emp}]
targets:
  - name: branch
    dialect: postgres
    dsn: postgres://ferry:secret@127.0.0.1:1/branch?connect_timeout=2
kafka:
  brokers: [`+brokers+`]
  topic_prefix: `+prefix+`
routes:
  - from: hq.public.emp
    to: branch.public.emp
`)
	for args, want := range map[string]string{
		"migrate up":     "connect to source hq:",
		"migrate status": "connect to source hq:",
		"dlq replay":     "connect to target branch:",
		"check":          "source hq: not reachable", // and skipped: check goes on
	} {
		out, errOut, code := ferry(t, nil, append(strings.Fields(args), "-c", path)...)
		// check says what it could not reach, and exits 1: not checked is not ok.
		if code == 0 || args == "check" && (code != 1 || !strings.Contains(out+errOut, "2 not reachable, not checked: source hq, target branch")) ||
			!strings.Contains(out+errOut, want) || strings.Contains(out+errOut, "secret") {
			t.Errorf("ferry %s: exit %d, want %q:\n%s%s", args, code, want, out, errOut)
		}
	}
	if out, _, _ := ferry(t, nil, "check", "-c", path); !strings.Contains(out, "target branch: not reachable") {
		t.Errorf("check does not name the target:\n%s", out)
	}
	// The daemons keep trying, and say whose database they cannot reach.
	// A line that names the database and says it could not connect.
	for cmd, want := range map[string]*regexp.Regexp{
		"apply": regexp.MustCompile(`target=branch err="[^"\n]*failed to connect`),
		"relay": regexp.MustCompile(`source=hq kind=database err="[^"\n]*failed to connect`)} {
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
		out, _ := exec.CommandContext(ctx, ferryBin, cmd, "-c", path, "--log-format", "text").CombinedOutput()
		cancel()
		if !want.Match(out) {
			t.Errorf("ferry %s does not say which database it cannot reach:\n%s", cmd, out)
		}
	}
}

// TestCheckReviewsTargetSchemas (issue 8, item 2): ferry check says, before
// any change flows, how the applier handles what each target table has,
// and refuses what cannot work.
func TestCheckReviewsTargetSchemas(t *testing.T) {
	t.Parallel()
	src, sdb := pgtest.NewDB(t)
	tgt, tdb := pgtest.NewDB(t)
	pgtest.Exec(t, sdb,
		`CREATE TABLE emp (id int PRIMARY KEY, name text, salary numeric(12,2), valid_to timestamptz)`,
		`CREATE TABLE dept (id int PRIMARY KEY, name text)`, `CREATE TABLE site (id int PRIMARY KEY, name text)`)
	pgtest.Exec(t, tdb,
		`CREATE TABLE dept (id int PRIMARY KEY, name text UNIQUE, name_len int GENERATED ALWAYS AS (length(name)) STORED)`,
		`CREATE TABLE site (id int PRIMARY KEY DEFERRABLE, name text) PARTITION BY HASH (id)`,
		`CREATE TABLE emp (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text CONSTRAINT emp_name_key UNIQUE DEFERRABLE INITIALLY DEFERRED,
			salary numeric(12,2) CONSTRAINT cap CHECK (salary <= 10000), valid_to timestamptz,
			dept_id int REFERENCES dept, created timestamptz NOT NULL DEFAULT now(), badge text NOT NULL)`,
		`CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$`,
		`CREATE TRIGGER stamp BEFORE INSERT ON emp FOR EACH ROW EXECUTE FUNCTION noop()`)
	path := writeFile(t, "ferry.yaml", `sources:
  - name: hq
    dialect: postgres
    dsn: ${SRC}
    tables: [{name: public.emp}, {name: public.dept}, {name: public.site}]
targets:
  - name: branch
    dialect: postgres
    dsn: ${TGT}
kafka:
  brokers: [127.0.0.1:9]
routes:
  - from: hq.public.emp
    to: branch.public.emp
    rules:
      - {name: expired, when: "valid_to < 2000"}
  - from: hq.public.dept
    to: branch.public.dept
    truncate: truncate
  - from: hq.public.site
    to: branch.public.site
`)
	out, errOut, code := ferry(t, []string{"SRC=" + src, "TGT=" + tgt}, "check", "-c", path)
	if code != exitUsage {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		path + ":13: route to branch.public.emp: column badge is NOT NULL without a default and the route writes nothing into it: every insert would fail (add a default, a constant, or drop NOT NULL)",
		path + ":13: route to branch.public.emp: route hq.public.emp -> branch.public.emp: rule expired (line 16): invalid operation: < (mismatched types time.Time and int)",
		path + ":17: route to branch.public.dept: truncate: truncate: foreign keys of other tables refer to this one (public.emp (emp_dept_id_fkey)), so the database refuses TRUNCATE; use delete or reject",
		"note: " + path + ":13: route to branch.public.emp: column id is an identity column (always): written on insert with the source's values (OVERRIDING SYSTEM VALUE) and never updated",
		"note: " + path + ":13: route to branch.public.emp: columns dept_id, created are not in the source: an insert gives them their default (or NULL), an update leaves them as they are",
		"note: " + path + ":13: route to branch.public.emp: unique emp_name_key (deferrable: checked at commit): a change that takes a value another row still holds waits up to apply.unique_wait",
		"note: " + path + ":13: route to branch.public.emp: check cap CHECK ((salary <= (10000)::numeric)): a change that breaks it goes to the DLQ",
		"note: " + path + ":13: route to branch.public.emp: trigger stamp fires on every change applied",
		"note: " + path + ":20: route to branch.public.site: the primary key is deferrable, which ON CONFLICT cannot use: rows that exist are updated, the others inserted",
		"note: " + path + ":20: route to branch.public.site: the table is partitioned",
		"note: " + path + ":17: route to branch.public.dept: generated column name_len is computed by the target",
		"note: " + path + ":17: route to branch.public.dept: unique dept_name_key: a change that takes a value",
		"3 problems\n",
	} {
		if !strings.Contains(out+errOut, want) {
			t.Errorf("check output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s%s", out, errOut)
	}
}
