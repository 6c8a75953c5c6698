package postgres_test

import (
	"context"
	stdsql "database/sql"
	"testing"

	fsql "github.com/ferry-cdc/ferry/sql"
	"github.com/ferry-cdc/ferry/sql/dialecttest"
	"github.com/ferry-cdc/ferry/sql/postgres"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// TestContract runs the shared dialect suite against the real PostgreSQL.
func TestContract(t *testing.T) {
	t.Parallel()
	dialecttest.Run(t, harness{})
}

// harness is PostgreSQL for sql/dialecttest: a database per test on the
// server FERRY_TEST_PG_ADMIN_DSN names.
type harness struct{}

func (harness) Dialect() fsql.Dialect { return postgres.Dialect{} }

func (harness) NewDB(t *testing.T) *stdsql.DB {
	_, db := pgtest.NewDB(t)
	return db
}

func (harness) CreateTable(t *testing.T, db *stdsql.DB, table dialecttest.Table) {
	ddl, err := table.CreateSQL(postgres.Dialect{}, "public", pgtest.Types)
	if err != nil {
		t.Fatal(err)
	}
	pgtest.Exec(t, db, ddl)
}

func (harness) Exec(ctx context.Context, q dialecttest.Execer, stmt string) error {
	_, err := q.ExecContext(ctx, stmt)
	return err
}

// EndSession terminates, as a crash would, every session of the test's
// database that holds an advisory lock (the server is shared; the suite
// holds no other lease then), and waits until each is gone, lock and all.
func (harness) EndSession(t *testing.T, db *stdsql.DB, _ fsql.Leader) {
	pgtest.Exec(t, db, `SELECT pg_terminate_backend(pid, 60000) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()
AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`)
}

// OpenTransactionsHoldBack: PostgreSQL's window reads past an open
// transaction (sql/postgres/outbox.go).
func (harness) OpenTransactionsHoldBack() bool { return false }
