package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ferry-cdc/ferry/change"
	"github.com/ferry-cdc/ferry/internal/latency"
	fsql "github.com/ferry-cdc/ferry/sql"
)

// Snapshots: existing rows published as op "r" among the live changes,
// with no table lock, no long transaction and nothing copied through the
// outbox (design.md, "Snapshot of existing rows"; issue 9).
//
// The technique is DBLog's (Andreakis and Papapanagiotou, 2020): per
// key-ordered chunk, a low watermark, the chunk's select, a high watermark;
// chunk rows whose key changed between the two watermarks are dropped, the
// rest published where the high watermark is in the stream. DBLog writes
// the watermarks into the change log because its reader and the select are
// different processes. Here the leading relay runs the select itself, and
// its read position already is the two points DBLog needs:
//
//   - Low watermark P: the relay's read position when the select starts.
//     Every change before P is in the stream ahead of the chunk, and was
//     read from windows that closed before the select began, so it
//     committed before the select's snapshot and the select sees it. Every
//     change not yet read is after P, whatever it was stamped with.
//   - High watermark M: Outbox.Mark, taken after the select returns. A
//     position covers M (Outbox.Covers) once every change committed before
//     M was called has been read.
//   - Drop set: the keys, in the chunk's table, of every change read after
//     P up to and including the batch whose end position covers M (a
//     truncate of the table drops the whole chunk). The chunk's other rows
//     are published as "r" in the Kafka transaction that commits that
//     batch, after its changes.
//
// Why no older value of a key is ever published after a newer one: take a
// chunk row k published with the value v the select saw.
//
//   - A change to k that committed before the select began is visible to
//     it (v includes it). If it was read before P, it is ahead of the row
//     in the stream, and v is not older. If it was read after P, it was
//     read by the time the position covers M (it committed before M), so k
//     is in the drop set and the row is not published at all. Dropping is
//     always safe: the change's own event carries the row, in per-key order.
//   - A change to k that committed after the select began is invisible to
//     it, so it cannot have been read before P. Read before the position
//     covers M, it drops k. Read after, it follows the row in the stream,
//     which is the order in which it happened.
//
// So a published row's value is exactly k's state at its place in the
// stream. A transaction that wrote k before the select and commits after
// it is the second case (the select saw k's older value). A long open
// transaction does not hold a chunk back: M sees it as running, so
// covering M does not wait for it. Keys deleted and inserted again around a
// select are in the drop set when the changes land between P and the
// covering position, and ordinary changes otherwise.
//
// The trap for vendors whose cursor orders by write-time stamps (SQL
// Server's rowversion, Oracle's SCN): there, a change after P in cursor
// order is not one that committed after the select. The argument does not
// need that: P is the relay's read position, which every change not yet
// read is after, whatever its stamp, and M is covered only when everything
// committed before it has been read.
//
// A request for some keys (--keys, ferry verify --repair) works the same
// way, and a key the select does not find, that no change in the drop
// window touched, is published as a delete and a tombstone at the same
// place: a repair's delete is ordered with live changes like the rest.
//
// Progress lives in the relay's position in Kafka, committed in the same
// transaction as the chunk's rows: {"outbox": <the dialect's position>,
// "snapshots": {...}}. The capture schema holds the requests and a mirror
// of their progress for `ferry snapshot status`, written after each
// commit. A relay killed mid-chunk loses the chunk in memory and reads it
// again from the last committed key, with a fresh select at a fresh P:
// exactly the same argument. The relay never sleeps while a snapshot has
// work, and reads one chunk per cycle, while the previous cycle's batch
// commits, so live changes keep flowing alongside.

// storedPosition is what the relay commits to its offsets topic.
type storedPosition struct {
	Outbox    json.RawMessage `json:"outbox"`
	Snapshots *snapState      `json:"snapshots,omitempty"`
}

// snapState is the truth about the snapshots' progress.
type snapState struct {
	// Active is each running request's progress, by request id.
	Active map[int64]*snapProgress `json:"active,omitempty"`
	// Done are requests finished in Kafka whose record in the capture
	// schema may not say so yet; an id leaves once the record says done.
	Done []int64 `json:"done,omitempty"`
}

