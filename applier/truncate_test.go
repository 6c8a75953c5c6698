package applier_test

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/ferry-cdc/ferry/applier"
	"github.com/ferry-cdc/ferry/dlq"
	"github.com/ferry-cdc/ferry/internal/ferrytest"
	"github.com/ferry-cdc/ferry/internal/kafkatest"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// stream writes a table's topic the way the relay does: each batch in one
// Kafka transaction; a change on its key's partition; a truncate as one
// message on every partition, with the same seq, key nil, op "t" and the
// header ferry.partitions (HELPERS.md). It keeps, beside the topic, what
// the target table must hold: the changes applied one after the other.
type stream struct {
	p      *pipeline
	topic  string
	parts  int
	seq    int64
	prod   *kafka.Producer
	model  map[int]string
	source string
}

func newStream(p *pipeline, table string, parts int) *stream {
	p.t.Helper()
	topic := p.topic(table)
	kafkatest.CreateTopic(p.t, topic, parts, nil)
	prod, err := kafka.NewProducer(&kafka.ConfigMap{
		"bootstrap.servers": p.brokers, "transactional.id": topic + "-test-relay", "go.delivery.reports": false,
	})
	if err != nil {
		p.t.Fatal(err)
	}
	p.t.Cleanup(prod.Close)
	if err := prod.InitTransactions(context.Background()); err != nil {
		p.t.Fatal(err)
	}
	return &stream{p: p, topic: topic, parts: parts, prod: prod, model: map[int]string{}, source: p.cfg.Sources[0].Name}
}

// msg is one message of a batch.
type msg = kafka.Message

func (s *stream) headers(seq int64) []kafka.Header {
	return []kafka.Header{
		{Key: "ferry.source", Value: []byte(s.source)},
		{Key: "ferry.seq", Value: []byte(strconv.FormatInt(seq, 10))},
		{Key: "ferry.txid", Value: []byte("1")},
	}
}

// upsert and remove are changes of row id, on partition id % parts.
func (s *stream) upsert(id int, v string) []msg {
	s.seq++
	s.model[id] = v
	op := "c"
	return []msg{s.change(id, op, "null", fmt.Sprintf(`{"id":%d,"v":%q}`, id, v))}
}

func (s *stream) remove(id int) []msg {
	s.seq++
	before := fmt.Sprintf(`{"id":%d,"v":%q}`, id, s.model[id])
	delete(s.model, id)
	del := s.change(id, "d", before, "null")
	tomb := del
	tomb.Value = nil
	return []msg{del, tomb}
}

func (s *stream) change(id int, op, before, after string) msg {
	topic := s.topic
	return msg{
		TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: int32(id % s.parts)},
		Key:            []byte(fmt.Sprintf(`{"id":%d}`, id)),
		Value: []byte(fmt.Sprintf(`{"before":%s,"after":%s,"source":{"connector":"ferry","name":%q,"seq":%d},"op":%q,"ts_ms":0}`,
			before, after, s.source, s.seq, op)),
		Headers: s.headers(s.seq),
	}
}

// truncate is the relay's truncate: one message per partition. apply says
// what it does to the model (nothing when the route rejects it).
func (s *stream) truncate(apply bool) []msg {
	s.seq++
	if apply {
		clear(s.model)
	}
	var out []msg
	for p := range s.parts {
		topic := s.topic
		h := append(s.headers(s.seq), kafka.Header{Key: "ferry.partitions", Value: []byte(strconv.Itoa(s.parts))})
		out = append(out, msg{
			TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: int32(p)},
			Value: []byte(fmt.Sprintf(`{"before":null,"after":null,"source":{"connector":"ferry","name":%q,"seq":%d},"op":"t","ts_ms":0}`,
				s.source, s.seq)),
			Headers: h,
		})
	}
	return out
}

// only keeps the messages of one partition; except, those of the others.
func only(p int32, msgs []msg) []msg {
	return slices.DeleteFunc(slices.Clone(msgs), func(m msg) bool { return m.TopicPartition.Partition != p })
}

func except(p int32, msgs []msg) []msg {
	return slices.DeleteFunc(slices.Clone(msgs), func(m msg) bool { return m.TopicPartition.Partition == p })
}

// send produces messages in one Kafka transaction, in order.
func (s *stream) send(batches ...[]msg) {
	s.p.t.Helper()
	ctx := context.Background()
	if err := s.prod.BeginTransaction(); err != nil {
		s.p.t.Fatal(err)
	}
	for _, b := range batches {
		for i := range b {
			if err := s.prod.Produce(&b[i], nil); err != nil {
				s.p.t.Fatal(err)
			}
		}
	}
	if err := s.prod.CommitTransaction(ctx); err != nil {
		s.p.t.Fatal(err)
	}
}

