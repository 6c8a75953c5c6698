package relay

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/robfig/cron/v3"

	"github.com/ferry-cdc/ferry/change"
	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/internal/daemon"
	"github.com/ferry-cdc/ferry/internal/kafkaclient"
	"github.com/ferry-cdc/ferry/internal/latency"
	fsql "github.com/ferry-cdc/ferry/sql"
)

// Relay moves one source's outbox into Kafka.
type Relay struct {
	file   string // the config file, for messages
	src    *config.Source
	kafka  config.Kafka
	cfg    config.Relay
	d      fsql.SourceDialect
	source fsql.Source
	// schema is the capture schema as the catalog holds it.
	schema string
	db     *stdsql.DB
	outbox fsql.Outbox
	lease  fsql.Leader
	log    *slog.Logger
	m      *metrics
	snapM  *snapMetrics

	// committed is the position last committed to Kafka, for purging.
	committed atomic.Pointer[[]byte]
	state     daemon.StateLog
	// commits are the source commit times of the batch's changes.
	commits []time.Time
}

// New builds the relay of src. db is a pool for src's DSN; the relay uses
// it for the outbox and, on a connection of its own, for its lease.
func New(cfg *config.Config, src *config.Source, d fsql.SourceDialect, db *stdsql.DB, reg prometheus.Registerer, log *slog.Logger) *Relay {
	log = log.With("source", src.Name)
	source, schema := d.Source(), d.Fold(src.CaptureSchema)
	outbox := source.Outbox(db, schema)
	_, held := outbox.(fsql.LowWaterHeld)
	return &Relay{
		file: cfg.File, src: src, kafka: cfg.Kafka, cfg: cfg.Relay, d: d, source: source, schema: schema, db: db,
		outbox: outbox,
		lease:  source.Leader(db, schema, src.Name),
		log:    log,
		m:      newMetrics(reg, src.Name, held),
		snapM:  newSnapMetrics(reg, src.Name),
		state:  daemon.StateLog{Log: log},
	}
}

// Run leads when it can and waits when another relay leads, until ctx ends.
// It returns nil on a clean stop, or an error that retrying cannot cure.
func (r *Relay) Run(ctx context.Context) error {
	// Wrong credentials or an untrusted certificate show in seconds, by
	// name, before the lease: a standby relay would otherwise wait to take
	// over with a config that can never work. Kafka not answering is not
	// the config's fault: leading retries it.
	if err := kafkaclient.Probe(ctx, r.kafka, 10*time.Second); err != nil && !errors.Is(err, kafkaclient.ErrUnreachable) {
		r.m.errors.WithLabelValues(kindKafka).Inc()
		return err
	}
	backoff := daemon.NewBackoff()
	for ctx.Err() == nil {
		ok, err := r.lease.TryAcquire(ctx)
		if err != nil {
			r.fail(kindDatabase, "cannot reach the source database", err)
			daemon.Sleep(ctx, daemon.Next(backoff))
			continue
		}
		if !ok {
			r.state.Set("standby", slog.LevelInfo, "another relay leads this source; waiting to take over")
			daemon.Sleep(ctx, r.cfg.LeaseRetry)
			continue
		}
		r.m.leader.Set(1)
		progressed, err := r.lead(ctx)
		r.m.leader.Set(0)
		if rerr := r.lease.Release(context.WithoutCancel(ctx)); rerr != nil {
			r.log.Debug("release the lease", "err", rerr)
		}
		if progressed {
			backoff = daemon.NewBackoff()
		}
		var fatal *daemon.Fatal
		switch {
		case ctx.Err() != nil:
		case errors.As(err, &fatal):
			return fatal.Err
		case kafkaclient.Permanent(err) != nil:
			// Wrong credentials, an untrusted certificate, a missing ACL:
			// retrying would only repeat it until someone fixes the config.
			r.m.errors.WithLabelValues(kindKafka).Inc()
			return kafkaclient.Permanent(err)
		case err != nil:
			r.fail(kindOf(err), "relaying stopped; retrying", err)
			daemon.Sleep(ctx, daemon.Next(backoff))
		}
	}
	r.state.Set("stopped", slog.LevelInfo, "stopped")
	return nil
}

// kindError tags an error with its kind for the metric and the state log.
type kindError struct {
	kind string
	err  error
}

func (e *kindError) Error() string { return e.err.Error() }
func (e *kindError) Unwrap() error { return e.err }

