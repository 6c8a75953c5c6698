package oracle

import (
	"context"
	stdsql "database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"

	fsql "github.com/ferry-cdc/ferry/sql"
	"github.com/ferry-cdc/ferry/sql/dialecttest"
)

// TestOracleContract runs the shared dialect suite against Oracle when
// FERRY_TEST_ORACLE_DSN names one (oracle_env_test.go). It has never run
// against a real server: none is reachable where Ferry is developed, and
// every subtest then skips, saying so.
func TestOracleContract(t *testing.T) {
	t.Parallel()
	dialecttest.Run(t, harness{})
}

// harness is Oracle for sql/dialecttest: a user (schema) per test, which
// owns the test's tables and is its capture schema and the applier's.
type harness struct{}

// users maps each test's pool to its user and the DBA pool that made it.
var users sync.Map // *stdsql.DB -> contractUser

type contractUser struct {
	name  string
	admin *stdsql.DB
}

func (harness) Dialect() fsql.Dialect { return Dialect{} }

func (harness) NewDB(t *testing.T) *stdsql.DB {
	e := oracleEnv(t)
	name, db := e.user("CT", append([]string{"CREATE TABLE"}, captureGrants...)...)
	db.SetMaxOpenConns(20)
	users.Store(db, contractUser{name: name, admin: e.admin})
	t.Cleanup(func() { users.Delete(db) })
	return db
}

func (harness) FerrySchema(db *stdsql.DB) string {
	u, _ := users.Load(db)
	return u.(contractUser).name
}

// contractTypes are the column types of the suite's kinds. NUMBER(18) is
// the widest NUMBER whose values are all int64s (types.go); NVARCHAR2(400)
// can carry a unique constraint, which a CLOB cannot.
var contractTypes = dialecttest.Types{Decimal: "NUMBER(%d,%d)", Deferred: "DEFERRABLE INITIALLY DEFERRED", ByKind: map[fsql.Kind]string{
	fsql.KindInteger: "NUMBER(18)", fsql.KindFloat: "BINARY_DOUBLE", fsql.KindBool: "BOOLEAN",
	fsql.KindText: "NVARCHAR2(400)", fsql.KindBinary: "BLOB",
	fsql.KindTimestamp: "TIMESTAMP(6)", fsql.KindTimestampTZ: "TIMESTAMP(6) WITH TIME ZONE",
}}

func (h harness) CreateTable(t *testing.T, db *stdsql.DB, table dialecttest.Table) {
	ddl, err := table.CreateSQL(Dialect{}, h.FerrySchema(db), contractTypes)
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, db, ddl)
}

// Lacks: Oracle has no date (its DATE has a time of day), time or uuid
// type (types.go).
func (harness) Lacks(k fsql.Kind) bool {
	_, ok := contractTypes.ByKind[k]
	return !ok && k != fsql.KindDecimal
}

func (harness) IntegerDigits() int { return 18 }

// EmptyTextIsNull: NVARCHAR2 stores an empty string as NULL (README.md, "Empty strings").
func (harness) EmptyTextIsNull() bool { return true }

// Exec purges a dropped table at once, so that the recycle bin keeps no
// copy of its name.
func (harness) Exec(ctx context.Context, q dialecttest.Execer, stmt string) error {
	if strings.HasPrefix(stmt, "DROP TABLE ") {
		stmt += " PURGE"
	}
	_, err := q.ExecContext(ctx, stmt)
	return err
}

// EndSession kills the lease's session from the DBA's, as a crash would
// end it.
func (harness) EndSession(t *testing.T, db *stdsql.DB, l fsql.Leader) {
	ld, ok := l.(*leader)
	if !ok || ld.conn == nil {
		t.Fatalf("the lease %T holds no session", l)
	}
	u, _ := users.Load(db)
	admin := u.(contractUser).admin
	var sid, serial int64
	if err := ld.conn.QueryRowContext(t.Context(), `SELECT TO_NUMBER(SYS_CONTEXT('USERENV', 'SID')) FROM DUAL`).Scan(&sid); err != nil {
		t.Fatal(err)
	}
	if err := admin.QueryRowContext(t.Context(), `SELECT SERIAL# FROM V$SESSION WHERE SID = :1`, sid).Scan(&serial); err != nil {
		t.Fatal(err)
	}
	mustExec(t, admin, fmt.Sprintf(`ALTER SYSTEM KILL SESSION '%d,%d' IMMEDIATE`, sid, serial))
}

// OpenTransactionsHoldBack: the window ends at the low-water mark of the
// oldest open transaction (outbox.go).
func (harness) OpenTransactionsHoldBack() bool { return true }
