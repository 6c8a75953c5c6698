package applier

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ferry-cdc/ferry/applier/bookkeeping"
	"github.com/ferry-cdc/ferry/applier/rule"
	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/dlq"
	"github.com/ferry-cdc/ferry/internal/daemon"
	"github.com/ferry-cdc/ferry/internal/kafkaclient"
	"github.com/ferry-cdc/ferry/internal/latency"
	fsql "github.com/ferry-cdc/ferry/sql"
)

// Schema is where the applier keeps its tables in the target.
const Schema = "ferry"

// quiet is how long, in milliseconds, the consumer must have nothing more
// for a gathering batch before it is applied: long enough for the rest of
// a fetch (other partitions of the same relay transaction) to arrive.
const quiet = 2

// Applier applies the routes into one target.
type Applier struct {
	cfg    *config.Config
	target *config.Target
	d      fsql.TargetDialect
	tg     fsql.Target
	book   *bookkeeping.Store
	db     *stdsql.DB
	log    *slog.Logger
	m      *metrics
	group  string

	routes map[string]*route
	dlq    *dlq.Writer
	// next is, per assigned partition, the offset stored in the target as
	// this applier last read or wrote it; -1 when none is stored.
	next  map[tp]int64
	state daemon.StateLog
	// mayHold says the target may hold changes of this applier's group, so
	// each batch must look for them; retrying says some of them wait for a
	// row and are retried every second even while no batch comes. Both are
	// set on start, on assignment (a partition may bring held changes from
	// another applier) and on each hold, and recomputed when retryHeld
	// reads them all: a batch never queries apply_held for nothing.
	mayHold, retrying bool
	// mayBlock says the target may hold blocked keys of this applier's
	// group, so each batch must look for its keys among them; blockedKnown
	// says mayBlock was read from the target (AnyBlocked) since the start
	// or the last assignment. Each key blocked sets mayBlock again.
	mayBlock, blockedKnown bool
	// failed are, in the batch under way, the changes whose error doomed
	// the target's transaction, with that error, by attempt's key (a
	// message, a barrier, a latestKey).
	failed map[any]error
	// written counts rows per route and op in the transaction under way.
	written map[[2]string]int

	// consumer pauses, resumes and rewinds partitions; nil outside a session.
	consumer pauser
	// stopped are the partitions paused at a change that cannot apply yet
	// (see stop.go); pending is what the batch being applied adds to them,
	// taken up once it commits.
	stopped map[tp]*stop
	pending pending
	// catalog is the target catalog's version when the routes' tables were
	// last read, at refreshed; checked says this batch has looked at it.
	catalog   string
	refreshed time.Time
	checked   bool
	// missing is, per route and target column a change carried but the
	// target lacked, when that was first seen: its schema_wait runs from then.
	missing map[string]time.Time
	// truncateFailed is when a truncate whose partitions have all arrived
	// first failed for a foreign key: its foreign_key_wait runs from then.
	truncateFailed map[barrier]time.Time

	// landed are the changes the transaction under way has written.
	landed    []*item
	latencyOf map[string]prometheus.Observer
	// paused are the topics of paused routes; resumed is when the last
	// pause ended (no wait for a row runs out while a route is paused).
	paused  map[string]bool
	resumed time.Time
	// reloads brings the routes of a config reloaded on SIGHUP (reload.go);
	// lookups stops the lookups of the routes in force.
	reloads chan *Reload
	lookups map[string]func()
	// cfgMu guards cfg between the session, which alone changes it (a
	// reload), and PrepareReload, which reads it from another goroutine.
	cfgMu sync.Mutex
}

type tp struct {
	topic     string
	partition int32
}

// New builds the applier of target. db is a pool for the target's DSN.
func New(cfg *config.Config, target *config.Target, d fsql.TargetDialect, db *stdsql.DB, reg prometheus.Registerer, log *slog.Logger) *Applier {
	log = log.With("target", target.Name)
	group := Group(cfg, target.Name)
	return &Applier{
		cfg: cfg, target: target, d: d, tg: d.Target(), db: db, log: log,
		book:    Bookkeeping(cfg, target.Name, d),
		m:       newMetrics(reg, target.Name),
		group:   group,
		next:    map[tp]int64{},
		state:   daemon.StateLog{Log: log},
		written: map[[2]string]int{},
		stopped: map[tp]*stop{}, missing: map[string]time.Time{}, truncateFailed: map[barrier]time.Time{},
		latencyOf: map[string]prometheus.Observer{},
		paused:    map[string]bool{},
		reloads:   make(chan *Reload, 1),
	}
}