func kindOf(err error) string {
	var k *kindError
	if errors.As(err, &k) {
		return k.kind
	}
	return kindDatabase
}

func (r *Relay) fail(kind, msg string, err error) {
	r.m.errors.WithLabelValues(kind).Inc()
	r.state.Set(kind+": "+daemon.RootCause(err), slog.LevelWarn, msg, "kind", kind, "err", err)
}

// lead relays until the lease is lost, ctx ends or something fails. It
// reports whether it committed anything, which resets the backoff.
func (r *Relay) lead(ctx context.Context) (progressed bool, err error) {
	// Kafka calls get a context that outlives a SIGTERM a little, so a batch
	// in flight is committed or aborted rather than cut off.
	kctx, kcancel := context.WithCancel(context.WithoutCancel(ctx))
	defer kcancel()
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(10*time.Second, kcancel) })
	defer stop()

	// Wrong credentials or an untrusted certificate show in seconds, by
	// name, rather than as InitTransactions timing out.
	if err := kafkaclient.Probe(kctx, r.kafka, 10*time.Second); err != nil {
		return false, &kindError{kindKafka, err}
	}
	s, err := newSink(kctx, r.kafka, transactionalID(r.src), r.cfg.OffsetsTopic, r.src.Name, r.log)
	if err != nil {
		return false, &kindError{kindKafka, err}
	}
	defer s.close()
	if err := s.ensureTopics(kctx, []kafka.TopicSpecification{kafkaclient.Spec(r.kafka,
		r.cfg.OffsetsTopic, 1, r.cfg.TopicReplicationFactor, map[string]string{"cleanup.policy": "compact"})}); err != nil {
		return false, &kindError{kindKafka, err}
	}
	stored, err := s.position(kctx)
	if err != nil {
		return false, &kindError{kindKafka, err}
	}
	pos, snapState, err := splitPosition(stored)
	if err != nil {
		return false, &daemon.Fatal{Err: err}
	}
	snap := r.newSnapshots(snapState)
	r.storeCommitted(pos)
	tabs, err := r.loadTables(kctx, s)
	if err != nil {
		return false, err
	}

	// Said only now, so that a setup that fails and is retried stays one
	// state in the log rather than flapping between leading and failing.
	r.state.Set("leading", slog.LevelInfo, "leading: relaying the outbox to Kafka")

	var wg sync.WaitGroup
	defer wg.Wait()
	bctx, bcancel := context.WithCancel(ctx)
	defer bcancel()
	wg.Add(3)
	go func() { defer wg.Done(); r.purgeOnSchedule(bctx) }()
	go func() { defer wg.Done(); r.watchBacklog(bctx) }()
	go func() { defer wg.Done(); r.heartbeats(bctx) }()

	idle := r.cfg.PollInterval / 8
	lastCheck := time.Now()
	lastDurable := time.Now()
	durable := pos
	// With a backlog, the next batch is read while the current one commits
	// to Kafka, so a cycle costs the longer of the two, not their sum
	// (backlog). A read ahead is thrown away if the commit fails: the batch
	// is then read again.
	var ahead chan readResult
	var lastCommit time.Time
	defer func() {
		if ahead != nil {
			<-ahead
		}
	}()
	for ctx.Err() == nil {
		if time.Since(lastCheck) > 500*time.Millisecond {
			if err := r.lease.Check(ctx); err != nil {
				return progressed, &kindError{kindLease, fmt.Errorf("lost the lease: %w", err)}
			}
			lastCheck = time.Now()
		}
		if err := snap.poll(ctx, tabs); err != nil {
			return progressed, err
		}
		if wait := r.cfg.TransactionGap - time.Since(lastCommit); ahead == nil && wait > 0 {
			daemon.Sleep(ctx, wait) // see Relay.TransactionGap; never with a backlog
		}
		start := time.Now()
		var res readResult
		if ahead != nil {
			res = <-ahead
			ahead = nil
		} else {
			res = r.read(ctx, pos, snap.plan(), r.cfg.BatchSize)
		}
		batch, err := res.batch, res.err
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			if errors.Is(err, fsql.ErrPositionGone) {
				return progressed, &daemon.Fatal{Err: fmt.Errorf("%w. Changes may be missing from Kafka, so the relay does not go on by itself: "+
					"run `ferry relay reset-position -c %s --source %s` (the relay then publishes every change the outbox still holds, in order), "+
					"then `ferry verify -c %s --repair` for what the outbox no longer holds", err, r.file, r.src.Name, r.file)}
			}
			return progressed, &kindError{kindDatabase, err}
		}
		if err := snap.take(ctx, res.chunk); err != nil {
			return progressed, err
		}
		due, err := snap.due(batch.Next)
		if err != nil {
			return progressed, err
		}
		if len(batch.Rows) == 0 && !due {
			pos = batch.Next
			// Keep the stored position from lagging far behind empty windows,
			// so a restart does not rescan them; it is a cursor, not a promise.
			if string(pos) != string(durable) && time.Since(lastDurable) > 5*time.Second {
				wrapped, err := snap.wrap(pos)
				if err != nil {
					return progressed, err
				}
				if err := s.commit(kctx, nil, wrapped); err != nil {
					return progressed, r.commitError(err)
				}
				durable, lastDurable = pos, time.Now()
				r.storeCommitted(durable)
			}
			if batch.Idle && !snap.busy() {
				daemon.Sleep(ctx, idle)
				idle = min(idle*2, r.cfg.PollInterval)
			}
			continue
		}
		idle = r.cfg.PollInterval / 8

		msgs, counts, err := r.convert(kctx, s, &tabs, batch, res.at)
		for {
			big, ok := errors.AsType[*tooLarge](err)
			if !ok || big.row == 0 {
				break
			}
			// Publish the changes before it, so that only what follows it
			// waits: the same window, cut just before it. A read from a
			// fresh snapshot may bring an earlier change first; the loop
			// cuts again until the too-large change is first.
			// The chunk taken with the first read keeps pos as its low
			// watermark: this read starts there too.
			res := r.read(ctx, pos, nil, big.row)
			if res.err != nil {
				return progressed, &kindError{kindDatabase, res.err}
			}
			batch = res.batch
			msgs, counts, err = r.convert(kctx, s, &tabs, batch, res.at)
		}
		if err != nil {
			return progressed, err
		}
		if msgs, err = snap.emit(msgs, batch.Next); err != nil {
			return progressed, err
		}
		wrapped, err := snap.wrap(batch.Next)
		if err != nil {
			return progressed, err
		}
		if r.backlog(batch) || snap.busy() {
			ahead = make(chan readResult, 1)
			go func(from []byte, plan *chunkPlan, ch chan readResult) {
				ch <- r.read(ctx, from, plan, r.cfg.BatchSize)
			}(batch.Next, snap.plan(), ahead)
		}
		if err := s.commit(kctx, msgs, wrapped); err != nil {
			return progressed, r.commitError(err)
		}
		lastCommit = time.Now()
		snap.committed(ctx)
		progressed = true
		pos, durable, lastDurable = batch.Next, batch.Next, time.Now()
		r.storeCommitted(durable)
		r.m.batches.Inc()
		r.m.batchDuration.Observe(time.Since(start).Seconds())
		r.m.batchChanges.Observe(float64(len(r.commits)))
		now := time.Now()
		for _, c := range r.commits {
			r.m.ageCommitted.Observe(latency.Since(c, now))
		}
		for t, n := range counts {
			r.m.produced.WithLabelValues(t).Add(float64(n))
		}
		r.state.Set("leading", slog.LevelInfo, "leading: relaying the outbox to Kafka")
	}
	return progressed, nil
}

