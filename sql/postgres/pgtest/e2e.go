package pgtest

import (
	stdsql "database/sql"
	"fmt"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"

	fsql "github.com/ferry-cdc/ferry/sql"
	"github.com/ferry-cdc/ferry/sql/dialecttest"
	"github.com/ferry-cdc/ferry/sql/postgres"
)

// Types are PostgreSQL's column types for the neutral kinds of
// sql/dialecttest's tables.
var Types = dialecttest.Types{Decimal: "numeric(%d,%d)", Deferred: "DEFERRABLE INITIALLY DEFERRED", ByKind: map[fsql.Kind]string{
	fsql.KindInteger: "bigint", fsql.KindFloat: "double precision", fsql.KindBool: "boolean",
	fsql.KindText: "text", fsql.KindBinary: "bytea", fsql.KindDate: "date", fsql.KindTime: "time(6)",
	fsql.KindTimestamp: "timestamp(6)", fsql.KindTimestampTZ: "timestamptz(6)", fsql.KindUUID: "uuid",
}}

// Server is PostgreSQL for the end-to-end tests (sql/dialecttest/e2e): a
// database per source and per target on the server
// FERRY_TEST_PG_ADMIN_DSN names, tables in public.
type Server struct{}

func (Server) Dialect() fsql.Dialect { return postgres.Dialect{} }

func (Server) NewSource(t testing.TB) dialecttest.Database {
	dsn, _ := NewDB(t)
	return dialecttest.Database{DSN: dsn, Schema: "public"}
}

func (s Server) NewTarget(t testing.TB) dialecttest.Database { return s.NewSource(t) }

func (Server) Types() dialecttest.Types { return Types }

func (Server) Placeholder(n int) string { return "$" + strconv.Itoa(n) }

// Audit: a row trigger, AFTER, so that the audit's identity is taken once
// the write holds the row's lock.
func (Server) Audit(t testing.TB, db *stdsql.DB, schema, table string) {
	t.Helper()
	s := pgx.Identifier{schema}.Sanitize()
	Exec(t, db,
		fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s.audit_log (n bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	tbl text NOT NULL, id bigint NOT NULL, v bigint NOT NULL, op text NOT NULL)`, s),
		fmt.Sprintf(`CREATE OR REPLACE FUNCTION %[1]s.audit_log_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		INSERT INTO %[1]s.audit_log (tbl, id, v, op) VALUES (TG_TABLE_NAME, OLD.id, OLD.v, 'd');
	ELSE
		INSERT INTO %[1]s.audit_log (tbl, id, v, op) VALUES (TG_TABLE_NAME, NEW.id, NEW.v, 'w');
	END IF;
	RETURN NULL;
END $$`, s),
		fmt.Sprintf(`CREATE TRIGGER audit_log AFTER INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION %s.audit_log_write()`,
			pgx.Identifier{schema, table}.Sanitize(), s))
}

// Restart restarts the shared server (scripts/pg.sh): only the fault
// tests may, in their pass of their own.
func (Server) Restart(t testing.TB) { Restart(t) }

// Crash crashes the server (an immediate stop) and starts it again.
func (Server) Crash(t testing.TB) { Crash(t) }