// classify sorts an error from the target: a value the target cannot hold
// is the change's fault whatever the database; the rest by the dialect.
func (a *Applier) classify(err error) fsql.ErrorClass {
	var ve *fsql.ValueError
	if errors.As(err, &ve) {
		return fsql.Reject
	}
	return a.d.Classify(err)
}

// Group is the consumer group of the appliers of target, which also keys
// their state in the target.
func Group(cfg *config.Config, target string) string { return cfg.Apply.GroupID + "-" + target }

// Bookkeeping is the records of the appliers of target in the target's
// Schema: offsets, held changes, blocked keys, progress, route states.
// Prepare creates its tables.
func Bookkeeping(cfg *config.Config, target string, d fsql.TargetDialect) *bookkeeping.Store {
	return bookkeeping.New(d.Target().Bookkeeping(d.Fold(Schema)), Group(cfg, target))
}

// errFenced: another applier has moved an offset this one was about to
// move; its batch is dropped and the consumer joins the group again.
var errFenced = errors.New("another applier has taken over a partition")

// Run applies until ctx ends. It returns nil on a clean stop.
func (a *Applier) Run(ctx context.Context) error {
	backoff := daemon.NewBackoff()
	for ctx.Err() == nil {
		err := a.session(ctx)
		var fatal *daemon.Fatal
		switch {
		case ctx.Err() != nil:
		case errors.As(err, &fatal):
			return fatal.Err
		case kafkaclient.Permanent(err) != nil:
			// Wrong credentials, an untrusted certificate, a missing ACL:
			// retrying would only repeat it until someone fixes the config.
			a.m.errors.WithLabelValues("session").Inc()
			return kafkaclient.Permanent(err)
		case errors.Is(err, errFenced):
			a.state.Set("fenced", slog.LevelInfo, "a partition moved to another applier; rejoining the group")
		case err != nil:
			a.m.errors.WithLabelValues("session").Inc()
			a.state.Set("failing: "+daemon.RootCause(err), slog.LevelWarn, "applying stopped; retrying", "err", err)
			d, _ := backoff.Next()
			daemon.Sleep(ctx, d)
		}
	}
	return nil
}

// State reports what the applier is doing, for /healthz.
func (a *Applier) State() string { return a.state.Get() }