// backlog says whether a read came back at least half full, so that more
// changes wait behind it: the next read then runs while this batch
// commits, as it does while a snapshot has chunks to read. Otherwise the
// next read waits for the commit, and then for transaction_gap
// (config.Relay.TransactionGap). It then finds the changes
// committed in the meantime at once, where a read ahead would have come
// back nearly empty and left them for a cycle later, and it gives the
// transaction coordinator time to finish the commit: a transaction begun
// while the last one's markers are still being written is refused
// (CONCURRENT_TRANSACTIONS), and librdkafka retries it only after 20 ms.
func (r *Relay) backlog(b *fsql.Batch) bool {
	if len(b.Rows) >= r.cfg.BatchSize/2 {
		return true
	}
	var size int64
	for _, row := range b.Rows {
		size += int64(len(row.Before) + len(row.After))
	}
	return size >= r.cfg.BatchBytes/2
}

type readResult struct {
	batch *fsql.Batch
	chunk *chunk // a snapshot's chunk, selected just before the batch
	err   error
	at    time.Time // when the read returned
}

// read reads up to rows changes of the outbox from pos; with a plan, it
// first selects a snapshot's chunk, whose low watermark is then pos
// (snapshot.go).
func (r *Relay) read(ctx context.Context, pos []byte, plan *chunkPlan, rows int) readResult {
	var c *chunk
	if plan != nil {
		var err error
		if c, err = r.readChunk(ctx, plan); err != nil {
			return readResult{err: fmt.Errorf("read a snapshot chunk of %s: %w", plan.req.tab.label, err)}
		}
	}
	b, err := r.outbox.Read(ctx, pos, fsql.Limit{Rows: rows, Bytes: r.cfg.BatchBytes})
	return readResult{b, c, err, time.Now()}
}