// want is the model as the target prints its rows.
func (s *stream) want() []string {
	var out []string
	for _, id := range slices.Sorted(maps.Keys(s.model)) {
		out = append(out, fmt.Sprintf("(%d,%s)", id, s.model[id]))
	}
	slices.Sort(out)
	return out
}

// converge waits until the target table holds the model.
func (s *stream) converge(table string, timeout time.Duration) {
	s.p.t.Helper()
	want := strings.Join(s.want(), " ")
	deadline := time.Now().Add(timeout)
	for {
		got := strings.Join(rows(s.p.t, s.p.tgt, "(SELECT id, v FROM "+table+" WHERE id > 0)"), " ")
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			s.p.t.Fatalf("the target did not converge:\n got: %s\nwant: %s", got, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// runApplier runs one applier in this process until the test ends.
func (p *pipeline) runApplier() *applier.Applier {
	p.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a := p.applier()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := a.Run(ctx); err != nil {
			p.t.Errorf("applier: %v", err)
		}
	}()
	p.t.Cleanup(func() { cancel(); <-done })
	return a
}

func (p *pipeline) count(query string) int {
	p.t.Helper()
	var n int
	if err := p.tgt.QueryRow(query).Scan(&n); err != nil {
		return -1 // the applier has not created its tables yet
	}
	return n
}

// waitCount waits until query counts n.
func (p *pipeline) waitCount(query string, n int, timeout time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for p.count(query) != n {
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: %d, want %d", query, p.count(query), n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// noBarriersLeft checks that every barrier has been finished and left.
func (p *pipeline) noBarriersLeft() {
	p.t.Helper()
	defer func() {
		if p.t.Failed() {
			p.t.Logf("barriers %v\narrivals %v\noffsets %v\ntruncated %v", rows(p.t, p.tgt, "ferry.apply_barrier"), rows(p.t, p.tgt, "ferry.apply_barrier_arrival"),
				rows(p.t, p.tgt, "ferry.apply_offsets"), rows(p.t, p.tgt, "ferry.apply_truncated"))
		}
	}()
	p.waitCount(`SELECT count(*) FROM ferry.apply_barrier`, 0, 30*time.Second)
	p.waitCount(`SELECT count(*) FROM ferry.apply_barrier_arrival`, 0, 30*time.Second)
}

const itemsDDL = `CREATE TABLE items (id int PRIMARY KEY, v text)`

// TestTruncatesApplyInOrderWithTheChangesAroundThem: rounds of changes with
// truncates between them, as the relay writes them to a topic of four
// partitions; a change before a truncate applied after it would survive
// it, one after it applied before it would be lost: the target must hold
// exactly the changes after the last truncate.
func TestTruncatesApplyInOrderWithTheChangesAroundThem(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, itemsDDL)
	s := newStream(p, "items", 4)
	p.runApplier()
	id := 0
	for round := range 6 {
		var b [][]msg
		for range 40 {
			id++
			b = append(b, s.upsert(id, fmt.Sprintf("r%d", round)))
		}
		for i := id - 39; i <= id; i += 7 {
			b = append(b, s.upsert(i, fmt.Sprintf("r%d-again", round)))
		}
		b = append(b, s.remove(id-3))
		if round%2 == 1 {
			b = append(b, s.truncate(true))
			for range 5 {
				id++
				b = append(b, s.upsert(id, fmt.Sprintf("r%d-after", round)))
			}
		}
		s.send(b...)
	}
	s.converge("items", time.Minute)
	p.noBarriersLeft()
	if n := p.count(`SELECT count(DISTINCT partition) FROM ferry.apply_truncated`); n != 4 {
		t.Errorf("apply_truncated covers %d partitions, want 4", n)
	}
	if msgs := kafkatest.ReadAll(t, p.brokers, kafkatest.Topics(t, p.brokers, p.cfg.Apply.DLQTopic)); len(msgs) != 0 {
		t.Errorf("%d DLQ entries", len(msgs))
	}
}

// TestATruncateWaitsForItsSlowestPartition: one partition's part of the
// stream arrives late (as it does for an applier that lags or is down):
// the partitions that reached the truncate wait at it, applying nothing
// after it, until the last one reaches it.
func TestATruncateWaitsForItsSlowestPartition(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, itemsDDL)
	s := newStream(p, "items", 3)
	p.runApplier()
	var before, after [][]msg
	for i := 1; i <= 30; i++ {
		before = append(before, s.upsert(i, "before"))
	}
	trunc := s.truncate(true)
	for i := 31; i <= 60; i++ {
		after = append(after, s.upsert(i, "after"))
	}
	all := func(f func([]msg) []msg, bs [][]msg) (out [][]msg) {
		for _, b := range bs {
			out = append(out, f(b))
		}
		return out
	}
	notP0 := func(m []msg) []msg { return except(0, m) }
	onlyP0 := func(m []msg) []msg { return only(0, m) }
	s.send(append(append(all(notP0, before), notP0(trunc)), all(notP0, after)...)...)

	// Partitions 1 and 2 are at the truncate: their earlier rows are in,
	// none of their later ones.
	p.waitCount(`SELECT count(*) FROM ferry.apply_barrier_arrival`, 2, time.Minute)
	p.waitCount(`SELECT count(*) FROM items WHERE v = 'before'`, 20, time.Minute)
	if n := p.count(`SELECT count(*) FROM items WHERE v = 'after'`); n != 0 {
		t.Fatalf("%d rows from after the truncate applied before partition 0 reached it", n)
	}
	s.send(append(append(all(onlyP0, before), onlyP0(trunc)), all(onlyP0, after)...)...)
	s.converge("items", time.Minute)
	p.noBarriersLeft()
}

// TestTruncateModes: delete removes only the rows with the route's
// constants; truncate empties the table; reject leaves the rows, parks the
// truncate in the DLQ once, and replay never applies it.
func TestTruncateModes(t *testing.T) {
	t.Parallel()
	p := newPipelineWith(t, options{
		route: map[string]string{
			"kept":    "    constants: {origin: hq}\n",
			"emptied": "    truncate: truncate\n",
			"refused": "    truncate: reject\n",
		},
		targetDDL: map[string]string{"kept": `CREATE TABLE kept (id int PRIMARY KEY, v text, origin text NOT NULL DEFAULT 'local')`},
	}, `CREATE TABLE kept (id int PRIMARY KEY, v text)`, `CREATE TABLE emptied (id int PRIMARY KEY, v text)`, `CREATE TABLE refused (id int PRIMARY KEY, v text)`)
	pgtest.Exec(t, p.tgt, `INSERT INTO kept VALUES (-1, 'written on the target', 'local')`)
	streams := map[string]*stream{}
	for _, tb := range []string{"kept", "emptied", "refused"} {
		s := newStream(p, tb, 3)
		streams[tb] = s
		var b [][]msg
		for i := 1; i <= 9; i++ {
			b = append(b, s.upsert(i, "before"))
		}
		b = append(b, s.truncate(tb != "refused"))
		for i := 10; i <= 12; i++ {
			b = append(b, s.upsert(i, "after"))
		}
		s.send(b...)
	}
	p.runApplier()
	for tb, s := range streams {
		s.converge(tb, time.Minute)
	}
	p.noBarriersLeft()
	if got := rows(t, p.tgt, "(SELECT * FROM kept WHERE id < 0)"); len(got) != 1 {
		t.Errorf("the target's own row was deleted: %v", got)
	}
	entries := p.dlqEntries(1)
	e := entries[0]
	if e.Class != dlq.ClassTruncate || e.Topic != p.topic("refused") || e.Partition != 0 || e.Key != nil ||
		!strings.Contains(e.Error, "truncate: reject keeps the rows of public.refused") {
		t.Fatalf("DLQ entry %s: class %s key %q error %q", e.ID(), e.Class, e.Key, e.Error)
	}
	time.Sleep(time.Second)
	if msgs := kafkatest.ReadAll(t, p.brokers, []string{p.cfg.Apply.DLQTopic}); len(msgs) != 1 {
		t.Errorf("%d DLQ entries for one truncate sent to three partitions", len(msgs))
	}

	// Replay keeps it; replay selecting truncates dismisses it; neither
	// deletes a row.
	a := p.applier()
	out, err := a.Replay(context.Background(), entries, applier.Filter{}, false)
	if err != nil || len(out) != 1 || out[0].Result != "kept" {
		t.Fatalf("replay: %v %+v", err, out)
	}
	out, err = a.Replay(context.Background(), entries, applier.Filter{Reason: dlq.ClassTruncate}, false)
	if err != nil || len(out) != 1 || out[0].Result != "dismissed" {
		t.Fatalf("replay --reason truncate: %v %+v", err, out)
	}
	streams["refused"].converge("refused", time.Second)
	if left := p.outstanding(); len(left) != 0 {
		t.Errorf("%d DLQ entries outstanding after the dismissal", len(left))
	}
}

// TestADLQEntryBeforeATruncateIsSupersededByIt: a change parked before a
// truncate must not come back with a replay after it; its key is free for
// the changes after the truncate.
func TestADLQEntryBeforeATruncateIsSupersededByIt(t *testing.T) {
	t.Parallel()
	p := newPipelineWith(t, options{route: map[string]string{"items": `    rules:
      - {name: no_bad, when: "v == \"bad\"", action: reject}
`}}, itemsDDL)
	s := newStream(p, "items", 3)
	b := [][]msg{s.upsert(1, "bad"), s.upsert(1, "parked behind")}
	delete(s.model, 1)
	b = append(b, s.upsert(2, "good"), s.truncate(true), s.upsert(1, "after"), s.upsert(3, "after"))
	s.send(b...)
	p.runApplier()
	s.converge("items", time.Minute)
	entries := p.outstanding()
	if len(entries) != 2 {
		t.Fatalf("%d DLQ entries, want 2", len(entries))
	}
	out, err := p.applier().Replay(context.Background(), entries, applier.Filter{}, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range out {
		if o.Result != "superseded" {
			t.Errorf("%s: %s %s", o.Entry.ID(), o.Result, o.Detail)
		}
	}
	s.converge("items", time.Second)
}

// TestTwoAppliersKilledAtRandomApplyEveryTruncateOnce: two applier
// processes share the partitions of a topic carrying changes and truncates;
// one of them is killed with SIGKILL at random moments and started again,
// so partitions move between them and barriers are reached by one applier
// and finished by the other. The target ends as the stream says.
func TestTwoAppliersKilledAtRandomApplyEveryTruncateOnce(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, itemsDDL)
	s := newStream(p, "items", 4)
	var outs []*ferrytest.Output
	spawn := func() *exec.Cmd {
		cmd, out := p.spawn("apply", "--log-level", "debug")
		outs = append(outs, out)
		return cmd
	}
	defer func() {
		if t.Failed() {
			for i, o := range outs {
				t.Logf("applier %d:\n%s", i, o.String())
			}
		}
	}()
	spawn()
	victim := spawn()
	id := 0
	for round := range 40 {
		var b [][]msg
		for range 50 {
			id++
			b = append(b, s.upsert(id, fmt.Sprintf("r%d", round)))
		}
		b = append(b, s.upsert(id-10, "again"), s.remove(id-20))
		if round%4 == 3 {
			b = append(b, s.truncate(true), s.upsert(id-30, "after"))
		}
		s.send(b...)
		if round%5 == 2 {
			victim.Process.Kill()
			victim.Wait()
			victim = spawn()
		}
		time.Sleep(time.Duration(100+rand.IntN(400)) * time.Millisecond)
	}
	s.converge("items", 3*time.Minute)
	p.noBarriersLeft()
	if msgs := kafkatest.ReadAll(t, p.brokers, kafkatest.Topics(t, p.brokers, p.cfg.Apply.DLQTopic)); len(msgs) != 0 {
		t.Errorf("%d DLQ entries", len(msgs))
	}
}

// TestATruncateWaitsForTheRowsThatReferToIt: the parent table's truncate
// arrives before the child table's (topics are per table); deleting the
// parent's rows breaks the child's foreign key, so it waits until the
// child's truncate has removed them.
func TestATruncateWaitsForTheRowsThatReferToIt(t *testing.T) {
	t.Parallel()
	p := newPipelineWith(t, options{targetDDL: map[string]string{
		"kid": `CREATE TABLE kid (id int PRIMARY KEY, v text, parent int REFERENCES mom)`,
	}}, `CREATE TABLE mom (id int PRIMARY KEY, v text)`, `CREATE TABLE kid (id int PRIMARY KEY, v text)`)
	pgtest.Exec(t, p.tgt, `INSERT INTO mom VALUES (1, 'm')`, `INSERT INTO kid VALUES (1, 'k', 1)`)
	mom, kid := newStream(p, "mom", 2), newStream(p, "kid", 2)
	mom.send(mom.truncate(true), mom.upsert(2, "after"))
	p.runApplier()
	p.waitCount(`SELECT count(*) FROM ferry.apply_barrier_arrival`, 2, time.Minute)
	time.Sleep(2 * time.Second)
	if n := p.count(`SELECT count(*) FROM mom WHERE id = 2`); n != 0 {
		t.Fatal("a change after the waiting truncate was applied")
	}
	kid.send(kid.truncate(true))
	mom.converge("mom", time.Minute)
	kid.converge("kid", time.Minute)
	p.noBarriersLeft()
	p.noDLQ()
}
