package applier_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/ferry-cdc/ferry/dlq"
	"github.com/ferry-cdc/ferry/internal/kafkatest"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// produce writes raw messages to a topic, as a broken or foreign producer would.
func (p *pipeline) produce(topic string, msgs ...[2]string) {
	p.t.Helper()
	pr, err := kafka.NewProducer(&kafka.ConfigMap{"bootstrap.servers": p.brokers, "go.delivery.reports": false})
	if err != nil {
		p.t.Fatal(err)
	}
	defer pr.Close()
	for _, m := range msgs {
		var value []byte
		if m[1] != "<tombstone>" {
			value = []byte(m[1])
		}
		if err := pr.Produce(&kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: 0}, Key: []byte(m[0]), Value: value}, nil); err != nil {
			p.t.Fatal(err)
		}
	}
	if n := pr.Flush(10_000); n > 0 {
		p.t.Fatalf("%d messages not delivered", n)
	}
}

func envelope(op, before, after string) string {
	return fmt.Sprintf(`{"before":%s,"after":%s,"source":{"connector":"test"},"op":%q,"ts_ms":0}`, before, after, op)
}

// dlqEntries waits until the DLQ holds n entries and returns them.
func (p *pipeline) dlqEntries(n int) []*dlq.Entry {
	p.t.Helper()
	msgs := kafkatest.WaitFor(p.t, p.brokers, []string{p.cfg.Apply.DLQTopic}, n, time.Minute)
	var out []*dlq.Entry
	for _, m := range msgs {
		topic := m.Topic
		km := &kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: m.Partition, Offset: kafka.Offset(m.Offset)}, Key: m.Key, Value: m.Value}
		for k, v := range m.Headers {
			km.Headers = append(km.Headers, kafka.Header{Key: k, Value: []byte(v)})
		}
		e, err := dlq.FromMessage(km)
		if err != nil {
			p.t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// TestPoisonMessagesGoToTheDLQAndThePartitionGoesOn: messages that are not
// changes at all are parked with the reason; the changes after them apply.
func TestPoisonMessagesGoToTheDLQAndThePartitionGoesOn(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, `CREATE TABLE emp (id int PRIMARY KEY, name text)`)
	topic := p.topic("emp")
	kafkatest.CreateTopic(t, topic, 1, nil)
	p.produce(topic,
		[2]string{`{"id":1}`, `this is not json`},
		[2]string{`{"id":2}`, `{"op":"c"}`},
		[2]string{`{"id":3}`, envelope("x", "null", `{"id":3}`)},
		[2]string{`{"id":4}`, envelope("c", "null", `{"id":4,"name":"ok"}`)},
		[2]string{`{"id":4}`, "<tombstone>"},
		[2]string{`{"id":5}`, envelope("c", "null", `{"id":5,"name":"fine","nosuch":1}`)},
		[2]string{`{"id":6}`, envelope("c", "null", `{"id":6,"name":"six"}`)},
	)
	p.cfg.Apply.SchemaWait = time.Second // a column the target never gets: the DLQ after the wait
	p.run()
	entries := p.dlqEntries(4)
	deadline := time.Now().Add(time.Minute)
	for pgtest.QueryValue[int](t, p.tgt, `SELECT count(*) FROM emp`) < 2 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if got := rows(t, p.tgt, "emp"); strings.Join(got, " ") != "(4,ok) (6,six)" {
		t.Fatalf("target: %v", got)
	}
	want := map[string]string{
		`{"id":1}`: "not a change envelope", `{"id":2}`: "without an after image",
		`{"id":3}`: `unknown op "x"`, `{"id":5}`: "has no column nosuch",
	}
	for _, e := range entries {
		if !strings.Contains(e.Error, want[string(e.Key)]) || e.Route == "" || e.Topic != topic {
			t.Errorf("DLQ entry %s: class %s error %q", e.Key, e.Class, e.Error)
		}
	}
	// Byte for byte: the original value is kept.
	if string(entries[0].Value) != "this is not json" {
		t.Errorf("DLQ value %q", entries[0].Value)
	}
}

