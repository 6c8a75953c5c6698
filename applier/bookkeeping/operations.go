package bookkeeping

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"fmt"
	"time"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// What operating Ferry keeps beside the offsets (sql/operations.go): each
// partition's progress and heartbeats, and which routes are paused.

// progressRow is one partition's progress as RecordProgress sends it.
type progressRow struct {
	Topic           string  `json:"topic"`
	Partition       int32   `json:"partition"`
	ChangeApplied   *string `json:"change_applied_at"`
	ChangeCommitted *string `json:"change_committed_at"`
	Source          *string `json:"heartbeat_source"`
	Seq             *int64  `json:"heartbeat_seq"`
	Committed       *string `json:"heartbeat_committed_at"`
	IntervalMs      *int64  `json:"heartbeat_interval_ms"`
	HeartbeatAt     *string `json:"heartbeat_applied_at"`
}

// stamp is a time as every dialect reads it from JSON: ISO 8601 in UTC
// with its offset, to the microsecond (PostgreSQL keeps no more, and SQL
// Server reads no more than seven digits).
func stamp(t time.Time) *string {
	s := t.UTC().Format("2006-01-02T15:04:05.000000+00:00")
	return &s
}

// RecordProgress records, in tx, what a batch did on each partition, in
// one statement: what it leaves unsaid keeps its stored value.
func (s *Store) RecordProgress(ctx context.Context, tx *stdsql.Tx, ps []fsql.Progress) error {
	if len(ps) == 0 {
		return nil
	}
	rows := make([]progressRow, len(ps))
	for i, p := range ps {
		r := progressRow{Topic: p.Topic, Partition: p.Partition}
		if p.Changed {
			r.ChangeApplied = stamp(p.Applied)
			if !p.ChangeCommitted.IsZero() {
				r.ChangeCommitted = stamp(p.ChangeCommitted)
			}
		}
		if h := p.Heartbeat; h != nil {
			ms := h.Interval.Milliseconds()
			r.Source, r.Seq, r.Committed, r.IntervalMs, r.HeartbeatAt = &h.Source, &h.Seq, stamp(h.Committed), &ms, stamp(p.Applied)
		}
		rows[i] = r
	}
	doc, err := json.Marshal(rows)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.sql.RecordProgress, s.group, string(doc)); err != nil {
		return fmt.Errorf("record the progress of %d partitions: %w", len(ps), err)
	}
	return nil
}

// Progress reads what the target knows of every partition of topics: its
// stored offset and its progress.
func (s *Store) Progress(ctx context.Context, q fsql.Querier, topics []string) ([]fsql.PartitionProgress, error) {
	rows, err := q.QueryContext(ctx, s.sql.SelectProgress, s.group, list(topics))
	if err != nil {
		return nil, fmt.Errorf("read the applied progress of group %s: %w", s.group, err)
	}
	defer rows.Close()
	var out []fsql.PartitionProgress
	for rows.Next() {
		var p fsql.PartitionProgress
		var changeAt, changeCommitted, hbCommitted, hbAt stdsql.NullTime
		var source stdsql.NullString
		var seq, interval stdsql.NullInt64
		if err := rows.Scan(&p.Topic, &p.Partition, &p.Next, &changeAt, &changeCommitted, &source, &seq, &hbCommitted, &interval, &hbAt); err != nil {
			return nil, fmt.Errorf("read the applied progress of group %s: %w", s.group, err)
		}
		p.ChangeApplied, p.ChangeCommitted = changeAt.Time, changeCommitted.Time
		if seq.Valid {
			p.Heartbeat = &fsql.Heartbeat{Source: source.String, Seq: seq.Int64, Committed: hbCommitted.Time,
				Interval: time.Duration(interval.Int64) * time.Millisecond}
			p.HeartbeatApplied = hbAt.Time
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Waiting counts, per topic, the changes held in the target, and per
// route, the keys blocked behind the DLQ and the changes they have there.
func (s *Store) Waiting(ctx context.Context, q fsql.Querier, routes []string) (held, blockedKeys, parked map[string]int, err error) {
	held, blockedKeys, parked = map[string]int{}, map[string]int{}, map[string]int{}
	if err := counts(ctx, q, s.sql.CountHeld, []any{s.group}, 1, func(topic string, n []int) { held[topic] = n[0] }); err != nil {
		return nil, nil, nil, fmt.Errorf("count the held changes of group %s: %w", s.group, err)
	}
	err = counts(ctx, q, s.sql.CountBlocked, []any{s.group, list(routes)}, 2, func(route string, n []int) {
		blockedKeys[route], parked[route] = n[0], n[1]
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("count the blocked keys of group %s: %w", s.group, err)
	}
	return held, blockedKeys, parked, nil
}

// counts reads rows of a name and n counts, handing each to add.
func counts(ctx context.Context, q fsql.Querier, query string, args []any, n int, add func(name string, counts []int)) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		c := make([]int, n)
		dest := []any{&name}
		for i := range c {
			dest = append(dest, &c[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		add(name, c)
	}
	return rows.Err()
}

// RouteStates reads the paused routes of the group, and those resumed,
// with who last changed them.
func (s *Store) RouteStates(ctx context.Context, q fsql.Querier) ([]fsql.RouteState, error) {
	rows, err := q.QueryContext(ctx, s.sql.SelectRouteStates, s.group)
	if err != nil {
		return nil, fmt.Errorf("read the route states of group %s: %w", s.group, err)
	}
	defer rows.Close()
	var out []fsql.RouteState
	for rows.Next() {
		var r fsql.RouteState
		if err := rows.Scan(&r.Route, &r.Paused, &r.Since, &r.By, &r.Reason); err != nil {
			return nil, fmt.Errorf("read the route states of group %s: %w", s.group, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SetRouteState pauses or resumes a route of the group.
func (s *Store) SetRouteState(ctx context.Context, db *stdsql.DB, r fsql.RouteState) error {
	if _, err := db.ExecContext(ctx, s.sql.SetRouteState, s.group, r.Route, r.Paused, r.By, r.Reason); err != nil {
		return fmt.Errorf("record route %s as paused=%t: %w", r.Route, r.Paused, err)
	}
	return nil
}