// session consumes with one consumer until it fails or ctx ends.
func (a *Applier) session(ctx context.Context) error {
	if err := a.book.Prepare(ctx, a.db, a.d.Fold(Schema)); err != nil {
		return err
	}
	a.routes = nil
	a.takeReload() // one that came while no session ran goes into a.cfg
	rs, err := a.loadRoutes(ctx)
	if err != nil {
		return err
	}
	stops, err := startLookups(ctx, rs)
	if err != nil {
		return err
	}
	a.lookups = stops
	defer func() { stopAll(a.lookups) }()
	if len(rs) == 0 {
		return &daemon.Fatal{Err: fmt.Errorf("no routes write to target %s", a.target.Name)}
	}
	a.routes = rs
	if err := a.loadPaused(ctx); err != nil {
		return err
	}
	a.logPaused()
	// Wrong credentials or an untrusted certificate show in seconds, by
	// name, rather than as a consumer that never gets its partitions.
	if err := kafkaclient.Probe(ctx, a.cfg.Kafka, 10*time.Second); err != nil {
		return err
	}
	if a.dlq == nil {
		if a.dlq, err = dlq.NewWriter(a.cfg.Kafka, a.cfg.Apply.DLQTopic); err != nil {
			return &daemon.Fatal{Err: err}
		}
	}
	// Defaults, then the config's properties, then what exactly-once needs.
	cm := kafka.ConfigMap{
		// A fetch returns as soon as a transaction's markers make changes
		// readable, however long it may wait: the wait only bounds how
		// often an idle consumer asks the broker again (each time costs
		// the broker CPU).
		"fetch.wait.max.ms": 100,
		// A dead applier's partitions move after 10 s instead of 45.
		"session.timeout.ms": 10_000, "heartbeat.interval.ms": 3_000,
	}
	for k, v := range kafkaclient.Consumer(a.cfg.Kafka) {
		cm[k] = v
	}
	for k, v := range map[string]kafka.ConfigValue{
		"group.id":        a.group,
		"isolation.level": "read_committed", "enable.auto.commit": false,
		"auto.offset.reset": "earliest",
	} {
		cm[k] = v
	}
	c, err := kafka.NewConsumer(&cm)
	if err != nil {
		return &daemon.Fatal{Err: fmt.Errorf("create kafka consumer: %w", err)}
	}
	defer c.Close()
	a.consumer, a.stopped, a.pending = c, map[tp]*stop{}, pending{}
	defer func() { a.consumer = nil }()
	topics := make([]string, 0, len(rs))
	for t := range rs {
		topics = append(topics, t)
	}
	slices.Sort(topics)
	if err := a.ensureTopics(ctx, c, topics); err != nil {
		return err
	}
	refs := make([]routeRef, 0, len(rs))
	for _, t := range topics {
		source, _ := rs[t].cfg.SplitFrom()
		refs = append(refs, routeRef{name: rs[t].name, topic: t, source: source})
	}
	wctx, stopWatch := context.WithCancel(ctx)
	watched := make(chan struct{})
	k := a.cfg.Kafka
	go func() { defer close(watched); a.watchState(wctx, refs, k) }()
	defer func() { stopWatch(); <-watched }()
	var batch []*kafka.Message
	var rebalanceErr error
	// The group calls back from inside Poll: a batch in flight is applied
	// before its partitions are given up, and a new partition starts from
	// the offset stored in the target.
	rebalance := func(c *kafka.Consumer, ev kafka.Event) error {
		switch e := ev.(type) {
		case kafka.AssignedPartitions:
			if err := a.assign(ctx, c, e.Partitions); err != nil {
				rebalanceErr = err
			}
		case kafka.RevokedPartitions:
			if err := a.apply(ctx, batch); err != nil && rebalanceErr == nil {
				rebalanceErr = err
			}
			batch = nil
			a.next = map[tp]int64{}
			// The partitions go: whoever takes them starts from the offsets
			// stored with the batch, at the change each one stopped at.
			a.stopped, a.pending = map[tp]*stop{}, pending{}
			if err := c.Unassign(); err != nil && rebalanceErr == nil {
				rebalanceErr = fmt.Errorf("unassign: %w", err)
			}
		}
		return nil
	}
	if err := c.SubscribeTopics(topics, rebalance); err != nil {
		return fmt.Errorf("subscribe to %v: %w", topics, err)
	}
	a.state.Set("applying", slog.LevelInfo, "applying", "topics", topics)

	deadline := time.Time{}
	a.mayHold, a.retrying = true, true // a previous run may have left some
	a.blockedKnown = false
	lastRetry, lastCheck, lastPause := time.Now(), time.Now(), time.Now()
	for {
		if ctx.Err() != nil {
			// Finish the batch in flight; its offsets go with it.
			return a.apply(context.WithoutCancel(ctx), batch)
		}
		timeout := 100
		if len(batch) > 0 {
			timeout = min(quiet, max(0, int(time.Until(deadline).Milliseconds())))
		}
		ev := c.Poll(timeout)
		if rebalanceErr != nil {
			return rebalanceErr
		}
		switch e := ev.(type) {
		case *kafka.Message:
			if a.stopped[tp{*e.TopicPartition.Topic, e.TopicPartition.Partition}] != nil || a.paused[*e.TopicPartition.Topic] {
				continue // paused: it comes again when the partition resumes
			}
			a.consumed(e)
			if len(batch) == 0 {
				deadline = time.Now().Add(a.cfg.Apply.BatchTimeout)
			}
			batch = append(batch, e)
		case kafka.Error:
			if perm := kafkaclient.Permanent(e); perm != nil {
				return perm
			}
			if e.IsFatal() {
				return fmt.Errorf("kafka consumer: %w", e)
			}
			a.log.Debug("kafka consumer", "err", e)
		}
		// A batch is applied as soon as nothing more is waiting (ev is nil:
		// quiet ms passed without a message), so a change does not wait for a
		// timer while the applier is idle; while a batch is applied, the
		// next one gathers in the consumer's queue. batch_timeout bounds the
		// gathering when messages never stop coming.
		if len(batch) > 0 && (ev == nil || len(batch) >= a.cfg.Apply.BatchSize || !time.Now().Before(deadline)) {
			if err := a.apply(ctx, batch); err != nil {
				return err
			}
			batch = nil
			lastRetry = time.Now()
			if err := a.settle(); err != nil {
				return err
			}
		}
		if len(batch) == 0 && time.Since(a.refreshed) > catalogCheck {
			// A change to the target's tables that no change trips over
			// (a type, a constraint) is noticed within catalogCheck.
			if _, err := a.refresh(ctx); err != nil {
				return err
			}
		}
		if len(batch) == 0 && time.Since(lastPause) > pauseCheck {
			if err := a.checkPaused(ctx); err != nil {
				return err
			}
			lastPause = time.Now()
		}
		if len(batch) == 0 {
			a.takeReload()
		}
		if len(batch) == 0 && len(a.stopped) > 0 && time.Since(lastCheck) > stopCheck {
			if err := a.checkStopped(ctx); err != nil {
				return err
			}
			lastCheck = time.Now()
		}
		if len(batch) == 0 && a.retrying && time.Since(lastRetry) > time.Second {
			if err := a.retryIdle(ctx); err != nil {
				return err
			}
			lastRetry = time.Now()
		}
	}
}

