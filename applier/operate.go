package applier

import (
	"context"
	stdsql "database/sql"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/internal/kafkaclient"
	"github.com/ferry-cdc/ferry/internal/kafkaread"
	"github.com/ferry-cdc/ferry/internal/latency"
	fsql "github.com/ferry-cdc/ferry/sql"
)

// What operating the applier adds to applying: each batch records, with
// its offsets, the last change and heartbeat it took each partition past
// (so the lag of every route is known from the target alone, whichever
// applier holds the partitions); routes can be paused and resumed at run
// time; and the state of the target's routes is exported as metrics.

// How often the applier looks at the routes' paused states, and reads the
// target's state for the metrics.
const (
	pauseCheck = time.Second
	stateCheck = 2 * time.Second
)

// begin starts counting what a target transaction writes.
func (a *Applier) begin() {
	clear(a.written)
	a.landed = a.landed[:0]
}

// recordProgress records, in tx, the last change and heartbeat the batch
// takes each partition past.
func (a *Applier) recordProgress(ctx context.Context, tx *stdsql.Tx, items []*item) error {
	now := time.Now()
	by := map[tp]*fsql.Progress{}
	at := func(k tp) *fsql.Progress {
		p := by[k]
		if p == nil {
			p = &fsql.Progress{Topic: k.topic, Partition: k.partition, Applied: now}
			by[k] = p
		}
		return p
	}
	for _, it := range a.landed {
		if it.msg.TopicPartition.Topic == nil {
			continue
		}
		p := at(it.tp())
		p.Changed = true
		if it.committed.After(p.ChangeCommitted) {
			p.ChangeCommitted = it.committed
		}
	}
	for _, it := range items {
		if it.heartbeat != nil && !it.stop {
			at(it.tp()).Heartbeat = it.heartbeat
		}
	}
	if len(by) == 0 {
		return nil
	}
	ps := make([]fsql.Progress, 0, len(by))
	for _, p := range by {
		ps = append(ps, *p)
	}
	return a.book.RecordProgress(ctx, tx, ps)
}

// observeLanded measures, once a transaction has committed, how old each
// change it wrote is.
func (a *Applier) observeLanded() {
	now := time.Now()
	for _, it := range a.landed {
		if it.committed.IsZero() {
			continue // a snapshot's row, a held change, another producer's
		}
		s := latency.Since(it.committed, now)
		a.m.ageApplied.Observe(s)
		o, ok := a.latencyOf[it.route.name]
		if !ok {
			o = a.m.latency.WithLabelValues(it.route.name)
			a.latencyOf[it.route.name] = o
		}
		o.Observe(s)
	}
	a.landed = a.landed[:0]
}

// consumed measures how old a change is when the consumer hands it over.
func (a *Applier) consumed(m *kafka.Message) {
	if t, ok := latency.Committed(m); ok {
		if _, hb := latency.Heartbeat(m); !hb {
			a.m.ageConsumed.Observe(latency.Since(t, time.Now()))
		}
	}
}

// loadPaused reads which routes are paused; called at the start of a
// session, before partitions are assigned.
func (a *Applier) loadPaused(ctx context.Context) error {
	a.paused = map[string]bool{}
	want, err := a.pausedTopics(ctx)
	if err != nil {
		return err
	}
	a.paused = want
	if len(want) > 0 {
		a.resumed = time.Time{}
	}
	return nil
}

func (a *Applier) pausedTopics(ctx context.Context) (map[string]bool, error) {
	states, err := a.book.RouteStates(ctx, a.db)
	if err != nil {
		return nil, err
	}
	byName := map[string]string{}
	for topic, r := range a.routes {
		byName[r.name] = topic
	}
	want := map[string]bool{}
	for _, s := range states {
		if topic, ok := byName[s.Route]; ok && s.Paused {
			want[topic] = true
		}
	}
	return want, nil
}

// checkPaused pauses the partitions of routes paused since it last looked
// and resumes those of routes resumed, each from the offset stored in the
// target: what was consumed of a paused route and not applied comes again.
// It runs between batches.
func (a *Applier) checkPaused(ctx context.Context) error {
	if a.consumer == nil {
		return nil
	}
	want, err := a.pausedTopics(ctx)
	if err != nil {
		return err
	}
	if maps.Equal(want, a.paused) {
		return nil
	}
	var pause, seek, resume []kafka.TopicPartition
	for k := range a.next {
		was, is := a.paused[k.topic], want[k.topic]
		switch {
		case is && !was:
			pause = append(pause, a.partition(k))
		case was && !is:
			p := a.partition(k)
			seek = append(seek, p)
			if a.stopped[k] == nil {
				resume = append(resume, p)
			}
		}
	}
	for topic := range want {
		if !a.paused[topic] {
			a.log.Info("route paused: its changes wait in Kafka", "route", a.routes[topic].name)
		}
	}
	for topic := range a.paused {
		if !want[topic] {
			a.log.Info("route resumed", "route", a.routes[topic].name)
		}
	}
	a.paused = want
	if len(want) == 0 {
		a.resumed = time.Now()
	}
	if len(pause) > 0 {
		if err := a.consumer.Pause(pause); err != nil {
			return fmt.Errorf("pause %v: %w", pause, err)
		}
	}
	return a.move(nil, seek, resume)
}