func (r *Relay) commitError(err error) error {
	if errors.Is(err, errFenced) {
		return &kindError{kindLease, err}
	}
	if _, ok := errors.AsType[*daemon.Fatal](err); ok {
		return err
	}
	return &kindError{kindKafka, fmt.Errorf("commit a batch to kafka: %w", err)}
}

// loadTables reads the registry and creates the tables' topics.
func (r *Relay) loadTables(ctx context.Context, s *sink) (map[int]*table, error) {
	reg, err := r.source.Capture().Registry(ctx, r.db, r.schema)
	if err != nil {
		return nil, &kindError{kindDatabase, err}
	}
	if len(reg) == 0 {
		// Not installed yet, or dropped while the relay ran: wait, and
		// read the outbox's origin again once it is back.
		return nil, &kindError{kindDatabase, fmt.Errorf("source %s captures no table in schema %s: run `ferry migrate up -c %s`", r.src.Name, r.schema, r.file)}
	}
	names, err := fsql.NamesOf(ctx, r.d, r.db)
	if err != nil {
		return nil, &kindError{kindDatabase, err}
	}
	tabs, err := tables(r.src, names, r.kafka.TopicPrefix, r.d.Values(), reg)
	if err != nil {
		return nil, &daemon.Fatal{Err: err}
	}
	var specs []kafka.TopicSpecification
	var topics []string
	for _, t := range tabs {
		specs = append(specs, kafkaclient.Spec(r.kafka, t.topic, r.cfg.TopicPartitions, r.cfg.TopicReplicationFactor, nil))
		topics = append(topics, t.topic)
	}
	if err := s.ensureTopics(ctx, specs); err != nil {
		return nil, &kindError{kindKafka, err}
	}
	limits, err := s.limits(ctx, topics)
	if err != nil {
		return nil, &kindError{kindKafka, err}
	}
	for _, t := range tabs {
		t.limit = limits[t.topic]
	}
	return tabs, nil
}

