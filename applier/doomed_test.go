package applier_test

import (
	"context"
	stdsql "database/sql"
	"strings"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/dlq"
	fsql "github.com/ferry-cdc/ferry/sql"
	"github.com/ferry-cdc/ferry/sql/postgres"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// dooming is PostgreSQL as a target whose errors doom the transaction, as
// SQL Server's do under XACT_ABORT (error 3930): its savepoints are not
// taken, so a failed statement aborts the whole transaction, and rolling
// back to the savepoint then fails with PostgreSQL's own "current
// transaction is aborted" (25P02). The database and its errors are real;
// only the savepoint that would rescue the transaction is missing.
type dooming struct{ postgres.Dialect }

func (dooming) Facts() fsql.Facts {
	return fsql.Facts{TransactionalDDL: true, ErrorDoomsTransaction: true}
}

func (d dooming) Target() fsql.Target { return doomingTarget{d.Dialect.Target()} }

type doomingTarget struct{ fsql.Target }

func (doomingTarget) Savepoint(context.Context, *stdsql.Tx, string) error { return nil }

func (doomingTarget) RollbackTo(ctx context.Context, tx *stdsql.Tx, _ string) error {
	_, err := tx.ExecContext(ctx, `SELECT 1`)
	return err
}

// TestAnErrorThatDoomsTheTransactionIsLeftOutAndJudgedByItself (issue 10):
// where an error dooms the target's transaction, careful mode cannot roll
// back to the change's savepoint. The applier rolls the batch back and
// applies it again without that change, which it treats by its own error:
// a child without its parent is held, a row the target's check refuses
// goes to the DLQ, and the other rows of the batch apply. Before, it tried
// the same batch for ever.
func TestAnErrorThatDoomsTheTransactionIsLeftOutAndJudgedByItself(t *testing.T) {
	t.Parallel()
	p := newPipelineWith(t, options{
		target: dooming{},
		targetDDL: map[string]string{
			"emp": `CREATE TABLE emp (id int PRIMARY KEY, dept_id int REFERENCES dept(id), pay int CHECK (pay > 0))`,
		},
	},
		`CREATE TABLE dept (id int PRIMARY KEY, name text)`,
		`CREATE TABLE emp (id int PRIMARY KEY, dept_id int, pay int)`)
	p.run()
	pgtest.Exec(t, p.src, `INSERT INTO dept VALUES (10, 'sales')`)
	p.waitCount(`SELECT count(*) FROM dept`, 1, time.Minute)
	// One transaction, one batch: a child whose parent is missing, a row
	// the target's check refuses, and rows that apply.
	pgtest.Exec(t, p.src, `INSERT INTO emp VALUES (1, 10, 100), (2, 99, 100), (3, 10, -5), (4, NULL, 7)`)
	entries := p.dlqEntries(1)
	if e := entries[0]; e.Class != dlq.ClassRejected || string(e.Key) != `{"id":3}` || !strings.Contains(e.Error, "check constraint") {
		t.Fatalf("DLQ entry %s %s: %s", e.Key, e.Class, e.Error)
	}
	p.waitCount(`SELECT count(*) FROM emp`, 2, time.Minute)
	if got := strings.Join(rows(t, p.tgt, "emp"), " "); got != "(1,10,100) (4,,7)" {
		t.Fatalf("target rows %s", got)
	}
	if n := p.count(`SELECT count(*) FROM ferry.apply_held`); n != 1 {
		t.Fatalf("%d held changes, want the child without its parent", n)
	}
	// The parent arrives: the held child applies, its retry doomed no more.
	pgtest.Exec(t, p.src, `INSERT INTO dept VALUES (99, 'ops')`)
	p.waitCount(`SELECT count(*) FROM emp WHERE id = 2`, 1, time.Minute)
	if n := p.count(`SELECT count(*) FROM ferry.apply_held`); n != 0 {
		t.Errorf("%d held changes left", n)
	}
}
