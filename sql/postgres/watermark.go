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
	a, err := p.base()
	if err != nil {
		return false, err
	}
	b, err := parse(string(mark))
	if err != nil {
		return false, err
	}
	return a.sees(b), nil
}

// xidSnapshot is pg_snapshot parsed: every xid below xmax and not in xip has
// finished.
type xidSnapshot struct {
	xmax uint64
	xip  []uint64
}

func parse(s string) (xidSnapshot, error) {
	_, xmax, xip, err := parseSnapshot(s)
	return xidSnapshot{xmax: xmax, xip: xip}, err
}

func (s xidSnapshot) finished(x uint64) bool { return x < s.xmax && !slices.Contains(s.xip, x) }

// with is s with the transaction own finished too, and every xid from s's
// xmax up to own still in progress.
func (s xidSnapshot) with(own uint64) xidSnapshot {
	switch {
	case own == 0:
		return s
	case own < s.xmax:
		return xidSnapshot{xmax: s.xmax, xip: slices.DeleteFunc(slices.Clone(s.xip), func(x uint64) bool { return x == own })}
	}
	xip := slices.Clone(s.xip)
	for x := s.xmax; x < own; x++ {
		xip = append(xip, x)
	}
	return xidSnapshot{xmax: own + 1, xip: xip}
}

// sees reports whether a sees as finished every transaction that b sees as
// finished.
func (a xidSnapshot) sees(b xidSnapshot) bool {
	// b sees every xid below its xmax that is not in its xip; a sees none
	// at or above its own xmax, so those must all be in b's xip.
	if b.xmax > a.xmax {
		if b.xmax-a.xmax > uint64(len(b.xip)) {
			return false
		}
		for x := a.xmax; x < b.xmax; x++ {
			if !slices.Contains(b.xip, x) {
				return false
			}
		}
	}
	// What a still has in progress, b must not see as finished.
	for _, x := range a.xip {
		if b.finished(x) {
			return false
		}
	}
	return true
}

// base is what the position has read: its snapshot, with the horizon's
// flush finished (it wrote no change, so there is nothing of it to read).
func (p position) base() (xidSnapshot, error) {
	s, err := parse(p.Snap)
	return s.with(p.Flush), err
}

// unchanged reports whether snapshot now sees finished exactly what the
// position has read: then no change can have become visible since.
func (p position) unchanged(now string) (bool, error) {
	a, err := p.base()
	if err != nil {
		return false, err
	}
	b, err := parse(now)
	if err != nil {
		return false, err
	}
	return a.sees(b) && b.sees(a), nil
}
