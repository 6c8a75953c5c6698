package sqlserver

import (
	"context"
	stdsql "database/sql"
	"fmt"
	"time"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// couldNotFindProcedure is error 2812: the capture schema predates the
// heartbeat procedure (migration 00003).
const couldNotFindProcedure = 2812

// heartbeatSQL runs the capture schema's heartbeat procedure.
func heartbeatSQL(captureSchema string) string {
	return "EXEC " + ident(captureSchema, "heartbeat") + " @interval_ms = @p1"
}

// Heartbeat writes one heartbeat into the outbox of captureSchema, through
// the procedure migration 00003 installs. It returns ErrNoHeartbeat
// (wrapped) when the capture schema predates it.
func (source) Heartbeat(ctx context.Context, db *stdsql.DB, captureSchema string, interval time.Duration) error {
	_, err := db.ExecContext(ctx, heartbeatSQL(captureSchema), interval.Milliseconds())
	if me, ok := numbered(err); ok && me.Number == couldNotFindProcedure {
		return fmt.Errorf("%w: %v", fsql.ErrNoHeartbeat, err)
	}
	if err != nil {
		return fmt.Errorf("write a heartbeat into %s.outbox: %w", captureSchema, err)
	}
	return nil
}
