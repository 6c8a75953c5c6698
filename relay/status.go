package relay

import (
	"context"
	stdsql "database/sql"
	"time"

	"github.com/ferry-cdc/ferry/config"
	fsql "github.com/ferry-cdc/ferry/sql"
)

// Backlog reads the position the relay of src last committed to Kafka and
// counts the committed changes of the outbox after it, with the time the
// oldest was written: what `ferry status` shows without a relay to ask.
func Backlog(ctx context.Context, cfg *config.Config, src *config.Source, d fsql.SourceDialect, db *stdsql.DB) (rows int64, oldest time.Time, err error) {
	stored, err := readPosition(ctx, cfg.Kafka, cfg.Relay.OffsetsTopic, src.Name)
	if err != nil {
		return 0, time.Time{}, err
	}
	pos, _, err := splitPosition(stored)
	if err != nil {
		return 0, time.Time{}, err
	}
	return d.Source().Outbox(db, d.Fold(src.CaptureSchema)).Backlog(ctx, pos)
}
