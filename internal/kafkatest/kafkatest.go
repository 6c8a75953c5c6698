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

	"github.com/ferry-cdc/ferry/internal/kafkaread"
	"github.com/ferry-cdc/ferry/internal/latency"
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
			case ok && t.Error.Code() == kafka.ErrNoError && len(t.Partitions) == partitions && !slices.ContainsFunc(t.Partitions, leaderless):
				return
			}
		}
		if ctx.Err() != nil {
			tb.Fatalf("create topic %s: metadata does not show its %d partitions with a leader after 60s (last error: %v)", name, partitions, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func leaderless(p kafka.PartitionMetadata) bool {
	return p.Leader < 0 || p.Error.Code() != kafka.ErrNoError
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

// TopicConfig returns a topic's configs as the broker applies them.
func TopicConfig(tb testing.TB, brokers, topic string) map[string]string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := newAdmin(tb, brokers).DescribeConfigs(ctx, []kafka.ConfigResource{{Type: kafka.ResourceTopic, Name: topic}})
	if err != nil {
		tb.Fatalf("describe the configs of topic %s: %v", topic, err)
	}
	out := map[string]string{}
	for _, r := range res {
		if r.Error.Code() != kafka.ErrNoError {
			tb.Fatalf("describe the configs of topic %s: %v", topic, r.Error)
		}
		for k, v := range r.Config {
			out[k] = v.Value
		}
	}
	return out
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
	timeout     time.Duration
	uncommitted bool
}

// WithTimeout bounds the whole read, from connecting to the last partition's
// end (default 60s).
func WithTimeout(d time.Duration) ReadOption {
	return func(o *readOptions) { o.timeout = d }
}

// ReadUncommitted reads records of aborted and open transactions too, as a
// consumer with isolation.level=read_uncommitted would.
func ReadUncommitted() ReadOption {
	return func(o *readOptions) { o.uncommitted = true }
}

// ReadAll reads every partition of topics from the beginning to its end and
// returns the messages ordered by topic, partition and offset, but for the
// relay's heartbeats, which tests of changes do not count. The topics
// must exist.
//
// It reads as [kafkaread.ToEnd] does: for read_committed a partition ends at
// its last stable offset, so a transaction still open neither shows up nor
// holds the read back.
func ReadAll(tb testing.TB, brokers string, topics []string, opts ...ReadOption) []Message {
	tb.Helper()
	o := readOptions{timeout: 60 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	msgs, err := readAll(ctx, brokers, topics, o.uncommitted)
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
	for {
		// The end offsets bound from above what a read can return (they
		// count transaction markers and aborted records too), so polling
		// them is a cheap way to skip reads that cannot reach n.
		if span, err := kafkaread.Span(ctx, brokers, topics, readOpts(ctx, false)); err == nil && span >= int64(n) {
			if msgs, err := readAll(ctx, brokers, topics, false); err == nil && len(msgs) >= n {
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
	msgs, err := readAll(ctx, brokers, topics, false)
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

func readAll(ctx context.Context, brokers string, topics []string, uncommitted bool) ([]Message, error) {
	return readAllWith(ctx, brokers, topics, uncommitted, nil)
}

// readAllWith is readAll with the consumer's settings added to props.
func readAllWith(ctx context.Context, brokers string, topics []string, uncommitted bool, props map[string]string) ([]Message, error) {
	var msgs []Message
	opts := readOpts(ctx, uncommitted)
	for k, v := range props {
		opts.Props[k] = v
	}
	err := kafkaread.ToEnd(ctx, brokers, topics, opts, func(m *kafka.Message) error {
		if _, hb := latency.Heartbeat(m); !hb {
			msgs = append(msgs, fromKafka(m))
		}
		return nil
	})
	if inc, ok := errors.AsType[*kafkaread.IncompleteError](err); ok {
		isolation := "read_committed"
		if uncommitted {
			isolation = "read_uncommitted"
		}
		return nil, fmt.Errorf("read %v (%s): gave up after %d messages: %s", topics, isolation, len(msgs), inc.Progress())
	}
	if err != nil {
		return nil, fmt.Errorf("read %v: %w", topics, err)
	}
	slices.SortFunc(msgs, func(a, b Message) int {
		return cmp.Or(strings.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition), cmp.Compare(a.Offset, b.Offset))
	})
	return msgs, nil
}

func readOpts(ctx context.Context, uncommitted bool) kafkaread.Options {
	// A test's read is bounded by its timeout alone, not by a stall.
	deadline, _ := ctx.Deadline()
	return kafkaread.Options{
		ReadUncommitted: uncommitted,
		// A test broker restarting is not worth a line per connection.
		Props: map[string]string{"log.connection.close": "false"},
		Stall: time.Until(deadline),
	}
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

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails since Go 1.24
	return hex.EncodeToString(b)
}
