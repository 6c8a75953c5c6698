// Package kafkatest gives integration tests topics of their own on the real
// Apache Kafka broker that scripts/services-up.sh starts (make test does
// this), and reads back what those topics hold the way Ferry's consumers see
// it: read_committed, so records of aborted or still open transactions are
// not there.
//
// FERRY_TEST_KAFKA_BROKERS names the bootstrap servers. Without it a test is
// skipped, with the variable named, except under CI, where a missing service
// is a failure rather than a quiet skip.
//
// The broker is shared by every test and every engineer on the machine: give
// each test its own topics with [Prefix] and read them with [ReadAll] or
// [WaitFor], which assign partitions directly and never commit offsets for a
// consumer group.
package kafkatest

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// Brokers returns the bootstrap servers of the test broker, or skips.
func Brokers(tb testing.TB) string {
	tb.Helper()
	brokers := os.Getenv("FERRY_TEST_KAFKA_BROKERS")
	if brokers == "" {
		if os.Getenv("CI") != "" {
			tb.Fatal("FERRY_TEST_KAFKA_BROKERS is not set under CI: run the tests with `make test`, which starts Kafka")
		}
		tb.Skip("set FERRY_TEST_KAFKA_BROKERS (make test does) to run tests against a real Kafka")
	}
	return brokers
}

// Prefix returns a topic name prefix no other test uses, such as "t3f9a0c21",
// so that a test's topics, auto-created or not, are its own.
func Prefix(tb testing.TB) string {
	tb.Helper()
	return "t" + randomHex(4)
}

