package relay

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"
	"log/slog"

	"github.com/ferry-cdc/ferry/config"
	fsql "github.com/ferry-cdc/ferry/sql"
)

// ErrRelayRunning is returned by ResetPosition while a relay of the source
// leads.
var ErrRelayRunning = errors.New("a relay of the source is leading")

// ResetPosition replaces src's relay position in Kafka with the beginning
// of the outbox, for when the relay refuses its position
// (sql.ErrPositionGone: the capture schema was created again, or the source
// was restored or failed over). The leading relay then publishes every
// change the outbox still holds, in order, and starts every open snapshot
// request again from its first chunk. It returns the position it replaced
// (nil if there was none).
//
// A relay of src that leads would fence the reset (and be fenced by it)
// and go on from its own position: ResetPosition holds the source's lease
// while it writes, and returns ErrRelayRunning when a relay holds it. db is
// a pool for src's DSN. Changes already in Kafka stay there; the applier
// applies the republished ones after them, so each key ends at the
// outbox's version, and `ferry verify --repair` mends keys whose changes
// were purged.
func ResetPosition(ctx context.Context, cfg *config.Config, src *config.Source, d fsql.SourceDialect, db *stdsql.DB, log *slog.Logger) ([]byte, error) {
	lease := d.Source().Leader(db, d.Fold(src.CaptureSchema), src.Name)
	ok, err := lease.TryAcquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("take the lease of source %s: %w", src.Name, err)
	}
	if !ok {
		return nil, fmt.Errorf("%w: stop every relay of source %s (ferry status names the leader), then run this again", ErrRelayRunning, src.Name)
	}
	defer lease.Release(context.WithoutCancel(ctx))
	s, err := newSink(ctx, cfg.Kafka, transactionalID(src), cfg.Relay.OffsetsTopic, src.Name, log)
	if err != nil {
		return nil, err
	}
	defer s.close()
	old, err := s.position(ctx)
	if err != nil {
		return nil, err
	}
	start, err := joinPosition(nil, &snapState{})
	if err != nil {
		return nil, err
	}
	if err := s.commit(ctx, nil, start); err != nil {
		return nil, fmt.Errorf("write the relay position of source %s: %w", src.Name, err)
	}
	return old, nil
}

// transactionalID is the Kafka transactional id of src's relays: one per
// source, so that a new leader fences the last.
func transactionalID(src *config.Source) string { return "ferry-relay-" + src.Name }