type snapProgress struct {
	// After is the key of the last row read, as the Kafka key: the next
	// chunk starts after it. Nil before the first chunk.
	After json.RawMessage `json:"after,omitempty"`
	// Next is, for a request for some keys, how many keys are done.
	Next int   `json:"next,omitempty"`
	Rows int64 `json:"rows"`
}

func (s *snapState) empty() bool { return len(s.Active) == 0 && len(s.Done) == 0 }

// splitPosition reads a committed position: the wrapped form, or the bare
// dialect position that relays wrote before snapshots existed.
func splitPosition(raw []byte) (outbox []byte, st snapState, err error) {
	if len(raw) == 0 {
		return nil, st, nil
	}
	var sp storedPosition
	if json.Unmarshal(raw, &sp) != nil || sp.Outbox == nil {
		return raw, st, nil
	}
	if sp.Snapshots != nil {
		st = *sp.Snapshots
	}
	if string(sp.Outbox) == "null" {
		return nil, st, nil
	}
	return sp.Outbox, st, nil
}

func joinPosition(outbox []byte, st *snapState) ([]byte, error) {
	sp := storedPosition{Outbox: outbox}
	if len(outbox) == 0 {
		sp.Outbox = json.RawMessage("null")
	}
	if !st.empty() {
		sp.Snapshots = st
	}
	return json.Marshal(sp)
}

type snapMetrics struct {
	rows    *prometheus.CounterVec
	dropped *prometheus.CounterVec
	active  prometheus.Gauge
}

func newSnapMetrics(reg prometheus.Registerer, source string) *snapMetrics {
	labels := prometheus.Labels{"source": source}
	m := &snapMetrics{
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ferry_relay_snapshot_rows_total", Help: "Rows published by snapshots (op r, and deletes of keys not found), by table.", ConstLabels: labels,
		}, []string{"table"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ferry_relay_snapshot_dropped_total", Help: "Snapshot rows not published because a change of their key was read between the watermarks.", ConstLabels: labels,
		}, []string{"table"}),
		active: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ferry_relay_snapshots_active", Help: "Snapshot requests this relay is working on.", ConstLabels: labels,
		}),
	}
	reg.MustRegister(m.rows, m.dropped, m.active)
	return m
}

// snapshots runs a source's snapshot requests in the relay's loop. It lives
// for one lead: a new leader starts again from the committed position.
type snapshots struct {
	r     *Relay
	store fsql.Requests
	log   *slog.Logger
	state snapState
	reqs  map[int64]*snapRequest
	last  int64 // the request the last chunk was read for: they take turns
	// pending is the chunk read, waiting for a position that covers its mark.
	pending  *chunk
	covered  []byte // the position pending was last found to be covered by
	lastPoll time.Time
	// record is what to mirror into the capture schema after the next commit.
	record map[int64]fsql.SnapshotProgress
}

// snapRequest is an active request with what reading it needs.
type snapRequest struct {
	fsql.SnapshotRequest
	tab    *table
	reader fsql.Reader
	keys   [][]byte
	// next is when a request with a MaxRate may read its next chunk.
	next time.Time
}

// ready reports whether the request may read a chunk now.
func (q *snapRequest) ready(now time.Time) bool { return !now.Before(q.next) }

// chunkPlan says what the next read selects.
type chunkPlan struct {
	req   *snapRequest
	after json.RawMessage
	next  int
}

// chunk is one read of a request and its watermark.
type chunk struct {
	req  *snapRequest
	at   time.Time // when it was selected
	mark []byte
	// rows are the events to publish, per row or key read: one "r", or a
	// delete and its tombstone for a key not found.
	rows [][]change.Event
	last json.RawMessage // the key of the last row, for the next chunk
	next int             // keys done after this chunk (a request for keys)
	done bool            // the request's last chunk
	// failed is why the request cannot go on (a value the envelope cannot
	// carry, a table gone); the relay goes on without it.
	failed error

	dropAll bool
	dropped map[string]bool
}