// ensureTopics creates the routed topics that do not exist yet, as the
// relay would (a consumer subscribed to a missing topic would notice it only
// at its next metadata refresh, minutes later), and the DLQ topic, which
// must take the largest change with its headers, and keeps its entries
// until they are replayed, however long that takes.
func (a *Applier) ensureTopics(ctx context.Context, c *kafka.Consumer, topics []string) error {
	admin, err := kafka.NewAdminClientFromConsumer(c)
	if err != nil {
		return fmt.Errorf("create kafka admin client: %w", err)
	}
	defer admin.Close()
	k, rc := a.cfg.Kafka, a.cfg.Relay
	specs := make([]kafka.TopicSpecification, 0, len(topics))
	for _, t := range topics {
		specs = append(specs, kafkaclient.Spec(k, t, rc.TopicPartitions, rc.TopicReplicationFactor, nil))
	}
	if err := kafkaclient.CreateTopics(ctx, admin, specs); err != nil {
		if perm := kafkaclient.Permanent(err); perm != nil && strings.HasPrefix(perm.Cause, "not authorized to create") {
			// An applier need not create the topics it reads: the relay
			// does. Until it has, wait, as for any missing topic.
			return fmt.Errorf("wait for the relay to create the routed topics (this applier may not): %v", err)
		}
		return err
	}
	dlqSpec := kafkaclient.Spec(k, a.cfg.Apply.DLQTopic, rc.TopicPartitions, rc.TopicReplicationFactor, map[string]string{"retention.ms": "-1"})
	if err := kafkaclient.CreateTopics(ctx, admin, []kafka.TopicSpecification{dlqSpec}); err != nil {
		return err
	}
	_, err = kafkaclient.Limits(ctx, admin, k, []string{a.cfg.Apply.DLQTopic}, a.log)
	return err
}

// assign seeks each new partition to the offset stored in the target.
func (a *Applier) assign(ctx context.Context, c *kafka.Consumer, parts []kafka.TopicPartition) error {
	stored := map[string]map[int32]int64{}
	out := make([]kafka.TopicPartition, len(parts))
	for i, p := range parts {
		topic := *p.Topic
		if stored[topic] == nil {
			o, err := a.book.Offsets(ctx, a.db, topic)
			if err != nil {
				return err
			}
			stored[topic] = o
		}
		out[i] = p
		if off, ok := stored[topic][p.Partition]; ok {
			out[i].Offset = kafka.Offset(off)
			a.next[tp{topic, p.Partition}] = off
		} else {
			out[i].Offset = kafka.OffsetBeginning
			a.next[tp{topic, p.Partition}] = -1
		}
	}
	if err := c.Assign(out); err != nil {
		return fmt.Errorf("assign partitions: %w", err)
	}
	// A partition paused under an earlier assignment starts afresh, but
	// for those of paused routes.
	if err := c.Resume(out); err != nil {
		return fmt.Errorf("resume partitions: %w", err)
	}
	if err := a.pauseAssigned(c, out); err != nil {
		return err
	}
	a.mayHold, a.retrying = true, true
	a.blockedKnown = false
	a.log.Debug("assigned", "partitions", fmt.Sprint(out))
	return nil
}

// item is one consumed message, prepared for the target.
type item struct {
	msg   *kafka.Message
	route *route
	key   string            // the route's name and the key, identifying the row
	op    byte              // 'u' upsert, 'd' delete, 0 nothing to apply
	hold  string            // the rule that holds this change, if one does
	skip  string            // the rule that drops this change, if one does
	cols  []string          // the target columns the change writes (upsert) or its key (delete)
	vals  []json.RawMessage // their values, in their neutral forms
	fail  *dlq.Entry        // set when the change cannot apply

	// missing names the route and the target column the change writes but
	// the target table lacks ("<route>|<column>"); fail says so too.
	missing string
	// A truncate ('t'): its seq at the source, the barrier's identity, and
	// how many partitions it was sent to.
	seq   int64
	parts int
	// stop: the partition waits at this change, which applies later: the
	// stored offset moves to it, not past it.
	stop bool
	// committed is when the change committed at the source, as the relay
	// bounds it; zero when the message does not say (internal/latency).
	committed time.Time
	// heartbeat is set for a heartbeat, which applies nothing.
	heartbeat *fsql.Heartbeat
}

