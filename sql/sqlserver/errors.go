package sqlserver

import (
	"context"
	stdsql "database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"

	mssql "github.com/microsoft/go-mssqldb"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// Class is what the applier does with an error from a SQL Server target,
// decided by the error's number (mssql.Error.Number), never by its text.
type Class int

const (
	// Retry: transient; roll the transaction back and apply the batch again.
	Retry Class = iota
	// Reject: this change can never apply as it is; it goes to the DLQ.
	Reject
	// ForeignKey: the change refers to a row that is not there yet (or is
	// still referred to); it waits a bounded time for the other row.
	ForeignKey
	// Unique: the change collides with another row on a unique key.
	Unique
	// Schema: the statement names a column or table the target does not
	// have (any more): the applier reads the catalog again.
	Schema
)

func (c Class) String() string {
	return [...]string{"retry", "reject", "foreign key", "unique", "schema"}[c]
}

// The error numbers the classes are made of (sys.messages).
var (
	// 547 is any constraint conflict: FOREIGN KEY and REFERENCE, but also
	// CHECK, which the number alone cannot tell apart. It counts as a
	// foreign key: a CHECK violation then waits out the foreign-key wait
	// before it reaches the DLQ, later but not wrongly.
	// 4712: TRUNCATE TABLE of a table a foreign key refers to.
	foreignKeyNumbers = []int32{547, 4712}
	// 207: invalid column name; 208: invalid object name.
	schemaNumbers = []int32{207, 208}
	// 2627: PRIMARY KEY or UNIQUE constraint; 2601: unique index.
	uniqueNumbers = []int32{2627, 2601}
	// Transient: deadlock victim (1205), lock timeout (1222), lock and
	// memory resources (1204, 701, 802, 8645, 8651), snapshot update
	// conflicts (3960, 3961), the database or an availability replica not
	// available yet (921, 922, 976, 978, 983, 4060, 4221), Azure SQL's
	// throttling and reconfiguration (10928, 10929, 40143, 40197, 40501,
	// 40540, 40613, 49918, 49919, 49920), In-Memory OLTP conflicts (41301,
	// 41302, 41305, 41325, 41839), connection faults (233, 10053, 10054,
	// 10060, 64), and Ferry's own "stage table incomplete" (51000).
	transientNumbers = []int32{1205, 1222, 1204, 701, 802, 8645, 8651, 3960, 3961, 921, 922, 976, 978, 983, 4060, 4221,
		10928, 10929, 40143, 40197, 40501, 40540, 40613, 49918, 49919, 49920, 41301, 41302, 41305, 41325, 41839,
		233, 10053, 10054, 10060, 64, stageIncomplete}
	// Doomed: the transaction cannot commit or has been rolled back: 3930
	// (uncommittable, cannot write the log), 3931 (cannot roll back to a
	// savepoint), 3998 (uncommittable at the end of a batch), 266 (a batch
	// ended with another transaction count), 3902/3903 (no transaction to
	// commit or roll back), 628 (SAVE TRANSACTION outside a transaction),
	// 1205 (a deadlock rolls the victim's transaction back). go-mssqldb
	// reports a transaction the server ended (XACT_ABORT) as number 0.
	doomedNumbers = []int32{3930, 3931, 3998, 266, 3902, 3903, 628, 1205, 0}
)

// stageIncomplete is the error the stage MERGE raises when the stage table
// does not hold the rows bulk copy sent: a fault of the connection, retried.
const stageIncomplete = 51000

func contains(ns []int32, n int32) bool {
	for _, x := range ns {
		if x == n {
			return true
		}
	}
	return false
}

// numbered finds the SQL Server error in err's chain; every error of a
// batch is in All, the last one in Number.
func numbered(err error) (mssql.Error, bool) {
	var me mssql.Error
	if errors.As(err, &me) {
		return me, true
	}
	var pme *mssql.Error
	if errors.As(err, &pme) && pme != nil {
		return *pme, true
	}
	return me, false
}

// ClassifyError sorts an error from the target by number. A batch can
// report several errors (a constraint error, then "The statement has been
// terminated."); the first one that decides the class wins.
func ClassifyError(err error) Class {
	var ve *ValueError
	if errors.As(err, &ve) {
		return Reject
	}
	if me, ok := numbered(err); ok {
		all := me.All
		if len(all) == 0 {
			all = []mssql.Error{me}
		}
		for _, e := range all {
			switch {
			case contains(transientNumbers, e.Number), contains(doomedNumbers, e.Number):
				return Retry
			case contains(foreignKeyNumbers, e.Number):
				return ForeignKey
			case contains(uniqueNumbers, e.Number):
				return Unique
			case contains(schemaNumbers, e.Number):
				return Schema
			}
		}
		for _, e := range all {
			// Severity 17 and above: resources, software faults, a broken
			// connection: not the data's fault.
			if e.Class >= 17 {
				return Retry
			}
		}
		return Reject
	}
	var ne net.Error
	var se mssql.StreamError
	if errors.As(err, &ne) || errors.As(err, &se) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, stdsql.ErrConnDone) || errors.Is(err, stdsql.ErrTxDone) ||
		errors.Is(err, context.DeadlineExceeded) {
		return Retry
	}
	// Unknown errors are retried: sending a change to the DLQ for a fault of
	// the connection would be worse than trying again.
	return Retry
}

// Doomed reports whether err left the transaction unusable: it cannot
// commit, and rolling back to a savepoint cannot rescue it (XACT_STATE() is
// -1, or the server has rolled it back). The applier must then roll the
// whole transaction back and apply the batch again, leaving out the change
// that failed (its class is ClassifyError of the first error, not of the
// savepoint's failure).
func Doomed(err error) bool {
	me, ok := numbered(err)
	if !ok {
		return errors.Is(err, errDoomed)
	}
	for _, e := range append([]mssql.Error{me}, me.All...) {
		if contains(doomedNumbers, e.Number) {
			return true
		}
	}
	return false
}

var errDoomed = errors.New("the transaction can no longer commit (XACT_STATE() is not 1): roll it back")

// ValueError is a value the target column cannot hold exactly; it names
// the table, the column and the row's key.
type ValueError = fsql.ValueError

// classOf is Class in the contract's terms.
func classOf(c Class) fsql.ErrorClass {
	switch c {
	case Retry:
		return fsql.Retry
	case ForeignKey:
		return fsql.ForeignKey
	case Unique:
		return fsql.Unique
	case Schema:
		return fsql.Schema
	}
	return fsql.Reject
}