func (r *Relay) newSnapshots(st snapState) *snapshots {
	if st.Active == nil {
		st.Active = map[int64]*snapProgress{}
	}
	return &snapshots{
		r: r, store: r.source.Requests(r.db, r.schema), log: r.log,
		state: st, reqs: map[int64]*snapRequest{}, record: map[int64]fsql.SnapshotProgress{},
	}
}

// busy reports whether a snapshot has work now: the relay must not sleep.
// A request held back by its MaxRate is not work yet.
func (s *snapshots) busy() bool {
	if s.pending != nil {
		return true
	}
	now := time.Now()
	for _, q := range s.reqs {
		if q.ready(now) {
			return true
		}
	}
	return false
}

// poll reads the requests once a second: new ones start, cancelled ones stop.
func (s *snapshots) poll(ctx context.Context, tabs map[int]*table) error {
	if time.Since(s.lastPoll) < time.Second {
		return nil
	}
	s.lastPoll = time.Now()
	open, err := s.store.List(ctx, false)
	if err != nil {
		return &kindError{kindDatabase, err}
	}
	seen := map[int64]bool{}
	var recs []fsql.SnapshotProgress
	for _, q := range open {
		seen[q.ID] = true
		if slices.Contains(s.state.Done, q.ID) {
			// Finished in Kafka; the record lags.
			recs = append(recs, fsql.SnapshotProgress{ID: q.ID, State: fsql.SnapshotDone, Rows: q.Rows, LastKey: q.LastKey})
			continue
		}
		if _, ok := s.reqs[q.ID]; ok {
			continue
		}
		req, err := s.start(ctx, q, tabs)
		if err != nil {
			if s.r.d.Classify(err) == fsql.Retry {
				return &kindError{kindDatabase, err}
			}
			s.log.Warn("snapshot request failed", "request", q.ID, "table", q.Schema+"."+q.Table, "err", err)
			recs = append(recs, fsql.SnapshotProgress{ID: q.ID, State: fsql.SnapshotFailed, Error: err.Error()})
			delete(s.state.Active, q.ID)
			continue
		}
		s.reqs[q.ID] = req
		p := s.state.Active[q.ID]
		if p == nil {
			p = &snapProgress{}
			s.state.Active[q.ID] = p
			s.log.Info("snapshot started", "request", q.ID, "table", q.Schema+"."+q.Table, "keys", q.KeyCount)
		}
		recs = append(recs, fsql.SnapshotProgress{ID: q.ID, State: fsql.SnapshotRunning, Rows: p.Rows, LastKey: string(p.After)})
	}
	for id := range s.reqs {
		if !seen[id] {
			// Cancelled, or finished by someone else: stop reading it.
			s.log.Info("snapshot stopped: its request is no longer pending or running", "request", id)
			delete(s.reqs, id)
			delete(s.state.Active, id)
			if s.pending != nil && s.pending.req.ID == id {
				s.pending = nil
			}
		}
	}
	// Progress of requests no longer open (cancelled while no relay ran,
	// or gone with the capture schema) and done ids whose record says done
	// leave the state.
	for id := range s.state.Active {
		if !seen[id] {
			delete(s.state.Active, id)
		}
	}
	s.state.Done = slices.DeleteFunc(s.state.Done, func(id int64) bool { return !seen[id] })
	s.r.snapM.active.Set(float64(len(s.reqs)))
	if err := s.store.Record(ctx, recs); err != nil {
		return &kindError{kindDatabase, err}
	}
	return nil
}

// start prepares an open request: its table, a reader, its keys.
func (s *snapshots) start(ctx context.Context, q fsql.SnapshotRequest, tabs map[int]*table) (*snapRequest, error) {
	reg, err := s.r.source.Capture().Registry(ctx, s.r.db, s.r.schema)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(reg, func(r fsql.Registered) bool { return r.ID == q.TableID })
	tab := tabs[q.TableID]
	if i < 0 || tab == nil || reg[i].Schema != q.Schema || reg[i].Name != q.Table {
		return nil, fmt.Errorf("table %s.%s is no longer captured (run `ferry migrate up`, then request the snapshot again)", q.Schema, q.Table)
	}
	rg := reg[i]
	rd, err := s.r.d.Snapshot().Reader(ctx, s.r.db, fsql.ReadSpec{
		Table: &fsql.Table{Schema: rg.Schema, Name: rg.Name, Columns: rg.Columns}, Key: rg.Key, Exclude: rg.Exclude,
		CaptureSchema: s.r.schema, CaptureID: rg.ID,
	})
	if err != nil {
		return nil, err
	}
	req := &snapRequest{SnapshotRequest: q, tab: tab, reader: rd}
	if !q.Whole() {
		if req.keys, err = s.store.Keys(ctx, q.ID); err != nil {
			return nil, err
		}
	}
	return req, nil
}

