package relay

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// heldWarnAfter is how long an open transaction may hold the low-water
// mark back before the relay warns: longer than any ordinary transaction,
// short enough that a forgotten one is found before the backlog alerts.
const heldWarnAfter = time.Minute

// heldReport reports how long the oldest open source transaction has
// held the outbox's low-water mark back (sql.LowWaterHeld): a gauge, a
// warning when it passes heldWarnAfter and a note when it clears, each
// once, naming the session.
type heldReport struct {
	outbox fsql.LowWaterHeld
	gauge  prometheus.Gauge
	log    *slog.Logger
	// warned is the session a warning is out for, while one is.
	warned  string
	warning bool
	// hidden: the relay may not see the source's transactions; said once,
	// then not asked again.
	hidden bool
}

// check measures once. An error other than a missing grant is dropped,
// as the backlog's are: the relay's own reads report a failing source.
func (h *heldReport) check(ctx context.Context) {
	if h.hidden {
		return
	}
	tx, ok, err := h.outbox.OldestTransaction(ctx)
	switch {
	case errors.Is(err, fsql.ErrTransactionsHidden):
		h.hidden = true
		h.gauge.Set(0)
		h.log.Warn("how long open transactions hold the outbox's low-water mark back is not measured", "err", err)
		return
	case err != nil:
		return
	}
	var age time.Duration
	if ok {
		age = tx.Age
	}
	h.gauge.Set(age.Seconds())
	over := age >= heldWarnAfter
	if h.warning && (!over || tx.Session != h.warned) {
		h.log.Info("the outbox's low-water mark is no longer held back by that transaction", "session", h.warned)
		h.warning = false
	}
	if over && !h.warning {
		h.log.Warn("an open transaction holds the outbox's low-water mark back: changes committed after it began wait until it ends",
			"session", tx.Session, "held", age.Round(time.Second))
		h.warning, h.warned = true, tx.Session
	}
}

// reset zeroes the gauge when the relay stops leading: another relay
// measures then.
func (h *heldReport) reset() { h.gauge.Set(0) }
