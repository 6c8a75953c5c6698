package relay

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/migrations"
	fsql "github.com/ferry-cdc/ferry/sql"
	"github.com/ferry-cdc/ferry/sql/postgres"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// stepper drives the snapshot's steps by hand against a real PostgreSQL,
// so that a test can place a transaction's commit exactly between them:
// the low watermark (where the read starts), the select, the high
// watermark, and the batches read until one covers it. Kafka is not
// involved: what would be committed is what emit returns.
type stepper struct {
	t    *testing.T
	db   *stdsql.DB
	r    *Relay
	s    *snapshots
	tabs map[int]*table
	pos  []byte
	out  []published
}

// published is one message as it would go to Kafka.
type published struct {
	op, key string
	v       json.RawMessage
}

func newStepper(t *testing.T) *stepper {
	t.Helper()
	dsn, db := pgtest.NewDB(t)
	pgtest.Exec(t, db, `CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL)`)
	// Rows that exist before capture: the snapshot's to publish.
	pgtest.Exec(t, db, `INSERT INTO t SELECT g, g FROM generate_series(1, 10) g`)
	cfg, err := config.Parse("test.yaml", fmt.Appendf(nil, `sources:
  - name: src
    dialect: postgres
    dsn: %q
    tables: [{name: public.t}]
kafka: {brokers: ["127.0.0.1:1"], topic_prefix: p}
`, dsn))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	m, err := migrations.New(&cfg.Sources[0], postgres.Dialect{}, db, log)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := &stepper{t: t, db: db}
	st.r = New(cfg, &cfg.Sources[0], postgres.Dialect{}, db, prometheus.NewRegistry(), log)
	reg, err := postgres.Dialect{}.Source().Capture().Registry(context.Background(), db, "ferry")
	if err != nil {
		t.Fatal(err)
	}
	if st.tabs, err = tables(&cfg.Sources[0], fsql.Names{Default: "public"}, "p", postgres.Values{}, reg); err != nil {
		t.Fatal(err)
	}
	for _, tab := range st.tabs {
		tab.limit = 1 << 20 // no topic is made: what loadTables reads from one
	}
	st.s = st.r.newSnapshots(snapState{})
	st.drain()
	return st
}

// request makes the snapshot active as the relay's poll would: the whole
// table, or some keys.
func (st *stepper) request(chunk int, keys ...string) *snapRequest {
	st.t.Helper()
	ctx := context.Background()
	q := fsql.SnapshotRequest{TableID: 1, Schema: "public", Table: "t", ChunkSize: chunk}
	for _, k := range keys {
		q.Keys = append(q.Keys, []byte(k))
	}
	ids, err := st.s.store.Add(ctx, []fsql.SnapshotRequest{q})
	if err != nil {
		st.t.Fatal(err)
	}
	st.s.lastPoll = st.s.lastPoll.AddDate(-1, 0, 0)
	if err := st.s.poll(ctx, st.tabs); err != nil {
		st.t.Fatal(err)
	}
	req := st.s.reqs[ids[0]]
	if req == nil {
		st.t.Fatalf("request %d did not start", ids[0])
	}
	return req
}

// drain reads the outbox to its end, publishing nothing: the position
// after it is the next low watermark.
func (st *stepper) drain() {
	st.t.Helper()
	for {
		b, err := st.r.outbox.Read(context.Background(), st.pos, fsql.Limit{Rows: 1000})
		if err != nil {
			st.t.Fatal(err)
		}
		st.pos = b.Next
		if len(b.Rows) == 0 {
			return
		}
	}
}

// selectChunk reads the next chunk at the current position (the low
// watermark) and takes the high watermark.
func (st *stepper) selectChunk() {
	st.t.Helper()
	p := st.s.plan()
	if p == nil {
		st.t.Fatal("no chunk planned")
	}
	c, err := st.r.readChunk(context.Background(), p)
	if err != nil {
		st.t.Fatal(err)
	}
	if c.failed != nil {
		st.t.Fatal(c.failed)
	}
	if err := st.s.take(context.Background(), c); err != nil {
		st.t.Fatal(err)
	}
}

// batch reads one batch from the position and hands it and the pending
// chunk to emit, as the relay's loop does; what emit returns is published.
func (st *stepper) batch() {
	st.t.Helper()
	ctx := context.Background()
	b, err := st.r.outbox.Read(ctx, st.pos, fsql.Limit{Rows: 1000})
	if err != nil {
		st.t.Fatal(err)
	}
	msgs, _, err := st.r.convert(ctx, nil, &st.tabs, b, time.Now())
	if err != nil {
		st.t.Fatal(err)
	}
	if msgs, err = st.s.emit(msgs, b.Next); err != nil {
		st.t.Fatal(err)
	}
	st.pos = b.Next
	for _, m := range msgs {
		p := published{key: string(m.Key), op: "tombstone"}
		if m.Value != nil {
			var env struct {
				Op    string                     `json:"op"`
				After map[string]json.RawMessage `json:"after"`
			}
			if err := json.Unmarshal(m.Value, &env); err != nil {
				st.t.Fatal(err)
			}
			p.op, p.v = env.Op, env.After["v"]
		}
		st.out = append(st.out, p)
	}
}

