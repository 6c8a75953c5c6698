package oracle

import (
	"context"
	"crypto/rand"
	stdsql "database/sql"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// The integration tests need a real Oracle: FERRY_TEST_ORACLE_DSN is a DSN
// of a user that may create users and grant (SYSTEM on a PDB), for example
// oracle://system:password@127.0.0.1:1521/FREEPDB1 with Oracle Free 23ai
// from `docker compose --profile oracle up`. Each test creates its own
// users (schemas) and drops them when it ends.
const dsnVar = "FERRY_TEST_ORACLE_DSN"

type oraEnv struct {
	t     *testing.T
	base  string
	admin *stdsql.DB
	id    string
}

func oracleEnv(t *testing.T) *oraEnv {
	t.Helper()
	dsn := os.Getenv(dsnVar)
	if dsn == "" {
		t.Skipf("set %s to run against Oracle (a DBA user's DSN on a PDB, e.g. oracle://system:pw@127.0.0.1:1521/FREEPDB1)", dsnVar)
	}
	admin, err := Dialect{}.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	b := make([]byte, 4)
	rand.Read(b)
	return &oraEnv{t: t, base: dsn, admin: admin, id: strings.ToUpper(hex.EncodeToString(b))}
}

// user creates a user (schema) with the given privileges and returns its
// name and a pool connected as it; the user is dropped at cleanup.
func (e *oraEnv) user(suffix string, grants ...string) (string, *stdsql.DB) {
	t := e.t
	t.Helper()
	name := "FT" + e.id + "_" + suffix
	pw := "Pw_" + strings.ToLower(e.id) + "_x1"
	mustExec(t, e.admin, `CREATE USER `+ident(name)+` IDENTIFIED BY "`+pw+`" QUOTA UNLIMITED ON USERS`)
	mustExec(t, e.admin, `GRANT CREATE SESSION TO `+ident(name))
	for _, g := range grants {
		mustExec(t, e.admin, "GRANT "+g+" TO "+ident(name))
	}
	u, err := url.Parse(e.base)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(name, pw)
	db, err := Dialect{}.Open(u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		if _, err := e.admin.Exec(`DROP USER ` + ident(name) + ` CASCADE`); err != nil {
			t.Logf("drop user %s: %v", name, err)
		}
	})
	return name, db
}

// captureGrants are what a capture schema's owner needs when it is also
// the migrating and relaying user (README.md, "Least privileges").
var captureGrants = []string{
	"CREATE TABLE", "CREATE SEQUENCE", "CREATE PROCEDURE", "CREATE ANY TRIGGER",
	"EXECUTE ON SYS.DBMS_FLASHBACK", "SELECT ON SYS.V_$TRANSACTION", "EXECUTE ON SYS.DBMS_LOCK",
}

func mustExec(t *testing.T, db interface {
	ExecContext(context.Context, string, ...any) (stdsql.Result, error)
}, q string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// captureFixture is an application schema with tables and a capture schema
// that captures them, both users of their own.
type captureFixture struct {
	env          *oraEnv
	app, cap     string
	appDB, capDB *stdsql.DB
	outbox       *outbox
	tables       map[int]*fsql.Table
	reg          map[int][]fsql.Column
	pos          []byte
}

func newCaptureFixture(t *testing.T) *captureFixture {
	e := oracleEnv(t)
	app, appDB := e.user("APP", "CREATE TABLE")
	capName, capDB := e.user("CAP", captureGrants...)
	f := &captureFixture{env: e, app: app, cap: capName, appDB: appDB, capDB: capDB,
		tables: map[int]*fsql.Table{}, reg: map[int][]fsql.Column{}}
	mustExec(t, capDB, capture{}.PrepareSchema(capName))
	installSchema(t, capDB, capName)
	f.outbox = newOutbox(capDB, capName)
	return f
}

// table creates an application table and installs capture of it as id.
func (f *captureFixture) table(t *testing.T, id int, name, ddl string, exclude ...string) *fsql.Table {
	t.Helper()
	mustExec(t, f.appDB, "CREATE TABLE "+ident(f.app, name)+" "+ddl)
	mustExec(t, f.appDB, "GRANT SELECT ON "+ident(f.app, name)+" TO "+ident(f.cap))
	tbl, err := Dialect{}.Describe(context.Background(), f.capDB, `"`+f.app+`"`, `"`+name+`"`)
	if err != nil {
		t.Fatal(err)
	}
	spec := fsql.CaptureSpec{CaptureSchema: f.cap, ID: id, Table: tbl, Key: tbl.PrimaryKey, Exclude: exclude}
	stmts, err := capture{}.Triggers(spec)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := capture{}.Register(spec, "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range append(stmts, reg) {
		mustExec(t, f.capDB, s)
	}
	f.tables[id] = tbl
	var cols []fsql.Column
	for _, c := range tbl.Columns {
		if !slices.Contains(exclude, c.Name) {
			cols = append(cols, c)
		}
	}
	f.reg[id] = cols
	return tbl
}

// change is one outbox row with its images in neutral forms.
type change struct {
	table         int
	op            string
	before, after map[string]json.RawMessage
}

// drain reads the outbox as the relay does until a read is idle.
func (f *captureFixture) drain(t *testing.T, limit int) []change {
	t.Helper()
	var out []change
	for range 1000 {
		b, err := f.outbox.Read(context.Background(), f.pos, fsql.Limit{Rows: limit})
		if err != nil {
			t.Fatal(err)
		}
		f.pos = b.Next
		for _, r := range b.Rows {
			c := change{table: r.TableID, op: string(r.Op)}
			for _, img := range []struct {
				raw []byte
				dst *map[string]json.RawMessage
			}{{r.Before, &c.before}, {r.After, &c.after}} {
				if img.raw == nil {
					continue
				}
				neutral, err := (Values{}).Image(f.reg[r.TableID], img.raw)
				if err != nil {
					t.Fatalf("outbox row %d: %v", r.Seq, err)
				}
				if err := json.Unmarshal(neutral, img.dst); err != nil {
					t.Fatal(err)
				}
			}
			out = append(out, c)
		}
		if b.Idle {
			return out
		}
	}
	t.Fatal("the outbox never went idle")
	return nil
}

// summary writes changes as "op:key" for a key column, e.g. "c:1 u:2".
func summary(changes []change, key string) string {
	var parts []string
	for _, c := range changes {
		img := c.after
		if img == nil {
			img = c.before
		}
		k := "-"
		if img != nil {
			k = strings.Trim(string(img[key]), `"`)
		}
		parts = append(parts, c.op+":"+k)
	}
	return strings.Join(parts, " ")
}

// installSchema runs the up sections of the capture schema's migrations.
func installSchema(t *testing.T, db *stdsql.DB, schema string) {
	t.Helper()
	migs, err := fsql.RenderSchema(capture{}.SchemaFiles(), ident(schema))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range migs {
		for _, st := range upStatements(m.SQL) {
			mustExec(t, db, st)
		}
	}
}

// upStatements are the statements of a goose file's up section.
func upStatements(file string) []string {
	up, _, _ := strings.Cut(file, "-- +goose Down")
	return gooseStatements(up)
}
