package relay

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/ferry-cdc/ferry/config"
)

// ResetPosition replaces src's relay position in Kafka with the beginning
// of the outbox, for when the relay refuses its position
// (sql.ErrPositionGone: the capture schema was created again, or the source
// was restored or failed over). The leading relay then publishes every
// change the outbox still holds, in order, and starts every open snapshot
// request again from its first chunk. It returns the position it replaced
// (nil if there was none).
//
// It takes the relay's transactional id, which fences a relay of src that
// is still running: its next commit fails and it starts again from the
// beginning. Changes already in Kafka stay there; the applier applies the
// republished ones after them, so each key ends at the outbox's version,
// and `ferry verify --repair` mends keys whose changes were purged.
func ResetPosition(ctx context.Context, cfg *config.Config, src *config.Source, log *slog.Logger) ([]byte, error) {
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
