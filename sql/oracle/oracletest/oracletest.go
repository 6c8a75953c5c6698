// Package oracletest gives tests outside sql/oracle a fresh user (schema)
// on a real Oracle, through the DBA login FERRY_TEST_ORACLE_DSN names
// (make test-oracle; docker compose --profile oracle starts Oracle Free).
// Without it a test is skipped, with the variable named: no Oracle runs
// where Ferry is developed. sql/oracle's own tests keep their helpers in
// the package, which this one imports.
package oracletest

import (
	"context"
	"crypto/rand"
	stdsql "database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	fsql "github.com/ferry-cdc/ferry/sql"
	"github.com/ferry-cdc/ferry/sql/dialecttest"
	"github.com/ferry-cdc/ferry/sql/oracle"
)

// DSNVar names a DBA's DSN on a PDB: a user that may create users and
// grant (SYSTEM on FREEPDB1).
const DSNVar = "FERRY_TEST_ORACLE_DSN"

// CaptureGrants are what a capture schema's owner needs when it is also
// the migrating and relaying user (README.md, "Oracle grants").
var CaptureGrants = []string{
	"CREATE TABLE", "CREATE SEQUENCE", "CREATE PROCEDURE", "CREATE ANY TRIGGER",
	"EXECUTE ON SYS.DBMS_FLASHBACK", "SELECT ON SYS.V_$TRANSACTION", "EXECUTE ON SYS.DBMS_LOCK",
}

// Admin returns the DBA's DSN and a pool on it, or skips.
func Admin(tb testing.TB) (string, *stdsql.DB) {
	tb.Helper()
	dsn := os.Getenv(DSNVar)
	if dsn == "" {
		tb.Skipf("set %s to run against Oracle (a DBA user's DSN on a PDB, e.g. oracle://system:pw@127.0.0.1:1521/FREEPDB1): none is reachable where Ferry is developed", DSNVar)
	}
	db, err := oracle.Dialect{}.Open(dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return dsn, db
}

// NewUser creates a user (schema) with a quota and the given privileges,
// dropped with its objects when the test ends, and returns its name and a
// DSN that logs in as it.
func NewUser(tb testing.TB, grants ...string) (string, string) {
	tb.Helper()
	base, admin := Admin(tb)
	b := make([]byte, 4)
	rand.Read(b)
	id := strings.ToUpper(hex.EncodeToString(b))
	name, pw := "FE2E"+id, "Pw_"+strings.ToLower(id)+"_x1"
	q := oracle.Dialect{}.Quote(name)
	exec(tb, admin, `CREATE USER `+q+` IDENTIFIED BY "`+pw+`" QUOTA UNLIMITED ON USERS`)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := admin.ExecContext(ctx, `DROP USER `+q+` CASCADE`); err != nil {
			tb.Logf("drop user %s: %v", name, err)
		}
	})
	for _, g := range append([]string{"CREATE SESSION"}, grants...) {
		exec(tb, admin, "GRANT "+g+" TO "+q)
	}
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("%s must be an oracle:// URL", DSNVar) // never quote it: it holds a password
	}
	u.User = url.UserPassword(name, pw)
	return name, u.String()
}

func exec(tb testing.TB, db *stdsql.DB, stmt string) {
	tb.Helper()
	if _, err := db.ExecContext(tb.Context(), stmt); err != nil {
		tb.Fatalf("%s: %v", stmt, err)
	}
}

// Types are Oracle's column types for the neutral kinds of
// sql/dialecttest's tables. NUMBER(18) is the widest NUMBER whose values
// are all int64s; NVARCHAR2(400) can carry a unique constraint, which a
// CLOB cannot. Oracle has no date (its DATE has a time of day), time or
// uuid type.
var Types = dialecttest.Types{Decimal: "NUMBER(%d,%d)", Deferred: "DEFERRABLE INITIALLY DEFERRED", ByKind: map[fsql.Kind]string{
	fsql.KindInteger: "NUMBER(18)", fsql.KindFloat: "BINARY_DOUBLE", fsql.KindBool: "BOOLEAN",
	fsql.KindText: "NVARCHAR2(400)", fsql.KindBinary: "BLOB",
	fsql.KindTimestamp: "TIMESTAMP(6)", fsql.KindTimestampTZ: "TIMESTAMP(6) WITH TIME ZONE",
}}

// Server is Oracle for the end-to-end tests (sql/dialecttest/e2e): a user
// per source, which owns its tables and is its capture schema, and a user
// per target, whose tables the DBA's login applies to (the applier's
// bookkeeping lives in the schema FERRY, which a DBA creates: NewTarget
// does, once). It has never run against a real server.
type Server struct{}

func (Server) Dialect() fsql.Dialect { return oracle.Dialect{} }

func (Server) NewSource(t testing.TB) dialecttest.Database {
	name, dsn := NewUser(t, CaptureGrants...)
	return dialecttest.Database{DSN: dsn, Schema: name, CaptureSchema: name}
}

func (Server) NewTarget(t testing.TB) dialecttest.Database {
	base, admin := Admin(t)
	// ORA-01920: the user exists already, made by an earlier test.
	exec(t, admin, `BEGIN
	EXECUTE IMMEDIATE 'CREATE USER "FERRY" NO AUTHENTICATION QUOTA UNLIMITED ON USERS';
EXCEPTION WHEN OTHERS THEN
	IF SQLCODE != -1920 THEN RAISE; END IF;
END;`)
	name, _ := NewUser(t)
	return dialecttest.Database{DSN: base, Schema: name}
}

func (Server) Types() dialecttest.Types { return Types }

func (Server) Placeholder(n int) string { return ":" + strconv.Itoa(n) }

// Audit: a row trigger, AFTER, so that the audit's identity is taken once
// the write holds the row's lock.
func (Server) Audit(t testing.TB, db *stdsql.DB, schema, table string) {
	t.Helper()
	d := oracle.Dialect{}
	log, tbl, name := d.Quote(schema, "AUDIT_LOG"), d.Quote(schema, d.Fold(table)), d.Fold(table)
	// ORA-00955: the audit table exists already, made for another table.
	exec(t, db, fmt.Sprintf(`BEGIN
	EXECUTE IMMEDIATE 'CREATE TABLE %s ("N" NUMBER(19) GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		"TBL" VARCHAR2(128) NOT NULL, "ID" NUMBER(19) NOT NULL, "V" NUMBER(19) NOT NULL, "OP" VARCHAR2(1) NOT NULL)';
EXCEPTION WHEN OTHERS THEN
	IF SQLCODE != -955 THEN RAISE; END IF;
END;`, log))
	exec(t, db, fmt.Sprintf(`CREATE OR REPLACE TRIGGER %s AFTER INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW
BEGIN
	IF DELETING THEN
		INSERT INTO %s ("TBL", "ID", "V", "OP") VALUES ('%s', :OLD."ID", :OLD."V", 'd');
	ELSE
		INSERT INTO %s ("TBL", "ID", "V", "OP") VALUES ('%s', :NEW."ID", :NEW."V", 'w');
	END IF;
END;`, d.Quote(schema, "AUDIT_LOG_"+name), tbl, log, name, log, name))
}

// Restart skips: no test here controls an Oracle server.
func (Server) Restart(t testing.TB) {
	t.Skip("the tests do not control the Oracle server that " + DSNVar + " names: restarting it is left to whoever runs it")
}
