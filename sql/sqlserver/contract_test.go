package sqlserver

import (
	"context"
	stdsql "database/sql"
	"strconv"
	"testing"

	fsql "github.com/ferry-cdc/ferry/sql"
	"github.com/ferry-cdc/ferry/sql/dialecttest"
)

// TestIntegrationContract runs the shared dialect suite against SQL Server
// when FERRY_TEST_MSSQL_DSN names one (make test-mssql). It has never run
// against a real server: none is reachable where Ferry is developed, and
// every subtest then skips, saying so.
func TestIntegrationContract(t *testing.T) {
	t.Parallel()
	dialecttest.Run(t, harness{})
}

// harness is SQL Server for sql/dialecttest: a database per test, tables
// in dbo.
type harness struct{}

func (harness) Dialect() fsql.Dialect { return Dialect{} }

func (harness) NewDB(t *testing.T) *stdsql.DB {
	db := testDB(t, false)
	db.SetMaxOpenConns(20)
	return db
}

// contractTypes are the column types of the suite's kinds: nvarchar(400)
// so that a unique constraint can cover text (an index key holds 1,700
// bytes).
var contractTypes = dialecttest.Types{Decimal: "decimal(%d,%d)", ByKind: map[fsql.Kind]string{
	fsql.KindInteger: "bigint", fsql.KindFloat: "float", fsql.KindBool: "bit",
	fsql.KindText: "nvarchar(400)", fsql.KindBinary: "varbinary(max)", fsql.KindDate: "date", fsql.KindTime: "time(6)",
	fsql.KindTimestamp: "datetime2(6)", fsql.KindTimestampTZ: "datetimeoffset(6)", fsql.KindUUID: "uniqueidentifier",
}}

func (harness) CreateTable(t *testing.T, db *stdsql.DB, table dialecttest.Table) {
	ddl, err := table.CreateSQL(Dialect{}, "dbo", contractTypes)
	if err != nil {
		t.Fatal(err)
	}
	exec(t, db, ddl)
}

func (harness) Exec(ctx context.Context, q dialecttest.Execer, stmt string) error {
	_, err := q.ExecContext(ctx, stmt)
	return err
}

// EndSession kills the lease's session from another one, as a crash would
// end it (the login needs ALTER ANY CONNECTION).
func (harness) EndSession(t *testing.T, db *stdsql.DB, l fsql.Leader) {
	ld, ok := l.(*leader)
	if !ok || ld.conn == nil {
		t.Fatalf("the lease %T holds no session", l)
	}
	var spid int
	if err := ld.conn.QueryRowContext(t.Context(), "SELECT @@SPID").Scan(&spid); err != nil {
		t.Fatal(err)
	}
	exec(t, db, "KILL "+strconv.Itoa(spid))
}

// OpenTransactionsHoldBack: the window ends below MIN_ACTIVE_ROWVERSION(),
// which an open transaction that wrote to the outbox holds back
// (outbox.go).
func (harness) OpenTransactionsHoldBack() bool { return true }
