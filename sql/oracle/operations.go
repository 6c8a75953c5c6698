package oracle

import (
	"context"
	stdsql "database/sql"
	"fmt"
	"time"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// oraNotDeclared is PLS-00201 inside ORA-06550: the capture schema
// predates the HEARTBEAT procedure (migration 00003), or the relay's user
// may not execute it.
const oraNotDeclared = 6550

// heartbeatSQL runs the capture schema's heartbeat procedure.
func heartbeatSQL(captureSchema string) string {
	return "BEGIN " + ident(captureSchema, "HEARTBEAT") + "(:1); END;"
}

// Heartbeat writes one heartbeat into the outbox of captureSchema, through
// the procedure migration 00003 installs. It returns ErrNoHeartbeat
// (wrapped) when the capture schema predates it.
func (source) Heartbeat(ctx context.Context, db *stdsql.DB, captureSchema string, interval time.Duration) error {
	_, err := db.ExecContext(ctx, heartbeatSQL(captureSchema), interval.Milliseconds())
	if isOra(err, oraNotDeclared) {
		return fmt.Errorf("%w: %v", fsql.ErrNoHeartbeat, err)
	}
	if err != nil {
		return fmt.Errorf("write a heartbeat into %s.OUTBOX: %w", captureSchema, err)
	}
	return nil
}