// CreateTopic creates a topic with one replica and waits until the broker's
// metadata shows all its partitions with a leader. A topic that already
// exists is fine if it has that many partitions.
func CreateTopic(tb testing.TB, name string, partitions int, configs map[string]string) {
	tb.Helper()
	admin := newAdmin(tb, Brokers(tb))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := admin.CreateTopics(ctx, []kafka.TopicSpecification{{
		Topic:             name,
		NumPartitions:     partitions,
		ReplicationFactor: 1,
		Config:            configs,
	}}, kafka.SetAdminOperationTimeout(30*time.Second))
	if err != nil {
		tb.Fatalf("create topic %s: %v", name, err)
	}
	for _, r := range res {
		if c := r.Error.Code(); c != kafka.ErrNoError && c != kafka.ErrTopicAlreadyExists {
			tb.Fatalf("create topic %s: %v", name, r.Error)
		}
	}
	for {
		md, err := admin.GetMetadata(&name, false, 10_000)
		if err == nil {
			t, ok := md.Topics[name]
			switch {
			case ok && t.Error.Code() == kafka.ErrNoError && len(t.Partitions) > 0 && len(t.Partitions) != partitions:
				tb.Fatalf("create topic %s: it already exists with %d partitions, not %d", name, len(t.Partitions), partitions)
			case ok && t.Error.Code() == kafka.ErrNoError && len(t.Partitions) == partitions && allLed(t.Partitions):
				return
			}
		}
		if ctx.Err() != nil {
			tb.Fatalf("create topic %s: metadata does not show its %d partitions with a leader after 60s (last error: %v)", name, partitions, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Topics returns the names of the topics that start with prefix, sorted.
func Topics(tb testing.TB, brokers, prefix string) []string {
	tb.Helper()
	md, err := newAdmin(tb, brokers).GetMetadata(nil, true, 30_000)
	if err != nil {
		tb.Fatalf("list topics: %v", err)
	}
	var names []string
	for name := range md.Topics {
		if strings.HasPrefix(name, prefix) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// Message is a record as a consumer received it.
type Message struct {
	Topic     string
	Partition int32
	Offset    int64
	Key       []byte
	Value     []byte
	// Headers holds the record's headers; of repeated keys, the last wins.
	Headers   map[string]string
	Timestamp time.Time
}

// ReadOption changes how ReadAll reads.
type ReadOption func(*readOptions)

type readOptions struct {
	timeout   time.Duration
	isolation string
}

// WithTimeout bounds the whole read, from connecting to the last partition's
// end (default 60s).
func WithTimeout(d time.Duration) ReadOption {
	return func(o *readOptions) { o.timeout = d }
}

// ReadUncommitted reads records of aborted and open transactions too, as a
// consumer with isolation.level=read_uncommitted would.
func ReadUncommitted() ReadOption {
	return func(o *readOptions) { o.isolation = "read_uncommitted" }
}

// ReadAll reads every partition of topics from the beginning to its end and
// returns the messages ordered by topic, partition and offset. The topics
// must exist.
//
// A partition has been read to its end when the consumer has passed the end
// offset the broker gave when the read started, or when the broker reports
// the end of the partition (a partition EOF), whichever comes first. For
// read_committed both are the last stable offset: a transaction still open
// neither shows up nor holds the read back. The EOF is what ends most
// transactional partitions, since a commit or abort marker, never delivered,
// holds their last offset.
func ReadAll(tb testing.TB, brokers string, topics []string, opts ...ReadOption) []Message {
	tb.Helper()
	o := readOptions{timeout: 60 * time.Second, isolation: "read_committed"}
	for _, opt := range opts {
		opt(&o)
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	msgs, err := readAll(ctx, brokers, topics, o.isolation)
	if err != nil {
		tb.Fatal(err)
	}
	return msgs
}

// WaitFor waits until a read_committed consumer sees at least n messages in
// topics, which need not exist yet, and returns what ReadAll returns at that
// moment: possibly more than n. After timeout it fails the test, saying how
// many messages had arrived.
func WaitFor(tb testing.TB, brokers string, topics []string, n int, timeout time.Duration) []Message {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	// The end offsets bound from above what a read can return (they count
	// transaction markers and aborted records too), so polling them is a
	// cheap way to skip reads that cannot reach n.
	probe, err := newConsumer(brokers, "read_committed")
	if err != nil {
		tb.Fatal(err)
	}
	defer probe.Close()
	for {
		if total, err := countUpTo(ctx, probe, topics); err == nil && total >= n {
			if msgs, err := readAll(ctx, brokers, topics, "read_committed"); err == nil && len(msgs) >= n {
				return msgs
			}
		}
		select {
		case <-ctx.Done():
			tb.Fatalf("wait for %d messages in %v: %s within %s", n, topics, arrived(brokers, topics), timeout)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// arrived says how many messages a read_committed read of topics returns.
func arrived(brokers string, topics []string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	msgs, err := readAll(ctx, brokers, topics, "read_committed")
	if err != nil {
		return fmt.Sprintf("cannot count what arrived (%v)", err)
	}
	return fmt.Sprintf("%d arrived", len(msgs))
}

// Restart restarts the test broker through scripts/kafka.sh, for tests of
// what happens when Kafka goes away. The broker is shared: other tests
// running at the same time see it go too.
func Restart(tb testing.TB) {
	tb.Helper()
	ctl(tb, "restart")
}

// Stop stops the test broker (see Restart).
func Stop(tb testing.TB) {
	tb.Helper()
	ctl(tb, "stop")
}

// Start starts the test broker and waits until it answers; a running broker
// is left as it is.
func Start(tb testing.TB) {
	tb.Helper()
	ctl(tb, "start")
}

func ctl(tb testing.TB, action string) {
	tb.Helper()
	script := os.Getenv("FERRY_KAFKA_CTL")
	if script == "" {
		tb.Skipf("set FERRY_KAFKA_CTL (make test does) to %s Kafka in a test", action)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, script, action).CombinedOutput()
	if err != nil {
		tb.Fatalf("%s kafka: %s %s: %v: %s", action, script, action, err, out)
	}
}

var errUnknownTopic = errors.New("topic does not exist")

type partitionKey struct {
	topic string
	id    int32
}

func (k partitionKey) String() string { return fmt.Sprintf("%s[%d]", k.topic, k.id) }

// progress is how far the read of one partition has got.
type progress struct {
	high int64 // end offset when the read started (last stable offset for read_committed)
	next int64 // offset after the last message, or where EOF was reported
	done bool
}

func readAll(ctx context.Context, brokers string, topics []string, isolation string) ([]Message, error) {
	c, err := newConsumer(brokers, isolation)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	parts, err := partitions(ctx, c, topics)
	if err != nil {
		return nil, fmt.Errorf("read %v: %w", topics, err)
	}
	state := make(map[partitionKey]*progress, len(parts))
	var assign []kafka.TopicPartition
	for _, p := range parts {
		low, high, err := c.QueryWatermarkOffsets(p.topic, p.id, remainingMs(ctx))
		if err != nil {
			return nil, fmt.Errorf("read %v: query watermarks of %s: %w", topics, p, err)
		}
		// An empty partition sends EOF too, but only after a fetch round
		// trip: skipping it makes reading empty topics fast.
		state[p] = &progress{high: high, next: low, done: high <= low}
		if high > low {
			assign = append(assign, kafka.TopicPartition{Topic: &p.topic, Partition: p.id, Offset: kafka.OffsetBeginning})
		}
	}
	if len(assign) == 0 {
		return nil, nil
	}
	if err := c.Assign(assign); err != nil {
		return nil, fmt.Errorf("read %v: assign partitions: %w", topics, err)
	}
	var msgs []Message
	var lastErr error
	pending := len(assign)
	for pending > 0 {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("read %v (%s): gave up after %d messages: %s%s",
				topics, isolation, len(msgs), unfinished(state), lastErrText(lastErr))
		}
		var p *progress
		var key partitionKey
		switch ev := c.Poll(100).(type) {
		case *kafka.Message:
			key = partitionKey{*ev.TopicPartition.Topic, ev.TopicPartition.Partition}
			if ev.TopicPartition.Error != nil {
				lastErr = fmt.Errorf("%s: %w", key, ev.TopicPartition.Error)
				continue
			}
			if p = state[key]; p == nil || p.done {
				continue
			}
			msgs = append(msgs, fromKafka(ev))
			p.next = int64(ev.TopicPartition.Offset) + 1
			if p.next < p.high {
				continue
			}
		case kafka.PartitionEOF:
			key = partitionKey{*ev.Topic, ev.Partition}
			if p = state[key]; p == nil || p.done {
				continue
			}
			p.next = int64(ev.Offset)
		case kafka.Error:
			if ev.IsFatal() {
				return nil, fmt.Errorf("read %v: %w", topics, ev)
			}
			lastErr = ev
			continue
		default:
			continue
		}
		p.done = true
		pending--
		// Later records are not part of this read: stop fetching them.
		_ = c.Pause([]kafka.TopicPartition{{Topic: &key.topic, Partition: key.id}})
	}
	slices.SortFunc(msgs, func(a, b Message) int {
		return cmp.Or(strings.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition), cmp.Compare(a.Offset, b.Offset))
	})
	return msgs, nil
}

// countUpTo returns the sum of the partitions' high minus low watermarks:
// no fewer than the messages a read would return now.
func countUpTo(ctx context.Context, c *kafka.Consumer, topics []string) (int, error) {
	parts, err := partitions(ctx, c, topics)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, p := range parts {
		low, high, err := c.QueryWatermarkOffsets(p.topic, p.id, remainingMs(ctx))
		if err != nil {
			return 0, fmt.Errorf("query watermarks of %s: %w", p, err)
		}
		total += int(high - low)
	}
	return total, nil
}

// partitions lists the partitions of topics, waiting while one has no leader
// (as just after the topic was created).
func partitions(ctx context.Context, c *kafka.Consumer, topics []string) ([]partitionKey, error) {
	var parts []partitionKey
	for _, topic := range topics {
		for {
			md, err := c.GetMetadata(&topic, false, remainingMs(ctx))
			if err != nil {
				return nil, fmt.Errorf("metadata of %s: %w", topic, err)
			}
			t := md.Topics[topic]
			switch t.Error.Code() {
			case kafka.ErrNoError:
			case kafka.ErrUnknownTopicOrPart, kafka.ErrUnknownTopic:
				return nil, fmt.Errorf("%s: %w", topic, errUnknownTopic)
			default:
				err = t.Error
			}
			if err == nil && len(t.Partitions) > 0 && allLed(t.Partitions) {
				for _, p := range t.Partitions {
					parts = append(parts, partitionKey{topic, p.ID})
				}
				break
			}
			if ctx.Err() != nil {
				return nil, fmt.Errorf("metadata of %s: partitions without a leader (%v)", topic, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return parts, nil
}

func allLed(parts []kafka.PartitionMetadata) bool {
	for _, p := range parts {
		if p.Leader < 0 || p.Error.Code() != kafka.ErrNoError {
			return false
		}
	}
	return true
}

func newConsumer(brokers, isolation string) (*kafka.Consumer, error) {
	c, err := kafka.NewConsumer(&kafka.ConfigMap{
		"bootstrap.servers": brokers,
		// A group.id is required, but partitions are assigned directly and
		// nothing is committed, so the group never exists on the broker.
		"group.id":                 "kafkatest-" + randomHex(8),
		"enable.auto.commit":       false,
		"enable.auto.offset.store": false,
		"auto.offset.reset":        "earliest",
		"enable.partition.eof":     true,
		"isolation.level":          isolation,
		// The broker holds a fetch at the end of a partition this long
		// before answering (and the EOF comes with the answer).
		"fetch.wait.max.ms": 100,
		// A test broker restarting is not worth a line per connection.
		"log.connection.close": false,
	})
	if err != nil {
		return nil, fmt.Errorf("create consumer for %s: %w", brokers, err)
	}
	return c, nil
}

func newAdmin(tb testing.TB, brokers string) *kafka.AdminClient {
	tb.Helper()
	a, err := kafka.NewAdminClient(&kafka.ConfigMap{"bootstrap.servers": brokers})
	if err != nil {
		tb.Fatalf("create admin client for %s: %v", brokers, err)
	}
	tb.Cleanup(a.Close)
	return a
}

func fromKafka(m *kafka.Message) Message {
	var headers map[string]string
	if len(m.Headers) > 0 {
		headers = make(map[string]string, len(m.Headers))
		for _, h := range m.Headers {
			headers[h.Key] = string(h.Value)
		}
	}
	return Message{
		Topic:     *m.TopicPartition.Topic,
		Partition: m.TopicPartition.Partition,
		Offset:    int64(m.TopicPartition.Offset),
		Key:       m.Key,
		Value:     m.Value,
		Headers:   headers,
		Timestamp: m.Timestamp,
	}
}

func unfinished(state map[partitionKey]*progress) string {
	var s []string
	for k, p := range state {
		if !p.done {
			s = append(s, fmt.Sprintf("%s at offset %d, end offset %d at the start, no EOF", k, p.next, p.high))
		}
	}
	slices.Sort(s)
	return fmt.Sprintf("%d of %d partitions not read to the end: %s", len(s), len(state), strings.Join(s, ", "))
}

func lastErrText(err error) string {
	if err == nil {
		return ""
	}
	return "; last error: " + err.Error()
}

func remainingMs(ctx context.Context) int {
	d, ok := ctx.Deadline()
	if !ok {
		return 30_000
	}
	return max(int(time.Until(d).Milliseconds()), 1)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails since Go 1.24
	return hex.EncodeToString(b)
}
