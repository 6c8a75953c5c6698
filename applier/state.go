package applier

import (
	"cmp"
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ferry-cdc/ferry/applier/bookkeeping"
	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/internal/kafkaread"
	fsql "github.com/ferry-cdc/ferry/sql"
)

// RouteStatus is what a target and Kafka say of one route: the state that
// `ferry status` prints and the applier's gauges export.
type RouteStatus struct {
	Route  string `json:"route"`
	Source string `json:"source"`
	Target string `json:"target"`
	Topic  string `json:"topic"`
	Paused bool   `json:"paused"`
	// PausedSince, PausedBy and Reason say who paused it, when and why;
	// empty (absent from JSON) while it runs.
	PausedSince time.Time `json:"paused_since,omitzero"`
	PausedBy    string    `json:"paused_by,omitempty"`
	Reason      string    `json:"reason,omitempty"`
	// Lag is how far the target is behind the source, from the heartbeats
	// applied (see Lag); nil before the first arrives.
	Lag *time.Duration `json:"lag_ns,omitempty"`
	// LastChange is when a data change of the route was last applied, and
	// LastChangeCommitted when that change committed at the source.
	LastChange          time.Time `json:"last_change,omitzero"`
	LastChangeCommitted time.Time `json:"last_change_committed,omitzero"`
	// Held counts the changes held in the target; BlockedKeys the keys
	// whose changes wait behind the DLQ, Parked their changes in it.
	Held        int `json:"held"`
	BlockedKeys int `json:"blocked_keys"`
	Parked      int `json:"parked"`
	// DLQ counts the route's outstanding DLQ entries, which ferry status
	// reads from the DLQ topic; -1 when it was not read.
	DLQ int `json:"dlq"`
	// ConsumerLag sums the partitions' consumer lag; -1 when Kafka did not say.
	ConsumerLag int64             `json:"consumer_lag"`
	Partitions  []PartitionStatus `json:"partitions"`
}

// PartitionStatus is one partition of a route's topic.
type PartitionStatus struct {
	Partition int32 `json:"partition"`
	// Next is the next offset to apply, as the target stores it; -1 none.
	Next int64 `json:"next"`
	// End is the last stable offset; ConsumerLag = End - Next (transaction
	// markers count); -1 when Kafka did not say.
	End         int64 `json:"end"`
	ConsumerLag int64 `json:"consumer_lag"`
	// Heartbeat is the last heartbeat applied.
	Heartbeat        *fsql.Heartbeat `json:"heartbeat,omitempty"`
	HeartbeatApplied time.Time       `json:"heartbeat_applied,omitzero"`
}

// Lag is how far a partition is behind its source at now, from its last
// heartbeat h, applied at applied: the heartbeat's own latency while the
// next one is not due yet, and from then on the time it is overdue. So it
// stays near the pipeline's latency while heartbeats flow, whatever their
// interval, and grows from one interval after any stage stalls (the
// source, the relay, Kafka, the applier, a paused route).
func Lag(h *fsql.Heartbeat, applied, now time.Time) time.Duration {
	return max(applied.Sub(h.Committed), now.Sub(h.Committed)-h.Interval, 0)
}

// Status reads the state of target's routes from the target database and,
// through marks, from Kafka (marks nil: not from Kafka).
func Status(ctx context.Context, cfg *config.Config, target *config.Target, d fsql.TargetDialect, db *stdsql.DB,
	marks func(ctx context.Context, topics []string) ([]kafkaread.Watermark, error)) ([]RouteStatus, error) {
	refs, err := routeRefs(cfg, target.Name)
	if err != nil {
		return nil, err
	}
	st, err := ReadState(ctx, Bookkeeping(cfg, target.Name, d), db, refs, marks)
	for i := range st {
		st[i].Target = target.Name
	}
	return st, err
}

// routeRefs names the routes into target with their topics and sources,
// from the config alone.
func routeRefs(cfg *config.Config, target string) ([]routeRef, error) {
	var refs []routeRef
	for _, r := range cfg.Routes {
		if t, _ := r.SplitTo(); t != target {
			continue
		}
		topic, err := topicOf(cfg, r)
		if err != nil {
			return nil, err
		}
		source, _ := r.SplitFrom()
		refs = append(refs, routeRef{name: RouteName(r), topic: topic, source: source})
	}
	return refs, nil
}

// ReadState reads the state of routes of group; marks gives the partitions'
// watermarks, nil when Kafka is not to be asked.
func ReadState(ctx context.Context, book *bookkeeping.Store, db *stdsql.DB, refs []routeRef,
	marks func(ctx context.Context, topics []string) ([]kafkaread.Watermark, error)) ([]RouteStatus, error) {
	topics := make([]string, len(refs))
	names := make([]string, len(refs))
	for i, r := range refs {
		topics[i], names[i] = r.topic, r.name
	}
	progress, err := book.Progress(ctx, db, topics)
	if err != nil {
		return nil, err
	}
	held, blocked, parked, err := book.Waiting(ctx, db, names)
	if err != nil {
		return nil, err
	}
	states, err := book.RouteStates(ctx, db)
	if err != nil {
		return nil, err
	}
	ends := map[tp]kafkaread.Watermark{}
	var kafkaErr error
	if marks != nil {
		ms, err := marks(ctx, topics)
		if err != nil {
			kafkaErr = fmt.Errorf("read the routed topics' offsets from kafka: %w", err)
		}
		for _, m := range ms {
			ends[tp{m.Topic, m.Partition}] = m
		}
	}
	now := time.Now()
	out := make([]RouteStatus, len(refs))
	for i, r := range refs {
		rs := RouteStatus{Route: r.name, Source: r.source, Topic: r.topic, Held: held[r.topic],
			BlockedKeys: blocked[r.name], Parked: parked[r.name], ConsumerLag: -1, DLQ: -1}
		for _, s := range states {
			if s.Route == r.name && s.Paused {
				rs.Paused, rs.PausedSince, rs.PausedBy, rs.Reason = true, s.Since, s.By, s.Reason
			}
		}
		seen := map[int32]bool{}
		add := func(ps PartitionStatus) {
			if w, ok := ends[tp{r.topic, ps.Partition}]; ok {
				from := ps.Next
				if from < 0 {
					from = w.Low
				}
				ps.End, ps.ConsumerLag = w.High, max(w.High-from, 0)
				rs.ConsumerLag = max(rs.ConsumerLag, 0) + ps.ConsumerLag
			}
			rs.Partitions = append(rs.Partitions, ps)
			seen[ps.Partition] = true
		}
		for _, p := range progress {
			if p.Topic != r.topic {
				continue
			}
			if p.Heartbeat != nil {
				lag := Lag(p.Heartbeat, p.HeartbeatApplied, now)
				if rs.Lag == nil || lag > *rs.Lag {
					rs.Lag = &lag
				}
			}
			if p.ChangeApplied.After(rs.LastChange) {
				rs.LastChange, rs.LastChangeCommitted = p.ChangeApplied, p.ChangeCommitted
			}
			add(PartitionStatus{Partition: p.Partition, Next: p.Next, End: -1, ConsumerLag: -1,
				Heartbeat: p.Heartbeat, HeartbeatApplied: p.HeartbeatApplied})
		}
		for k, w := range ends {
			if k.topic == r.topic && !seen[k.partition] {
				add(PartitionStatus{Partition: w.Partition, Next: -1, End: -1, ConsumerLag: -1})
			}
		}
		slices.SortFunc(rs.Partitions, func(a, b PartitionStatus) int { return cmp.Compare(a.Partition, b.Partition) })
		out[i] = rs
	}
	return out, errors.Join(kafkaErr)
}
