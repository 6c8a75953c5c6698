package postgres

import (
	"context"
	"fmt"
	"slices"
)

// Mark is a snapshot, pg_current_snapshot(), taken when it is called: the
// transactions it sees as finished are those that committed (or rolled
// back) before it.
func (o *outbox) Mark(ctx context.Context) ([]byte, error) {
	var snap string
	if err := o.db.QueryRowContext(ctx, `SELECT pg_catalog.pg_current_snapshot()::text`).Scan(&snap); err != nil {
		return nil, fmt.Errorf("take a snapshot for a watermark: %w", err)
	}
	return []byte(snap), nil
}

// Covers reports whether the position is at the end of a window (not part
// way through one) whose snapshot sees every transaction the mark sees: a
// position's base snapshot is one whose every visible transaction has been
// read (see the top of outbox.go), so the position has then read every
// change committed before the mark.
func (o *outbox) Covers(raw, mark []byte) (bool, error) {
	p, err := decodePosition(raw)
	if err != nil {
		return false, err
	}
	if p.Win != nil {
		return false, nil
	}
	return sees(p.Snap, string(mark))
}

// sees reports whether snapshot a sees as finished every transaction that
// snapshot b sees as finished.
func sees(a, b string) (bool, error) {
	_, axmax, axip, err := parseSnapshot(a)
	if err != nil {
		return false, err
	}
	_, bxmax, bxip, err := parseSnapshot(b)
	if err != nil {
		return false, err
	}
	// b sees every xid below its xmax that is not in its xip; a sees none
	// at or above its own xmax, so those must all be in b's xip.
	if bxmax > axmax {
		if bxmax-axmax > uint64(len(bxip)) {
			return false, nil
		}
		for x := axmax; x < bxmax; x++ {
			if !slices.Contains(bxip, x) {
				return false, nil
			}
		}
	}
	// What a still has in progress, b must not see as finished.
	for _, x := range axip {
		if x < bxmax && !slices.Contains(bxip, x) {
			return false, nil
		}
	}
	return true, nil
}