// TestARejectedChangeParksLaterChangesOfItsKey (design.md, trap 4): once a
// change of a key is in the DLQ, later changes of that key follow it there
// in order instead of applying over it; other keys go on.
func TestARejectedChangeParksLaterChangesOfItsKey(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, `CREATE TABLE emp (id int PRIMARY KEY, salary int NOT NULL)`)
	pgtest.Exec(t, p.tgt, `ALTER TABLE emp ADD CONSTRAINT cap CHECK (salary <= 10000)`)
	p.run()
	pgtest.Exec(t, p.src,
		`INSERT INTO emp VALUES (1, 100), (2, 200)`,
		`UPDATE emp SET salary = 20000 WHERE id = 1`, // the target refuses this one
		`UPDATE emp SET salary = 300 WHERE id = 1`,   // would apply, but must wait behind it
		`UPDATE emp SET salary = 400 WHERE id = 2`)
	entries := p.dlqEntries(2)
	time.Sleep(2 * time.Second)
	if got := rows(t, p.tgt, "emp"); strings.Join(got, " ") != "(1,100) (2,400)" {
		t.Fatalf("target: %v", got)
	}
	if entries[0].Class != dlq.ClassRejected || !strings.Contains(entries[0].Error, "cap") {
		t.Errorf("first entry: %s %q", entries[0].Class, entries[0].Error)
	}
	if entries[1].Class != dlq.ClassParked || entries[1].Offset <= entries[0].Offset {
		t.Errorf("second entry: %s at %d after %d", entries[1].Class, entries[1].Offset, entries[0].Offset)
	}
	if n := pgtest.QueryValue[int](t, p.tgt, `SELECT parked FROM ferry.apply_blocked`); n != 2 {
		t.Errorf("blocked key records %d parked changes, want 2", n)
	}
}

// TestAChildBeforeItsParentIsHeldNotRejected (design.md, trap 3): topics are
// per table, so a child can arrive first; it waits for its parent.
func TestAChildBeforeItsParentIsHeldNotRejected(t *testing.T) {
	t.Parallel()
	p := newPipeline(t,
		`CREATE TABLE dept (id int PRIMARY KEY, name text)`,
		`CREATE TABLE emp (id int PRIMARY KEY, dept_id int REFERENCES dept(id), name text)`)
	// The child's change comes first, from a topic of its own.
	kafkatest.CreateTopic(t, p.topic("emp"), 1, nil)
	kafkatest.CreateTopic(t, p.topic("dept"), 1, nil)
	p.produce(p.topic("emp"), [2]string{`{"id":1}`, envelope("c", "null", `{"id":1,"dept_id":10,"name":"ann"}`)})
	p.run()
	deadline := time.Now().Add(30 * time.Second)
	held := func() int {
		var n int
		p.tgt.QueryRow(`SELECT count(*) FROM ferry.apply_held`).Scan(&n) // the table appears when the applier starts
		return n
	}
	for held() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the child was not held")
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.produce(p.topic("dept"), [2]string{`{"id":10}`, envelope("c", "null", `{"id":10,"name":"sales"}`)})
	for pgtest.QueryValue[int](t, p.tgt, `SELECT count(*) FROM emp`) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the child was not applied once its parent arrived")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := pgtest.QueryValue[int](t, p.tgt, `SELECT count(*) FROM ferry.apply_held`); n != 0 {
		t.Errorf("%d changes still held", n)
	}
	if msgs := kafkatest.ReadAll(t, p.brokers, kafkatest.Topics(t, p.brokers, p.cfg.Apply.DLQTopic)); len(msgs) != 0 {
		t.Errorf("%d DLQ entries", len(msgs))
	}
	_ = context.Background
}