// convert turns outbox rows into Kafka messages, in order. Each change
// carries its source commit time as the relay bounds it (internal/latency),
// which r.commits keeps, one per change, for the metrics; read is when the
// batch was read.
func (r *Relay) convert(ctx context.Context, s *sink, tabs *map[int]*table, batch *fsql.Batch, read time.Time) ([]*kafka.Message, map[string]int, error) {
	rows := batch.Rows
	msgs := make([]*kafka.Message, 0, len(rows)+len(rows)/8)
	counts := map[string]int{}
	r.commits = r.commits[:0]
	now := time.Now()
	// The rows' commit times in the header's form, in one buffer for the
	// batch rather than one allocation per change.
	stamps := make([]byte, 0, 20*len(rows))
	for i, row := range rows {
		committed := row.Ts
		if batch.After.After(committed) {
			committed = batch.After
		}
		if row.Op == 'h' {
			hb, err := r.heartbeatMessages(ctx, s, *tabs, row, committed, now)
			if err != nil {
				return nil, nil, err
			}
			msgs = append(msgs, hb...)
			continue
		}
		t, ok := (*tabs)[row.TableID]
		if !ok {
			// A table captured since the registry was read.
			fresh, err := r.loadTables(ctx, s)
			if err != nil {
				return nil, nil, err
			}
			*tabs = fresh
			if t, ok = fresh[row.TableID]; !ok {
				return nil, nil, &daemon.Fatal{Err: fmt.Errorf("outbox row %d names table id %d, which the capture registry does not know", row.Seq, row.TableID)}
			}
		}
		evs, err := change.FromRowAt(t.change, change.Row{
			Seq: row.Seq, TxID: row.TxID, Op: change.Op(string(row.Op)), Ts: row.Ts, Before: row.Before, After: row.After,
		}, now)
		if err != nil {
			r.m.errors.WithLabelValues(kindConvert).Inc()
			return nil, nil, &daemon.Fatal{Err: fmt.Errorf("stop: %w", err)}
		}
		n := len(stamps)
		stamps = latency.Append(stamps, committed)
		stamp := stamps[n:len(stamps):len(stamps)]
		for _, ev := range evs {
			if ev.Op == change.OpTruncate {
				// The truncate goes to every partition, in this transaction,
				// so that each partition's changes before it stay before it.
				n, err := s.partitions(ctx, t.topic)
				if err != nil {
					return nil, nil, &kindError{kindKafka, err}
				}
				msgs = append(msgs, truncateMessages(&t.topic, r.src.Name, ev, n, stamp)...)
				continue
			}
			m := message(&t.topic, r.src.Name, ev)
			m.Headers = append(m.Headers, kafka.Header{Key: latency.Header, Value: stamp})
			if n := size(m); n > t.limit {
				r.m.errors.WithLabelValues(kindConvert).Inc()
				// A chunk's changes share its seq and are read whole: the
				// cut goes before the chunk's first change.
				first := i
				for first > 0 && rows[first-1].Seq == row.Seq {
					first--
				}
				return nil, nil, &tooLarge{row: first, err: r.tooLargeError(t, ev, n)}
			}
			msgs = append(msgs, m)
		}
		counts[t.label]++
		r.commits = append(r.commits, committed)
		r.m.ageRead.Observe(latency.Since(committed, read))
	}
	return msgs, counts, nil
}

// heartbeatMessages builds a heartbeat's messages: one on every partition
// of every captured table's topic, so that each partition an applier
// applies carries it, in order with the changes. Partition counts come
// from a cache a minute old at most: a partition added since may miss a
// heartbeat or two, never a change.
func (r *Relay) heartbeatMessages(ctx context.Context, s *sink, tabs map[int]*table, row fsql.OutboxRow, committed, now time.Time) ([]*kafka.Message, error) {
	var body struct {
		IntervalMs int64 `json:"interval_ms"`
	}
	_ = json.Unmarshal(row.After, &body) // the interval is informative: 0 when unreadable
	interval := []byte(strconv.FormatInt(body.IntervalMs, 10))
	stamp := latency.Append(nil, committed)
	var out []*kafka.Message
	for _, t := range tabs {
		evs, err := change.FromRowAt(t.change, change.Row{Seq: row.Seq, TxID: row.TxID, Op: change.OpHeartbeat, Ts: row.Ts}, now)
		if err != nil {
			return nil, &daemon.Fatal{Err: fmt.Errorf("stop: %w", err)}
		}
		n, err := s.cachedPartitions(ctx, t.topic)
		if err != nil {
			return nil, &kindError{kindKafka, err}
		}
		for p := range n {
			m := message(&t.topic, r.src.Name, evs[0])
			m.TopicPartition.Partition = int32(p)
			m.Headers = append(m.Headers, kafka.Header{Key: latency.Header, Value: stamp},
				kafka.Header{Key: latency.HeartbeatHeader, Value: interval})
			out = append(out, m)
		}
	}
	return out, nil
}

// tooLarge is a change larger than its topic takes, in the outbox row
// whose first change is at index row of the rows being converted (a chunk
// is never split). The relay publishes the rows before it and then stops
// with err: a retry would meet the same change again.
type tooLarge struct {
	row int
	err error
}

func (e *tooLarge) Error() string { return e.err.Error() }
func (e *tooLarge) Unwrap() error { return &daemon.Fatal{Err: e.err} }

func (r *Relay) tooLargeError(t *table, ev change.Event, n int) error {
	key := string(ev.Key)
	if len(key) > 200 {
		key = strings.ToValidUTF8(key[:200], "") + "…"
	}
	what := fmt.Sprintf("source %s table %s key %s seq %d: the change is %d bytes in Kafka", r.src.Name, t.label, key, ev.Seq, n)
	if limit := kafkaclient.Limit(r.kafka); t.limit < limit {
		return fmt.Errorf("%s, more than topic %s takes (%d bytes: its max.message.bytes is smaller than kafka.max_message_bytes %d needs, and the relay may not raise it); "+
			"raise it with %s, then restart the relay: the changes after this one wait until then",
			what, t.topic, t.limit, limit, kafkaclient.RaiseCommand(r.kafka, t.topic))
	}
	return fmt.Errorf("%s, more than kafka.max_message_bytes (%d); raise kafka.max_message_bytes above %d in %s and restart the relay: "+
		"the changes after this one wait until then", what, t.limit, n, r.file)
}