// partition is where a partition of this applier goes on from: the change
// it stopped at, the offset stored in the target, or its beginning.
func (a *Applier) partition(k tp) kafka.TopicPartition {
	topic := k.topic
	off := kafka.OffsetBeginning
	if s := a.stopped[k]; s != nil {
		off = kafka.Offset(s.offset)
	} else if n, ok := a.next[k]; ok && n >= 0 {
		off = kafka.Offset(n)
	}
	return kafka.TopicPartition{Topic: &topic, Partition: k.partition, Offset: off}
}

// pauseAssigned pauses newly assigned partitions of paused routes.
func (a *Applier) pauseAssigned(c pauser, parts []kafka.TopicPartition) error {
	var pause []kafka.TopicPartition
	for _, p := range parts {
		if a.paused[*p.Topic] {
			pause = append(pause, p)
		}
	}
	if len(pause) == 0 {
		return nil
	}
	if err := c.Pause(pause); err != nil {
		return fmt.Errorf("pause %v: %w", pause, err)
	}
	return nil
}

// unpaused keeps resumed partitions of paused routes paused.
func (a *Applier) unpaused(parts []kafka.TopicPartition) []kafka.TopicPartition {
	return slices.DeleteFunc(parts, func(p kafka.TopicPartition) bool { return a.paused[*p.Topic] })
}

// waited is how long a change held since since has waited for its row, the
// time the target's routes were paused left out: while one is paused
// (perhaps the one carrying the row), and for as long again after, no wait
// runs out, so that pausing a route never sends another's changes to the DLQ.
func (a *Applier) waited(since time.Time) time.Duration {
	if len(a.paused) > 0 {
		return 0
	}
	if a.resumed.After(since) {
		since = a.resumed
	}
	return time.Since(since)
}

// routeRef is a route as the state watcher sees it.
type routeRef struct {
	name, topic, source string
}

// watchState reads the state of the target's routes, from the target and
// from Kafka, every stateCheck, into the gauges: the lag from heartbeats,
// consumer lag, held changes, blocked keys, paused or not. It covers every
// partition of the routes, whichever applier of the group holds it, so a
// stopped applier's routes show their lag in the others' metrics.
func (a *Applier) watchState(ctx context.Context, refs []routeRef, k config.Kafka) {
	t := time.NewTicker(stateCheck)
	defer t.Stop()
	marks, err := kafkaread.NewWatermarker(strings.Join(k.Brokers, ","), kafkaread.Options{Props: kafkaclient.ConsumerProperties(k)})
	if err != nil {
		a.log.Warn("the consumer lag is not measured", "err", err)
	} else {
		defer marks.Close()
	}
	for {
		sctx, cancel := context.WithTimeout(ctx, stateCheck*4)
		var read func(context.Context, []string) ([]kafkaread.Watermark, error)
		if marks != nil {
			read = marks.Read
		}
		st, err := ReadState(sctx, a.book, a.db, refs, read)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			a.m.errors.WithLabelValues("state").Inc()
			a.log.Debug("read the routes' state", "err", err)
		} else {
			a.export(st)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (a *Applier) export(st []RouteStatus) {
	for _, r := range st {
		if r.Lag != nil {
			a.m.lag.WithLabelValues(r.Source, r.Route).Set(r.Lag.Seconds())
		}
		for _, p := range r.Partitions {
			if p.ConsumerLag >= 0 {
				a.m.consumerLag.WithLabelValues(r.Route, strconv.Itoa(int(p.Partition))).Set(float64(p.ConsumerLag))
			}
		}
		a.m.heldNow.WithLabelValues(r.Route).Set(float64(r.Held))
		a.m.blockedKeys.WithLabelValues(r.Route).Set(float64(r.BlockedKeys))
		paused := 0.0
		if r.Paused {
			paused = 1
		}
		a.m.paused.WithLabelValues(r.Route).Set(paused)
		if !r.LastChange.IsZero() {
			a.m.lastApplied.WithLabelValues(r.Route).Set(float64(r.LastChange.UnixMilli()) / 1000)
		}
	}
	a.m.stateUpdated.SetToCurrentTime()
}

// logPaused says at the start of a session which routes wait.
func (a *Applier) logPaused() {
	for topic := range a.paused {
		a.log.Info("route paused: its changes wait in Kafka until ferry route resume", "route", a.routes[topic].name)
	}
}

// heartbeatOf reads a heartbeat message.
func heartbeatOf(m *kafka.Message, env *envelope, committed time.Time) *fsql.Heartbeat {
	interval, _ := latency.Heartbeat(m)
	seq, _ := env.Source.Seq.Int64()
	return &fsql.Heartbeat{Source: env.Source.Name, Seq: seq, Committed: committed, Interval: interval}
}
