package oracle

import (
	stdsql "database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"slices"

	"github.com/sijms/go-ora/v2/network"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// oraCode is the ORA- number of an error from go-ora, or 0.
func oraCode(err error) int {
	var oe *network.OracleError
	if errors.As(err, &oe) {
		return oe.ErrCode
	}
	return 0
}

// isOra reports whether err is one of the given ORA- numbers.
func isOra(err error, codes ...int) bool {
	c := oraCode(err)
	return c != 0 && slices.Contains(codes, c)
}

// Class is how the applier treats an error from an Oracle target; classOf
// maps it onto fsql.ErrorClass.
type Class int

const (
	// ClassRetry is transient: apply the batch again after a pause.
	ClassRetry Class = iota
	// ClassReject can never apply as it is: the change goes to the DLQ.
	ClassReject
	// ClassForeignKey waits a bounded time for the row it refers to (or
	// that still refers to it).
	ClassForeignKey
	// ClassUnique is a unique constraint other than the key the applier
	// upserts by: another row holds the value.
	ClassUnique
	// ClassSchema: the statement names a table or column the target no
	// longer has (or not yet); the applier reads the catalog again.
	ClassSchema
)

// Oracle errors by number (Database Error Messages).
var (
	retryCodes = []int{
		60,    // deadlock detected while waiting for resource
		8177,  // can't serialize access for this transaction
		54,    // resource busy and acquire with NOWAIT specified or timeout expired
		30006, // resource busy; acquire with WAIT timeout expired
		4021,  // timeout occurred while waiting to lock object
		2049,  // timeout: distributed transaction waiting for lock
		1555,  // snapshot too old
		4068,  // existing state of packages has been discarded
		4061,  // existing state of package has been invalidated
		1013,  // user requested cancel of current operation
		18,    // maximum number of sessions exceeded
		20,    // maximum number of processes exceeded
		1652,  // unable to extend temp segment
		1653,  // unable to extend table
		1654,  // unable to extend index
		1688,  // unable to extend table partition
		30036, // unable to extend segment in undo tablespace
		257,   // archiver error: connect internal only until freed
		4031,  // unable to allocate shared memory
		4036,  // PGA memory used by the instance exceeds PGA_AGGREGATE_LIMIT
		1089,  // immediate shutdown or close in progress
		1033,  // ORACLE initialization or shutdown in progress
		1034,  // ORACLE not available
		1012,  // not logged on
		28,    // your session has been killed
		31,    // your session has been marked for kill
		2396,  // exceeded maximum idle time
		3113,  // end-of-file on communication channel
		3114,  // not connected to ORACLE
		3135,  // connection lost contact
		3136,  // inbound connection timed out
		12170, // TNS:Connect timeout occurred
		12514, // TNS:listener does not currently know of service
		12516, // TNS:listener could not find available handler
		12518, // TNS:listener could not hand off client connection
		12519, // TNS:no appropriate service handler found
		12520, // TNS:listener could not find available handler for requested type of server
		12528, // TNS:listener: all appropriate instances are blocking new connections
		12537, // TNS:connection closed
		12541, // TNS:no listener
		12543, // TNS:destination host unreachable
		12547, // TNS:lost contact
		12571, // TNS:packet writer failure
		25408, // can not safely replay call
		25402, // transaction must roll back
	}
	foreignKeyCodes = []int{
		2291, // integrity constraint violated - parent key not found
		2292, // integrity constraint violated - child record found
	}
	schemaCodes = []int{
		942,  // table or view does not exist
		904,  // invalid identifier (a column gone)
		4043, // object does not exist
	}
	uniqueCodes = []int{
		1, // unique constraint violated
	}
)

// classify sorts an error from an Oracle target by its ORA- number;
// connection errors that carry none are retried, and so is any error that
// is not an Oracle one: sending a change to the DLQ for a fault of the
// connection would be worse than trying again. Every other ORA- error is
// a property of the change (a value too large, a NULL into NOT NULL, a
// check constraint, ORA-30926 from a MERGE whose source holds a key twice)
// and goes to the DLQ.
func classify(err error) Class {
	if c := oraCode(err); c != 0 {
		switch {
		case slices.Contains(retryCodes, c):
			return ClassRetry
		case slices.Contains(foreignKeyCodes, c):
			return ClassForeignKey
		case slices.Contains(uniqueCodes, c):
			return ClassUnique
		case slices.Contains(schemaCodes, c):
			return ClassSchema
		}
		return ClassReject
	}
	var ve *ValueError
	if errors.As(err, &ve) {
		return ClassReject
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, stdsql.ErrConnDone) || errors.Is(err, network.ErrConnReset) {
		return ClassRetry
	}
	return ClassRetry
}

// classOf is the contract's class of c.
func classOf(c Class) fsql.ErrorClass {
	switch c {
	case ClassReject:
		return fsql.Reject
	case ClassForeignKey:
		return fsql.ForeignKey
	case ClassUnique:
		return fsql.Unique
	case ClassSchema:
		return fsql.Schema
	}
	return fsql.Retry
}