func (st *stepper) exec(q string) { st.t.Helper(); pgtest.Exec(st.t, st.db, q) }

// open runs a statement in a transaction it leaves open.
func (st *stepper) open(q string) *stdsql.Tx {
	st.t.Helper()
	tx, err := st.db.Begin()
	if err != nil {
		st.t.Fatal(err)
	}
	if _, err := tx.Exec(q); err != nil {
		st.t.Fatal(err)
	}
	return tx
}

// of returns the messages published for a key, as "op:v", in order.
func (st *stepper) of(id int) []string {
	var out []string
	for _, p := range st.out {
		if p.key == fmt.Sprintf(`{"id":%d}`, id) {
			out = append(out, p.op+":"+string(p.v))
		}
	}
	return out
}

func (st *stepper) want(id int, want ...string) {
	st.t.Helper()
	if got := st.of(id); !slices.Equal(got, want) {
		st.t.Errorf("key %d: published %v, want %v", id, got, want)
	}
}

// TestSnapshotWriteBeforeSelectCommitBeforeCover: a transaction updates a
// key before the select and commits after it, before the relay reads the
// covering batch. The select saw the old value; the update is read after
// the low watermark and drops the row, so the old value is never published.
func TestSnapshotWriteBeforeSelectCommitBeforeCover(t *testing.T) {
	t.Parallel()
	st := newStepper(t)
	st.request(100)
	tx := st.open(`UPDATE t SET v = 300 WHERE id = 3`)
	st.selectChunk()
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	st.batch()
	if st.s.pending != nil {
		t.Fatal("the chunk is still pending after a batch read from after its high watermark")
	}
	st.want(3, "u:300")
	for id := 1; id <= 10; id++ {
		if id != 3 {
			st.want(id, fmt.Sprintf("r:%d", id))
		}
	}
}

// TestSnapshotWriteBeforeSelectCommitAfterCover: the same transaction
// commits only after the covering batch: the row goes out with the value
// the select saw, and the update follows it.
func TestSnapshotWriteBeforeSelectCommitAfterCover(t *testing.T) {
	t.Parallel()
	st := newStepper(t)
	st.request(100)
	tx := st.open(`UPDATE t SET v = 300 WHERE id = 3`)
	st.selectChunk()
	st.batch() // covers the mark: the open transaction does not hold it back
	if st.s.pending != nil {
		t.Fatal("an open transaction held the chunk back")
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	st.batch()
	st.want(3, "r:3", "u:300")
}

// TestSnapshotLongTransactionAcrossChunks: a transaction that inserts a key
// in the table's range stays open while every chunk is read and published;
// its row follows when it commits.
func TestSnapshotLongTransactionAcrossChunks(t *testing.T) {
	t.Parallel()
	st := newStepper(t)
	req := st.request(4)
	tx := st.open(`INSERT INTO t VALUES (5000, 5000), (0, 0)`)
	chunks := 0
	for st.s.reqs[req.ID] != nil {
		st.selectChunk()
		st.batch()
		chunks++
		if chunks > 10 {
			t.Fatal("the snapshot does not end while a transaction is open")
		}
	}
	if chunks != 3 {
		t.Errorf("%d chunks of 4 for 10 rows, want 3", chunks)
	}
	for id := 1; id <= 10; id++ {
		st.want(id, fmt.Sprintf("r:%d", id))
	}
	st.want(5000)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	st.batch()
	st.want(5000, "c:5000")
	st.want(0, "c:0")
}

// TestSnapshotDeleteAndReinsertAroundTheSelect: keys deleted and inserted
// again between the low watermark and the covering batch, before and after
// the select; none of them publishes a snapshot row, their changes carry
// them, in order.
func TestSnapshotDeleteAndReinsertAroundTheSelect(t *testing.T) {
	t.Parallel()
	st := newStepper(t)
	st.request(100)
	st.exec(`DELETE FROM t WHERE id IN (2, 4)`)
	st.exec(`INSERT INTO t VALUES (2, 20), (4, 40)`)
	st.selectChunk()
	st.exec(`DELETE FROM t WHERE id IN (6, 8)`)
	st.exec(`INSERT INTO t VALUES (6, 60)`)
	st.batch()
	st.want(2, "d:", "tombstone:", "c:20")
	st.want(4, "d:", "tombstone:", "c:40")
	st.want(6, "d:", "tombstone:", "c:60")
	st.want(8, "d:", "tombstone:")
	st.want(1, "r:1")
	st.want(10, "r:10")
}

// TestSnapshotKeys: a request for some keys publishes the rows found, a
// delete and a tombstone for a key no row has, and nothing for a key whose
// change was read between the watermarks.
func TestSnapshotKeys(t *testing.T) {
	t.Parallel()
	st := newStepper(t)
	st.request(2, `{"id":1}`, `{"id":5}`, `{"id":999}`, `{"id":7}`, `{"id":1}`)
	st.exec(`DELETE FROM t WHERE id = 5`)
	st.selectChunk() // keys 1 and 5: 5 is gone, and its delete is read next
	st.batch()
	st.selectChunk() // keys 999 and 7
	st.exec(`UPDATE t SET v = 70 WHERE id = 7`)
	st.batch()
	st.selectChunk() // key 1 again
	st.batch()
	st.want(1, "r:1", "r:1")
	st.want(5, "d:", "tombstone:")
	st.want(999, "d:", "tombstone:")
	st.want(7, "u:70")
	if len(st.s.reqs) != 0 {
		t.Errorf("the request is still active after all its keys")
	}
}

// TestSnapshotTruncateDropsTheChunk: a truncate read between the
// watermarks drops every row of the chunk.
func TestSnapshotTruncateDropsTheChunk(t *testing.T) {
	t.Parallel()
	st := newStepper(t)
	st.request(100)
	st.selectChunk()
	b, err := st.r.outbox.Read(context.Background(), st.pos, fsql.Limit{Rows: 1000})
	if err != nil {
		t.Fatal(err)
	}
	// What a captured truncate becomes: a message without a key on the
	// table's topic (the reserved protocol in HELPERS.md).
	topic := st.tabs[1].topic
	trunc := &kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: 0}, Value: []byte(`{"op":"t"}`)}
	out, err := st.s.emit([]*kafka.Message{trunc}, b.Next)
	if err != nil {
		t.Fatal(err)
	}
	if st.s.pending != nil {
		t.Fatal("the chunk is still pending")
	}
	if len(out) != 1 || out[0] != trunc {
		t.Fatalf("published %d messages, want the truncate alone", len(out))
	}
}

