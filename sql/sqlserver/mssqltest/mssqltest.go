// Package mssqltest gives tests outside sql/sqlserver a fresh database on
// a real SQL Server, the one FERRY_TEST_MSSQL_DSN names (make test-mssql;
// docker compose --profile mssql starts one). Without it a test is
// skipped, with the variable named: no SQL Server runs where Ferry is
// developed. sql/sqlserver's own tests keep their helpers in the package,
// which this one imports.
package mssqltest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	stdsql "database/sql"

	fsql "github.com/ferry-cdc/ferry/sql"
	"github.com/ferry-cdc/ferry/sql/dialecttest"
	"github.com/ferry-cdc/ferry/sql/sqlserver"
)

// DSNVar names the server's DSN: a login that may create databases.
const DSNVar = "FERRY_TEST_MSSQL_DSN"

// NewDB creates an empty database for this test, dropped when the test
// ends, and returns a DSN of it.
func NewDB(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(DSNVar)
	if base == "" {
		tb.Skipf("%s is not set, so no SQL Server is reachable (none is where Ferry is developed): set it "+
			"(e.g. sqlserver://sa:Ferry_Passw0rd@127.0.0.1:1433?database=master&TrustServerCertificate=true) to run against one", DSNVar)
	}
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "sqlserver" {
		tb.Fatalf("%s must be a sqlserver:// URL", DSNVar) // never quote it: it holds a password
	}
	admin, err := sqlserver.Dialect{}.Open(base)
	if err != nil {
		tb.Fatal(err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "ferry_e2e_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(tb.Context(), "CREATE DATABASE "+sqlserver.Dialect{}.Quote(name)); err != nil {
		admin.Close()
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		q := sqlserver.Dialect{}.Quote(name)
		admin.ExecContext(ctx, "ALTER DATABASE "+q+" SET SINGLE_USER WITH ROLLBACK IMMEDIATE")
		if _, err := admin.ExecContext(ctx, "DROP DATABASE "+q); err != nil {
			tb.Logf("drop test database %s: %v", name, err)
		}
		admin.Close()
	})
	q := u.Query()
	q.Set("database", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// Types are SQL Server's column types for the neutral kinds of
// sql/dialecttest's tables: nvarchar(400) so that a unique constraint can
// cover text (an index key holds 1,700 bytes).
var Types = dialecttest.Types{Decimal: "decimal(%d,%d)", ByKind: map[fsql.Kind]string{
	fsql.KindInteger: "bigint", fsql.KindFloat: "float", fsql.KindBool: "bit",
	fsql.KindText: "nvarchar(400)", fsql.KindBinary: "varbinary(max)", fsql.KindDate: "date", fsql.KindTime: "time(6)",
	fsql.KindTimestamp: "datetime2(6)", fsql.KindTimestampTZ: "datetimeoffset(6)", fsql.KindUUID: "uniqueidentifier",
}}

// Server is SQL Server for the end-to-end tests (sql/dialecttest/e2e): a
// database per source and per target, tables in dbo. It has never run
// against a real server.
type Server struct{}

func (Server) Dialect() fsql.Dialect { return sqlserver.Dialect{} }

func (Server) NewSource(t testing.TB) dialecttest.Database {
	return dialecttest.Database{DSN: NewDB(t), Schema: "dbo"}
}

func (s Server) NewTarget(t testing.TB) dialecttest.Database { return s.NewSource(t) }

func (Server) Types() dialecttest.Types { return Types }

func (Server) Placeholder(n int) string { return "@p" + strconv.Itoa(n) }

// Audit: a statement trigger over inserted and deleted; a row in deleted
// whose key is not in inserted is a delete (the applier never changes a
// key).
func (Server) Audit(t testing.TB, db *stdsql.DB, schema, table string) {
	t.Helper()
	d := sqlserver.Dialect{}
	log, tbl := d.Quote(schema, "audit_log"), d.Quote(schema, table)
	lit := "N'" + table + "'" // the tests' own table names: no quote in them
	for _, stmt := range []string{
		fmt.Sprintf(`IF OBJECT_ID(N'%s', N'U') IS NULL CREATE TABLE %s (n bigint IDENTITY(1,1) PRIMARY KEY,
	tbl nvarchar(128) NOT NULL, id bigint NOT NULL, v bigint NOT NULL, op char(1) NOT NULL)`, log, log),
		fmt.Sprintf(`CREATE TRIGGER %s ON %s AFTER INSERT, UPDATE, DELETE AS
BEGIN
	SET NOCOUNT ON;
	INSERT INTO %s (tbl, id, v, op) SELECT %s, id, v, 'w' FROM inserted;
	INSERT INTO %s (tbl, id, v, op) SELECT %s, d.id, d.v, 'd' FROM deleted AS d
	WHERE NOT EXISTS (SELECT 1 FROM inserted AS i WHERE i.id = d.id);
END`, d.Quote(schema, "audit_log_"+table), tbl, log, lit, log, lit),
	} {
		if _, err := db.ExecContext(t.Context(), stmt); err != nil {
			t.Fatalf("%v\n%s", err, stmt)
		}
	}
}

// Restart skips: no test here controls a SQL Server.
func (Server) Restart(t testing.TB) {
	t.Skip("the tests do not control the SQL Server that " + DSNVar + " names: restarting it is left to whoever runs it")
}
