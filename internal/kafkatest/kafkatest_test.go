package kafkatest_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/ferry-cdc/ferry/internal/kafkatest"
)

// TestReadAllSkipsAbortedTransaction writes 1,000 messages in four
// transactions of 250 and aborts the third: a read_committed read must
// return the other 750 as they were written, a read_uncommitted one all.
func TestReadAllSkipsAbortedTransaction(t *testing.T) {
	t.Parallel()
	brokers := kafkatest.Brokers(t)
	prefix := kafkatest.Prefix(t)
	topic := prefix + ".events"
	kafkatest.CreateTopic(t, topic, 3, nil)

	p := newTxProducer(t, brokers, prefix+"-tx")
	want := map[string]sent{}
	for tx := range 4 {
		batch := make([]sent, 250)
		for i := range batch {
			n := tx*250 + i
			batch[i] = sent{
				key:       fmt.Sprintf("k%04d", n),
				value:     fmt.Sprintf("value %d of transaction %d", n, tx),
				headers:   map[string]string{"tx": fmt.Sprint(tx), "n": fmt.Sprint(n)},
				partition: kafka.PartitionAny,
			}
		}
		commit := tx != 2
		p.transaction(t, topic, batch, commit)
		if commit {
			for _, s := range batch {
				want[s.key] = s
			}
		}
	}

	got := kafkatest.ReadAll(t, brokers, []string{topic})
	if len(got) != 750 {
		t.Fatalf("read_committed: got %d messages, want 750", len(got))
	}
	perPartition := map[int32]int{}
	for i, m := range got {
		perPartition[m.Partition]++
		if m.Topic != topic {
			t.Fatalf("message %d: topic %q, want %q", i, m.Topic, topic)
		}
		if i > 0 && !before(got[i-1], m) {
			t.Fatalf("message %d (%s) does not come after %s", i, at(m), at(got[i-1]))
		}
		w, ok := want[string(m.Key)]
		if !ok {
			t.Fatalf("%s: key %q was not committed (or is read twice)", at(m), m.Key)
		}
		delete(want, string(m.Key))
		if string(m.Value) != w.value {
			t.Errorf("%s: value %q, want %q", at(m), m.Value, w.value)
		}
		if fmt.Sprint(m.Headers) != fmt.Sprint(w.headers) {
			t.Errorf("%s: headers %v, want %v", at(m), m.Headers, w.headers)
		}
		if m.Timestamp.IsZero() || time.Since(m.Timestamp) > time.Hour {
			t.Errorf("%s: timestamp %v is not from this test", at(m), m.Timestamp)
		}
	}
	if len(want) != 0 {
		t.Errorf("%d committed messages missing", len(want))
	}
	if len(perPartition) != 3 {
		t.Errorf("messages in partitions %v, want all of 0, 1, 2", perPartition)
	}

	all := kafkatest.ReadAll(t, brokers, []string{topic}, kafkatest.ReadUncommitted())
	if len(all) != 1000 {
		t.Fatalf("read_uncommitted: got %d messages, want 1000", len(all))
	}
	aborted := 0
	for _, m := range all {
		if m.Headers["tx"] == "2" {
			aborted++
		}
	}
	if aborted != 250 {
		t.Errorf("read_uncommitted: %d messages of the aborted transaction, want 250", aborted)
	}

	waited := kafkatest.WaitFor(t, brokers, []string{topic}, 700, 60*time.Second)
	if len(waited) != 750 {
		t.Errorf("WaitFor(700) returned %d messages, want all 750 committed", len(waited))
	}

	// More than are there: WaitFor must fail, saying how many arrived.
	msg := fatalOf(t, func(tb testing.TB) {
		kafkatest.WaitFor(tb, brokers, []string{topic}, 751, 3*time.Second)
	})
	if !strings.Contains(msg, "750 arrived") {
		t.Errorf("WaitFor(751) failed with %q, want it to say 750 arrived", msg)
	}
	// So many that not even the end offsets add up to them.
	msg = fatalOf(t, func(tb testing.TB) {
		kafkatest.WaitFor(tb, brokers, []string{topic}, 5000, 2*time.Second)
	})
	if !strings.Contains(msg, "750 arrived") {
		t.Errorf("WaitFor(5000) failed with %q, want it to say 750 arrived", msg)
	}
}