func TestPositionWrapping(t *testing.T) {
	t.Parallel()
	bare := []byte(`{"snapshot":"10:10:","last_seq":7}`)
	out, st, err := splitPosition(bare)
	if err != nil || string(out) != string(bare) || !st.empty() {
		t.Fatalf("a bare position (written before snapshots): %s %+v %v", out, st, err)
	}
	st.Active = map[int64]*snapProgress{3: {After: json.RawMessage(`{"id":42}`), Rows: 42}}
	st.Done = []int64{2}
	wrapped, err := joinPosition(bare, &st)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"outbox":{"snapshot":"10:10:","last_seq":7},"snapshots":{"active":{"3":{"after":{"id":42},"rows":42}},"done":[2]}}`
	if string(wrapped) != want {
		t.Fatalf("wrapped:\n got %s\nwant %s", wrapped, want)
	}
	out, st2, err := splitPosition(wrapped)
	if err != nil || string(out) != string(bare) || st2.Active[3].Rows != 42 || string(st2.Active[3].After) != `{"id":42}` || st2.Done[0] != 2 {
		t.Fatalf("round trip: %s %+v %v", out, st2, err)
	}
	// Before anything was read: no outbox position, nothing to snapshot.
	empty, err := joinPosition(nil, &snapState{})
	if err != nil || string(empty) != `{"outbox":null}` {
		t.Fatalf("empty: %s %v", empty, err)
	}
	if out, _, _ := splitPosition(empty); out != nil {
		t.Fatalf("empty round trip: %q", out)
	}
}

// TestSnapshotMaxRate: a request with a MaxRate reads its next chunk only
// when the rows it has read fit the rate, and meanwhile the relay may idle.
func TestSnapshotMaxRate(t *testing.T) {
	t.Parallel()
	st := newStepper(t)
	req := st.request(4)
	req.MaxRate = 1 // 4 rows: the next chunk in 4 seconds
	st.selectChunk()
	st.batch()
	if st.s.pending != nil {
		t.Fatal("the chunk was not published")
	}
	if p := st.s.plan(); p != nil {
		t.Fatal("a chunk was planned before the rate allowed it")
	}
	if st.s.busy() {
		t.Fatal("the relay may not idle while the only request waits for its rate")
	}
	if wait := time.Until(req.next); wait < 3*time.Second || wait > 4*time.Second {
		t.Fatalf("next chunk in %s, want about 4s", wait)
	}
	req.next = time.Now()
	if st.s.plan() == nil {
		t.Fatal("no chunk planned once the rate allows one")
	}
}