func (it *item) tp() tp { return tp{*it.msg.TopicPartition.Topic, it.msg.TopicPartition.Partition} }

// prepare decodes and maps one message.
func (a *Applier) prepare(m *kafka.Message) *item {
	it := &item{msg: m, route: a.routes[*m.TopicPartition.Topic]}
	r := it.route
	it.key = r.name + "|" + string(m.Key)
	if m.Value == nil {
		return it // a tombstone: nothing to apply
	}
	it.committed, _ = latency.Committed(m)
	env, err := decodeEnvelope(m.Value)
	if err != nil {
		it.fail = a.entry(it, dlq.ClassInvalid, err.Error(), "")
		return it
	}
	if env.Op == "h" {
		it.heartbeat = heartbeatOf(m, env, it.committed)
		return it
	}
	if env.Op == "t" {
		if it.seq, it.parts, err = barrierOf(m, env); err != nil {
			it.fail = a.entry(it, dlq.ClassInvalid, err.Error(), "")
			return it
		}
		it.op = 't'
		return it
	}
	image, op := env.After, byte('u')
	if env.Op == "d" {
		image, op = env.Before, 'd'
	}
	if r.rules != nil {
		row, err := ruleRow(r, image)
		if err != nil {
			it.fail = a.entry(it, dlq.ClassInvalid, err.Error(), "")
			return it
		}
		v, err := r.rules.Check(env.Op, row)
		if err != nil {
			it.fail = a.entry(it, dlq.ClassRule, err.Error(), v.Rule)
			return it
		}
		switch v.Action {
		case rule.Reject:
			it.fail = a.entry(it, dlq.ClassRule, "rule "+v.Rule+" rejected the change", v.Rule)
			return it
		case rule.Skip:
			it.skip = v.Rule
			return it
		case rule.Hold:
			it.hold = v.Rule
		}
	}
	if r.lookups != nil {
		if err := r.lookups.Apply(image); err != nil {
			it.fail = a.entry(it, dlq.ClassLookup, err.Error(), "")
			return it
		}
	}
	out := map[string]json.RawMessage{}
	for col, raw := range image {
		to := r.target(col)
		if to == "" {
			continue
		}
		c, ok := r.columns[to]
		if !ok {
			it.missing = r.name + "|" + to
			it.fail = a.entry(it, dlq.ClassRejected, fmt.Sprintf("target table %s has no column %s (source column %s)", r.table, to, col), "")
			return it
		}
		if c.Generated {
			continue // the target computes it
		}
		out[to] = raw
	}
	for _, k := range r.key {
		if v, ok := out[k]; !ok || string(v) == "null" {
			it.fail = a.entry(it, dlq.ClassInvalid, fmt.Sprintf("key column %s is missing or null", k), "")
			return it
		}
	}
	if op == 'd' {
		it.cols = r.key
		it.vals = make([]json.RawMessage, len(r.key))
		for i, k := range r.key {
			it.vals[i] = out[k]
		}
	} else {
		for c, v := range r.constants {
			out[c] = v
		}
		it.cols, it.vals = targetRow(r, out)
	}
	it.op = op
	return it
}

// targetRow lists a change's values in the target table's column order, each in
// its neutral form, as it came: the target dialect turns it into its own.
func targetRow(r *route, values map[string]json.RawMessage) ([]string, []json.RawMessage) {
	cols := make([]string, 0, len(values))
	vals := make([]json.RawMessage, 0, len(values))
	for _, c := range r.table.Columns {
		if v, ok := values[c.Name]; ok {
			cols = append(cols, c.Name)
			vals = append(vals, v)
		}
	}
	return cols, vals
}

func (a *Applier) entry(it *item, class, why, rule string) *dlq.Entry {
	m := it.msg
	return &dlq.Entry{
		Topic: *m.TopicPartition.Topic, Partition: m.TopicPartition.Partition, Offset: int64(m.TopicPartition.Offset),
		Key: m.Key, Value: m.Value, Route: it.route.name, Class: class, Error: why, Rule: rule,
		First: time.Now(), Attempts: 1,
	}
}