// plan picks the request to read a chunk of next, taking turns; nil while
// a chunk waits for its high watermark or nothing is to be read.
func (s *snapshots) plan() *chunkPlan {
	if s.pending != nil || len(s.reqs) == 0 {
		return nil
	}
	now := time.Now()
	ids := make([]int64, 0, len(s.reqs))
	for id, q := range s.reqs {
		if q.ready(now) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	id := ids[0]
	if i, _ := slices.BinarySearch(ids, s.last+1); i < len(ids) {
		id = ids[i]
	}
	s.last = id
	p := s.state.Active[id]
	return &chunkPlan{req: s.reqs[id], after: p.After, next: p.Next}
}

// readChunk selects a chunk, converts its rows, and takes the high
// watermark. It runs where the relay reads the outbox, before the read:
// the read starts at the low watermark. A database error that retrying
// may cure is returned; any other failure fails the request only.
func (r *Relay) readChunk(ctx context.Context, p *chunkPlan) (*chunk, error) {
	q := p.req
	now := time.Now()
	c := &chunk{req: q, next: p.next, at: now}
	var rows [][]byte
	var keyed []fsql.KeyedRow
	var err error
	if q.Whole() {
		rows, err = q.reader.Chunk(ctx, p.after, nil, q.ChunkSize)
		c.done = len(rows) < q.ChunkSize
	} else {
		end := min(p.next+q.ChunkSize, len(q.keys))
		keyed, err = q.reader.Keys(ctx, q.keys[p.next:end])
		c.next, c.done = end, end == len(q.keys)
	}
	if err != nil {
		if r.d.Classify(err) == fsql.Retry {
			return nil, err
		}
		c.failed = err
		return c, nil
	}
	// The high watermark: after the select has returned.
	if c.mark, err = r.outbox.Mark(ctx); err != nil {
		return nil, err
	}
	row := func(op change.Op, before, after []byte) ([]change.Event, error) {
		return change.FromRowAt(q.tab.change, change.Row{Op: op, Ts: now, Before: before, After: after}, now)
	}
	for _, img := range rows {
		evs, err := row(change.OpRead, nil, img)
		if err != nil {
			c.failed = err
			return c, nil
		}
		c.rows = append(c.rows, evs)
		c.last = evs[0].Key
	}
	seen := map[string]bool{}
	for _, k := range keyed {
		var evs []change.Event
		if k.Row != nil {
			evs, err = row(change.OpRead, nil, k.Row)
		} else {
			evs, err = row(change.OpDelete, k.Key, nil)
		}
		if err != nil {
			c.failed = err
			return c, nil
		}
		if !seen[string(evs[0].Key)] {
			seen[string(evs[0].Key)] = true
			c.rows = append(c.rows, evs)
		}
	}
	return c, nil
}

// take makes the chunk read with a batch the pending one; its low watermark
// is where that batch starts.
func (s *snapshots) take(ctx context.Context, c *chunk) error {
	if c == nil {
		return nil
	}
	if _, ok := s.reqs[c.req.ID]; !ok {
		return nil // stopped meanwhile
	}
	if c.failed != nil {
		// Recorded now, not after a commit: nothing of it is in Kafka.
		s.log.Warn("snapshot request failed", "request", c.req.ID, "table", c.req.tab.label, "err", c.failed)
		rec := fsql.SnapshotProgress{ID: c.req.ID, State: fsql.SnapshotFailed, Rows: s.state.Active[c.req.ID].Rows, Error: c.failed.Error()}
		delete(s.reqs, c.req.ID)
		delete(s.state.Active, c.req.ID)
		if err := s.store.Record(ctx, []fsql.SnapshotProgress{rec}); err != nil {
			return &kindError{kindDatabase, err}
		}
		return nil
	}
	c.dropped = map[string]bool{}
	s.pending, s.covered = c, nil
	return nil
}

// due reports whether the pending chunk is published with the batch that
// ends at next.
func (s *snapshots) due(next []byte) (bool, error) {
	if s.pending == nil {
		return false, nil
	}
	if s.covered != nil && string(s.covered) == string(next) {
		return true, nil
	}
	ok, err := s.r.outbox.Covers(next, s.pending.mark)
	if err != nil {
		return false, &kindError{kindDatabase, fmt.Errorf("compare the relay position with a snapshot watermark: %w", err)}
	}
	if ok {
		s.covered = next
	}
	return ok, nil
}

// emit adds the batch's keys to the pending chunk's drop set and, when the
// batch's end covers the chunk's high watermark, appends the chunk's rows
// that no change touched to the batch and records the request's progress.
func (s *snapshots) emit(msgs []*kafka.Message, next []byte) ([]*kafka.Message, error) {
	c := s.pending
	if c == nil {
		return msgs, nil
	}
	topic := c.req.tab.topic
	for _, m := range msgs {
		if *m.TopicPartition.Topic != topic {
			continue
		}
		if m.Key == nil {
			if _, hb := latency.Heartbeat(m); !hb {
				c.dropAll = true // a truncate: every row read before it is gone
			}
		} else {
			c.dropped[string(m.Key)] = true
		}
	}
	ok, err := s.due(next)
	if err != nil || !ok {
		return msgs, err
	}
	s.pending = nil
	label := c.req.tab.label
	published, dropped := 0, 0
	for _, evs := range c.rows {
		if c.dropAll || c.dropped[string(evs[0].Key)] {
			dropped++
			continue
		}
		for _, ev := range evs {
			msgs = append(msgs, message(&c.req.tab.topic, s.r.src.Name, ev))
		}
		published++
	}
	s.r.snapM.rows.WithLabelValues(label).Add(float64(published))
	s.r.snapM.dropped.WithLabelValues(label).Add(float64(dropped))

	if q := c.req; q.MaxRate > 0 {
		q.next = maxTime(q.next, c.at).Add(time.Duration(float64(len(c.rows)) / float64(q.MaxRate) * float64(time.Second)))
	}
	p := s.state.Active[c.req.ID]
	p.Rows += int64(len(c.rows))
	if c.last != nil {
		p.After = c.last
	}
	p.Next = c.next
	rec := fsql.SnapshotProgress{ID: c.req.ID, State: fsql.SnapshotRunning, Rows: p.Rows, LastKey: string(p.After)}
	if c.done {
		rec.State = fsql.SnapshotDone
		delete(s.state.Active, c.req.ID)
		delete(s.reqs, c.req.ID)
		s.state.Done = append(s.state.Done, c.req.ID)
		s.log.Info("snapshot done", "request", c.req.ID, "table", label, "rows", p.Rows)
	}
	s.record[c.req.ID] = rec
	return msgs, nil
}

// wrap is the position to commit: the outbox's and the snapshots'.
func (s *snapshots) wrap(outbox []byte) ([]byte, error) {
	b, err := joinPosition(outbox, &s.state)
	if err != nil {
		return nil, &kindError{kindKafka, fmt.Errorf("encode the relay position: %w", err)}
	}
	return b, nil
}

// committed mirrors the progress that the last commit made true into the
// capture schema. A failure is only logged: the next poll writes it again.
func (s *snapshots) committed(ctx context.Context) {
	if len(s.record) == 0 {
		return
	}
	recs := make([]fsql.SnapshotProgress, 0, len(s.record))
	for _, p := range s.record {
		recs = append(recs, p)
	}
	clear(s.record)
	if err := s.store.Record(ctx, recs); err != nil && !errors.Is(err, context.Canceled) {
		s.log.Warn("record snapshot progress in the capture schema", "err", err)
		s.lastPoll = time.Time{}
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