// size is what librdkafka counts of a message against its limits.
func size(m *kafka.Message) int {
	n := len(m.Key) + len(m.Value)
	for _, h := range m.Headers {
		n += len(h.Key) + len(h.Value)
	}
	return n
}

// purgeOnSchedule deletes published rows from the outbox on the configured
// schedule, in small batches, while this relay leads.
func (r *Relay) purgeOnSchedule(ctx context.Context) {
	sched, err := r.cfg.Schedule()
	if err != nil {
		r.log.Error("purge schedule", "err", err) // Validate refuses a bad schedule
		return
	}
	c := cron.New()
	c.Schedule(sched, cron.FuncJob(func() { r.purge(ctx) }))
	c.Start()
	<-ctx.Done()
	<-c.Stop().Done()
}

func (r *Relay) purge(ctx context.Context) {
	pos := r.committed.Load()
	if pos == nil || len(*pos) == 0 {
		return
	}
	var total int64
	for ctx.Err() == nil {
		n, err := r.outbox.Purge(ctx, *pos, r.cfg.PurgeBatch)
		if err != nil {
			if ctx.Err() == nil {
				r.m.errors.WithLabelValues(kindDatabase).Inc()
				r.log.Warn("purge the outbox", "err", err)
			}
			return
		}
		total += n
		if n < int64(r.cfg.PurgeBatch) {
			break
		}
	}
	if total > 0 {
		r.log.Debug("purged the outbox", "rows", total)
	}
}

// watchBacklog measures the outbox backlog every few seconds, and how
// long an open transaction has held its low-water mark back where the
// outbox's cursor waits for one.
func (r *Relay) watchBacklog(ctx context.Context) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	var held *heldReport
	if o, ok := r.outbox.(fsql.LowWaterHeld); ok {
		held = &heldReport{outbox: o, gauge: r.m.lowWaterHeld, log: r.log}
		defer held.reset()
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if held != nil {
			held.check(ctx)
		}
		pos := r.committed.Load()
		if pos == nil {
			continue
		}
		n, oldest, err := r.outbox.Backlog(ctx, *pos)
		if err != nil {
			continue
		}
		r.m.backlog.Set(float64(n))
		if n == 0 || oldest.IsZero() {
			r.m.oldestAge.Set(0)
		} else {
			r.m.oldestAge.Set(time.Since(oldest).Seconds())
		}
	}
}

// heartbeater is a source that writes heartbeats into its outbox
// (sql/postgres/operations.go).
type heartbeater interface {
	Heartbeat(ctx context.Context, db *stdsql.DB, captureSchema string, interval time.Duration) error
}

// heartbeats writes a heartbeat into the outbox at once and then every
// relay.heartbeat, while this relay leads. A failure is logged once until
// a heartbeat succeeds again: the relay's own reads say more.
func (r *Relay) heartbeats(ctx context.Context) {
	every := r.cfg.HeartbeatEvery()
	hb, ok := r.source.(heartbeater)
	if every == 0 {
		return
	}
	if !ok {
		r.log.Warn("heartbeats are not built for this dialect: the lag of its pairs is not known")
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	failing := false
	for {
		err := hb.Heartbeat(ctx, r.db, r.schema, every)
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, fsql.ErrNoHeartbeat):
			r.log.Warn("heartbeats are off until the capture schema is upgraded", "err", err)
			return
		case err != nil:
			r.m.errors.WithLabelValues(kindDatabase).Inc()
			if !failing {
				r.log.Warn("write a heartbeat", "err", err)
			}
			failing = true
		default:
			r.m.heartbeats.Inc()
			failing = false
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// storeCommitted publishes the position last committed to Kafka to the
// purge and backlog goroutines. It stores a pointer to a slice header of its
// own: the caller's variable is written again while they read.
func (r *Relay) storeCommitted(pos []byte) { r.committed.Store(&pos) }

// State reports what the relay is doing, for /healthz.
func (r *Relay) State() string { return r.state.Get() }