// TestReadAllOpenTransaction: with read_committed the end of a partition is
// its last stable offset, so a transaction that is still open neither shows
// up nor keeps ReadAll waiting for its high watermark.
func TestReadAllOpenTransaction(t *testing.T) {
	t.Parallel()
	brokers := kafkatest.Brokers(t)
	prefix := kafkatest.Prefix(t)
	topic := prefix + ".open"
	kafkatest.CreateTopic(t, topic, 2, nil)

	p := newTxProducer(t, brokers, prefix+"-tx")
	p.transaction(t, topic, batchOf("committed", 10), true)
	if err := p.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	p.send(t, topic, batchOf("open", 5))
	if left := p.Flush(30_000); left != 0 {
		t.Fatalf("%d messages of the open transaction not delivered", left)
	}

	got := kafkatest.ReadAll(t, brokers, []string{topic}, kafkatest.WithTimeout(20*time.Second))
	if len(got) != 10 {
		t.Fatalf("read_committed with a transaction open: got %d messages, want the 10 committed", len(got))
	}
	for _, m := range got {
		if !strings.HasPrefix(string(m.Key), "committed") {
			t.Errorf("%s: key %q of the open transaction", at(m), m.Key)
		}
	}
	if all := kafkatest.ReadAll(t, brokers, []string{topic}, kafkatest.ReadUncommitted()); len(all) != 15 {
		t.Errorf("read_uncommitted: got %d messages, want 15", len(all))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := p.CommitTransaction(ctx); err != nil {
		t.Fatal(err)
	}
	if got := kafkatest.ReadAll(t, brokers, []string{topic}); len(got) != 15 {
		t.Errorf("after the commit: got %d messages, want 15", len(got))
	}
}

func TestReadAllEmptyTopic(t *testing.T) {
	t.Parallel()
	brokers := kafkatest.Brokers(t)
	prefix := kafkatest.Prefix(t)
	empty, oneOfThree := prefix+".empty", prefix+".sparse"
	kafkatest.CreateTopic(t, empty, 3, nil)
	kafkatest.CreateTopic(t, oneOfThree, 3, nil)

	start := time.Now()
	got := kafkatest.ReadAll(t, brokers, []string{empty}, kafkatest.WithTimeout(5*time.Second))
	t.Logf("read of an empty topic took %s", time.Since(start))
	if len(got) != 0 {
		t.Fatalf("got %d messages from an empty topic", len(got))
	}

	// Partitions 1 and 2 stay empty while 0 has a message.
	p := newTxProducer(t, brokers, prefix+"-tx")
	p.transaction(t, oneOfThree, []sent{{key: "only", value: "one", partition: 0}}, true)
	start = time.Now()
	got = kafkatest.ReadAll(t, brokers, []string{empty, oneOfThree}, kafkatest.WithTimeout(10*time.Second))
	t.Logf("read of one message took %s", time.Since(start))
	if len(got) != 1 || string(got[0].Key) != "only" || got[0].Partition != 0 || got[0].Topic != oneOfThree {
		t.Fatalf("got %v, want the one message in %s[0]", got, oneOfThree)
	}
}

func TestReadAllUnknownTopic(t *testing.T) {
	t.Parallel()
	brokers := kafkatest.Brokers(t)
	topic := kafkatest.Prefix(t) + ".never"
	msg := fatalOf(t, func(tb testing.TB) {
		kafkatest.ReadAll(tb, brokers, []string{topic}, kafkatest.WithTimeout(10*time.Second))
	})
	if !strings.Contains(msg, "does not exist") {
		t.Errorf("ReadAll of a topic that does not exist failed with %q", msg)
	}
	msg = fatalOf(t, func(tb testing.TB) {
		kafkatest.WaitFor(tb, brokers, []string{topic}, 1, time.Second)
	})
	if !strings.Contains(msg, "does not exist") {
		t.Errorf("WaitFor on a topic that does not exist failed with %q", msg)
	}
}

// TestWaitForAutoCreatedTopic waits for a topic that only comes to exist
// when the broker auto-creates it for a producer.
func TestWaitForAutoCreatedTopic(t *testing.T) {
	t.Parallel()
	brokers := kafkatest.Brokers(t)
	prefix := kafkatest.Prefix(t)
	topic := prefix + ".later"

	var got []kafkatest.Message
	r := &recorder{TB: t}
	var wg sync.WaitGroup
	wg.Go(func() {
		run(r, func(tb testing.TB) { got = kafkatest.WaitFor(tb, brokers, []string{topic}, 20, 90*time.Second) })
	})
	time.Sleep(time.Second)
	p := newTxProducer(t, brokers, prefix+"-tx")
	p.transaction(t, topic, batchOf("a", 12), true)
	time.Sleep(500 * time.Millisecond)
	p.transaction(t, topic, batchOf("b", 8), true)
	wg.Wait()
	if r.ended != "" {
		t.Fatal(r.ended)
	}
	if len(got) != 20 {
		t.Fatalf("WaitFor(20) returned %d messages", len(got))
	}
}

func TestTopics(t *testing.T) {
	t.Parallel()
	brokers := kafkatest.Brokers(t)
	prefix := kafkatest.Prefix(t)
	kafkatest.CreateTopic(t, prefix+".b", 1, map[string]string{"cleanup.policy": "compact"})
	kafkatest.CreateTopic(t, prefix+".a", 2, nil)
	kafkatest.CreateTopic(t, prefix+".a", 2, nil) // exists already: fine
	p := newTxProducer(t, brokers, prefix+"-tx")
	p.transaction(t, prefix+".c", batchOf("x", 1), true) // auto-created

	got := fmt.Sprint(kafkatest.Topics(t, brokers, prefix))
	want := fmt.Sprint([]string{prefix + ".a", prefix + ".b", prefix + ".c"})
	if got != want {
		t.Errorf("Topics(%q) = %s, want %s", prefix, got, want)
	}
	if other := kafkatest.Topics(t, brokers, kafkatest.Prefix(t)); len(other) != 0 {
		t.Errorf("a fresh prefix has topics %v", other)
	}

	msg := fatalOf(t, func(tb testing.TB) { kafkatest.CreateTopic(tb, prefix+".a", 3, nil) })
	if !strings.Contains(msg, "already exists with 2 partitions") {
		t.Errorf("CreateTopic with another partition count failed with %q", msg)
	}
}

func TestPrefixUnique(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 100 {
		p := kafkatest.Prefix(t)
		if len(p) != 9 || p[0] != 't' || seen[p] {
			t.Fatalf("prefix %q: want t and 8 hex digits, unique", p)
		}
		seen[p] = true
	}
}

func TestBrokersWithoutVariable(t *testing.T) {
	for _, tc := range []struct {
		ci, want string
	}{
		{"", "skip: set FERRY_TEST_KAFKA_BROKERS"},
		{"true", "fatal: FERRY_TEST_KAFKA_BROKERS is not set under CI"},
	} {
		t.Run("CI="+tc.ci, func(t *testing.T) {
			t.Setenv("FERRY_TEST_KAFKA_BROKERS", "")
			t.Setenv("CI", tc.ci)
			r := &recorder{TB: t}
			run(r, func(tb testing.TB) { kafkatest.Brokers(tb) })
			if !strings.HasPrefix(r.ended, tc.want) {
				t.Errorf("Brokers ended the test with %q, want %q...", r.ended, tc.want)
			}
		})
	}
}

type sent struct {
	key, value string
	headers    map[string]string
	partition  int32 // or kafka.PartitionAny
}

func batchOf(prefix string, n int) []sent {
	b := make([]sent, n)
	for i := range b {
		b[i] = sent{key: fmt.Sprintf("%s%d", prefix, i), value: "v", partition: kafka.PartitionAny}
	}
	return b
}

type txProducer struct{ *kafka.Producer }

func newTxProducer(t *testing.T, brokers, transactionalID string) txProducer {
	t.Helper()
	p, err := kafka.NewProducer(&kafka.ConfigMap{
		"bootstrap.servers":   brokers,
		"transactional.id":    transactionalID,
		"linger.ms":           5,
		"go.delivery.reports": false, // a failed send fails the commit
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := p.InitTransactions(ctx); err != nil {
		t.Fatalf("init transactions: %v", err)
	}
	return txProducer{p}
}

func (p txProducer) transaction(t *testing.T, topic string, batch []sent, commit bool) {
	t.Helper()
	if err := p.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	p.send(t, topic, batch)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if !commit {
		// Written first, so that a read_uncommitted read sees them: abort
		// drops what is not sent yet. This also works around librdkafka
		// aborting before the coordinator has the transaction's partitions,
		// which fails the producer with INVALID_TXN_STATE
		// (confluentinc/librdkafka#4849).
		if left := p.Flush(60_000); left != 0 {
			t.Fatalf("%d messages of the transaction to abort not delivered", left)
		}
		if err := p.AbortTransaction(ctx); err != nil {
			t.Fatalf("abort: %v", err)
		}
		return
	}
	if err := p.CommitTransaction(ctx); err != nil {
		t.Fatalf("commit: %v", err)
	}
}

func (p txProducer) send(t *testing.T, topic string, batch []sent) {
	t.Helper()
	for _, s := range batch {
		m := &kafka.Message{
			TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: s.partition},
			Key:            []byte(s.key),
			Value:          []byte(s.value),
		}
		for k, v := range s.headers {
			m.Headers = append(m.Headers, kafka.Header{Key: k, Value: []byte(v)})
		}
		if err := p.Produce(m, nil); err != nil {
			t.Fatalf("produce %s: %v", s.key, err)
		}
	}
}

func before(a, b kafkatest.Message) bool {
	if a.Topic != b.Topic {
		return a.Topic < b.Topic
	}
	if a.Partition != b.Partition {
		return a.Partition < b.Partition
	}
	return a.Offset < b.Offset
}

func at(m kafkatest.Message) string { return fmt.Sprintf("%s[%d]@%d", m.Topic, m.Partition, m.Offset) }

// fatalOf runs f with a testing.TB that records how f ended the test
// instead of ending t, and returns the failure message ("" if none).
func fatalOf(t *testing.T, f func(tb testing.TB)) string {
	t.Helper()
	r := &recorder{TB: t}
	run(r, f)
	if !strings.HasPrefix(r.ended, "fatal: ") {
		t.Fatalf("want a failure, got %q", r.ended)
	}
	return strings.TrimPrefix(r.ended, "fatal: ")
}

func run(r *recorder, f func(tb testing.TB)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
}

// recorder stands in for a testing.TB whose Fatal and Skip end only the
// goroutine that calls them, as they would end a test.
type recorder struct {
	testing.TB
	ended string
}

func (r *recorder) Fatal(args ...any) { r.end("fatal: " + fmt.Sprint(args...)) }
func (r *recorder) Fatalf(format string, args ...any) {
	r.end("fatal: " + fmt.Sprintf(format, args...))
}
func (r *recorder) Skip(args ...any) { r.end("skip: " + fmt.Sprint(args...)) }
func (r *recorder) Skipf(format string, args ...any) {
	r.end("skip: " + fmt.Sprintf(format, args...))
}

func (r *recorder) end(s string) {
	r.ended = s
	runtime.Goexit()
}