// TestAParentDeletedBeforeItsChildrenWaitsForThem: the parent's delete
// arrives first; it waits until the children's deletes have applied.
func TestAParentDeletedBeforeItsChildrenWaitsForThem(t *testing.T) {
	t.Parallel()
	p := newPipeline(t,
		`CREATE TABLE dept (id int PRIMARY KEY, name text)`,
		`CREATE TABLE emp (id int PRIMARY KEY, dept_id int REFERENCES dept(id), name text)`)
	pgtest.Exec(t, p.tgt, `INSERT INTO dept VALUES (10, 'sales')`, `INSERT INTO emp VALUES (1, 10, 'ann'), (2, 10, 'bob')`)
	kafkatest.CreateTopic(t, p.topic("emp"), 1, nil)
	kafkatest.CreateTopic(t, p.topic("dept"), 1, nil)
	p.produce(p.topic("dept"), [2]string{`{"id":10}`, envelope("d", `{"id":10,"name":"sales"}`, "null")})
	p.run()
	time.Sleep(2 * time.Second)
	if n := pgtest.QueryValue[int](t, p.tgt, `SELECT count(*) FROM dept`); n != 1 {
		t.Fatal("the parent was deleted under its children")
	}
	p.produce(p.topic("emp"),
		[2]string{`{"id":1}`, envelope("d", `{"id":1,"dept_id":10,"name":"ann"}`, "null")},
		[2]string{`{"id":2}`, envelope("d", `{"id":2,"dept_id":10,"name":"bob"}`, "null")})
	deadline := time.Now().Add(30 * time.Second)
	for pgtest.QueryValue[int](t, p.tgt, `SELECT count(*) FROM dept`) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the parent's delete never applied after its children's")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestAChildWhoseParentNeverComesGoesToTheDLQAfterTheWait.
func TestAChildWhoseParentNeverComesGoesToTheDLQAfterTheWait(t *testing.T) {
	t.Parallel()
	p := newPipeline(t,
		`CREATE TABLE dept (id int PRIMARY KEY)`,
		`CREATE TABLE emp (id int PRIMARY KEY, dept_id int REFERENCES dept(id))`)
	p.cfg.Apply.ForeignKeyWait = 2 * time.Second
	kafkatest.CreateTopic(t, p.topic("emp"), 1, nil)
	p.produce(p.topic("emp"), [2]string{`{"id":1}`, envelope("c", "null", `{"id":1,"dept_id":99}`)})
	start := time.Now()
	p.run() // no other traffic: the applier retries the held change on its own
	time.Sleep(5 * time.Second)
	if os.Getenv("FERRY_TEST_LOG") != "" {
		t.Logf("held %v emp %v dept %v offsets %v", rows(t, p.tgt, "ferry.apply_held"), rows(t, p.tgt, "emp"), rows(t, p.tgt, "dept"), rows(t, p.tgt, "ferry.apply_offsets"))
	}
	entries := p.dlqEntries(1)
	if entries[0].Class != dlq.ClassForeignKey || time.Since(start) < 2*time.Second {
		t.Fatalf("DLQ entry %s %q after %s", entries[0].Class, entries[0].Error, time.Since(start))
	}
	if n := pgtest.QueryValue[int](t, p.tgt, `SELECT count(*) FROM ferry.apply_held`); n != 0 {
		t.Errorf("%d changes still held", n)
	}
}

// TestAnUnwritableDLQStopsTheApplierWithoutCommitting: the DLQ refuses the
// entry (a foreign producer wrote a message larger than
// kafka.max_message_bytes, which the DLQ's producer and topic do not take);
// the applier must stop rather than apply past a change it could not park.
func TestAnUnwritableDLQStopsTheApplierWithoutCommitting(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, `CREATE TABLE emp (id int PRIMARY KEY, name text)`)
	p.cfg.Kafka.MaxMessageBytes = 1024
	kafkatest.CreateTopic(t, p.topic("emp"), 1, nil)
	p.produce(p.topic("emp"),
		[2]string{`{"id":1}`, envelope("c", "null", `{"id":1,"name":"before"}`)},
		[2]string{`{"id":2}`, strings.Repeat("not a change ", 10_000)},
		[2]string{`{"id":3}`, envelope("c", "null", `{"id":3,"name":"after"}`)})
	a := p.applier()
	done := make(chan error, 1)
	go func() { done <- a.Run(context.Background()) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "DLQ") {
			t.Fatalf("the applier stopped with %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the applier kept running with a DLQ it cannot write")
	}
	if n := pgtest.QueryValue[int](t, p.tgt, `SELECT count(*) FROM emp`); n != 0 {
		t.Errorf("%d rows committed although the batch's DLQ entry was not written", n)
	}
}
