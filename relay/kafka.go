package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/ferry-cdc/ferry/change"
	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/internal/daemon"
	"github.com/ferry-cdc/ferry/internal/kafkaclient"
	"github.com/ferry-cdc/ferry/internal/kafkaread"
	"github.com/ferry-cdc/ferry/internal/latency"
)

// reserved are producer properties the relay sets itself; a config that
// sets them would break exactly-once.
var reserved = map[string]bool{
	"bootstrap.servers": true, "transactional.id": true, "enable.idempotence": true,
	"acks": true, "max.in.flight.requests.per.connection": true,
}

// sink produces batches to Kafka in transactions.
type sink struct {
	p       *kafka.Producer
	admin   *kafka.AdminClient
	kafka   config.Kafka
	offsets string // the offsets topic
	source  string
	log     *slog.Logger
	// fault is the first permanent error among the producer's events.
	fault *kafkaclient.Fault
	// partitionCache holds partition counts for heartbeats.
	partitionCache map[string]partitionCount
}

func newSink(ctx context.Context, k config.Kafka, txnID, offsetsTopic, source string, log *slog.Logger) (*sink, error) {
	cm := kafkaclient.Producer(k)
	// Defaults of the relay's own, which the config's properties override.
	for key, v := range map[string]kafka.ConfigValue{
		"linger.ms":                    0, // a batch is what one outbox read returns: no waiting for more
		"queue.buffering.max.messages": 500_000,
		"queue.buffering.max.kbytes":   1 << 20,
		"transaction.timeout.ms":       60_000,
	} {
		if _, set := k.Properties[key]; !set {
			cm[key] = v
		}
	}
	for key, v := range map[string]kafka.ConfigValue{
		"transactional.id": txnID, "enable.idempotence": true, "acks": "all",
		"go.delivery.reports": false,
	} {
		cm[key] = v
	}
	delete(cm, "max.in.flight.requests.per.connection")
	p, err := kafka.NewProducer(&cm)
	if err != nil {
		return nil, &daemon.Fatal{Err: fmt.Errorf("create kafka producer: %w", err)}
	}
	s := &sink{p: p, kafka: k, offsets: offsetsTopic, source: source, log: log, fault: kafkaclient.NewFault()}
	go s.drain()
	// InitTransactions aborts what an earlier producer with this id left
	// open and fences it: from here on only this producer can commit.
	ictx, cancel := s.fault.Context(ctx)
	defer cancel()
	if err := p.InitTransactions(ictx); err != nil {
		p.Close()
		return nil, s.cause(fmt.Errorf("init kafka transactions as %s: %w", txnID, err))
	}
	if s.admin, err = kafka.NewAdminClientFromProducer(p); err != nil {
		p.Close()
		return nil, fmt.Errorf("create kafka admin client: %w", err)
	}
	return s, nil
}

// cause returns the permanent error the producer reported, if any, which
// is why err happened; else err.
func (s *sink) cause(err error) error {
	if f := s.fault.Err(); f != nil {
		return f
	}
	return err
}

// drain empties the producer's event channel; with delivery reports off it
// carries only client-level errors, which the transaction commit reports too.
func (s *sink) drain() {
	for ev := range s.p.Events() {
		if e, ok := ev.(kafka.Error); ok && !s.fault.Observe(e) {
			s.log.Debug("kafka client", "err", e)
		}
	}
}

func (s *sink) close() {
	if s.admin != nil {
		s.admin.Close()
	}
	s.p.Close()
}

// ensureTopics creates the topics that do not exist yet.
func (s *sink) ensureTopics(ctx context.Context, specs []kafka.TopicSpecification) error {
	ctx, cancel := s.fault.Context(ctx)
	defer cancel()
	return s.cause(kafkaclient.CreateTopics(ctx, s.admin, specs))
}

// limits returns the largest change each topic takes (see kafkaclient.Limits).
func (s *sink) limits(ctx context.Context, topics []string) (map[string]int, error) {
	ctx, cancel := s.fault.Context(ctx)
	defer cancel()
	l, err := kafkaclient.Limits(ctx, s.admin, s.kafka, topics, s.log)
	return l, s.cause(err)
}

// position reads this source's last committed position from the offsets
// topic, as a read_committed consumer sees it; nil when there is none.
func (s *sink) position(ctx context.Context) ([]byte, error) {
	return readPosition(ctx, s.kafka, s.offsets, s.source)
}

func readPosition(ctx context.Context, k config.Kafka, offsets, source string) ([]byte, error) {
	var pos []byte
	brokers := strings.Join(k.Brokers, ",")
	err := kafkaread.ToEnd(ctx, brokers, []string{offsets}, kafkaread.Options{Props: kafkaclient.ConsumerProperties(k)}, func(m *kafka.Message) error {
		if string(m.Key) == source {
			pos = m.Value
		}
		return nil
	})
	if errors.Is(err, kafkaread.ErrNoTopic) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", offsets, err)
	}
	return pos, nil
}

// errRetryBatch means the transaction was aborted and the batch can be
// produced again from the same position.
var errRetryBatch = errors.New("kafka transaction aborted; the batch will be produced again")

// errFenced means another producer with this transactional.id has started:
// this relay must stop leading.
var errFenced = errors.New("fenced by another relay of this source")

// commit produces msgs and the new position in one transaction.
func (s *sink) commit(ctx context.Context, msgs []*kafka.Message, pos []byte) error {
	if err := s.p.BeginTransaction(); err != nil {
		return s.classify(ctx, err)
	}
	offsets := s.offsets
	all := append(msgs, &kafka.Message{
		TopicPartition: kafka.TopicPartition{Topic: &offsets, Partition: 0},
		Key:            []byte(s.source),
		Value:          pos,
	})
	for _, m := range all {
		for {
			err := s.p.Produce(m, nil)
			if err == nil {
				break
			}
			var ke kafka.Error
			if errors.As(err, &ke) && ke.Code() == kafka.ErrQueueFull && s.fault.Err() == nil {
				s.p.Flush(100)
				continue
			}
			return s.abort(ctx, err)
		}
	}
	cctx, cancel := s.fault.Context(ctx)
	defer cancel()
	for {
		err := s.p.CommitTransaction(cctx)
		if err == nil {
			return nil
		}
		var ke kafka.Error
		if errors.As(err, &ke) && ke.IsRetriable() && cctx.Err() == nil {
			continue
		}
		return s.classify(ctx, err)
	}
}

// classify turns a transactional error into what the caller must do, and
// aborts the transaction where Kafka asks for it.
func (s *sink) classify(ctx context.Context, err error) error {
	var ke kafka.Error
	isKafka := errors.As(err, &ke)
	aborted := false
	if isKafka && ke.TxnRequiresAbort() && !ke.IsFatal() {
		// librdkafka fails the producer for good if the abort overtakes
		// requests still in flight (librdkafka#4849): flush first.
		s.p.Flush(10_000)
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if aerr := s.p.AbortTransaction(actx); aerr != nil {
			return fmt.Errorf("abort kafka transaction after %v: %w", err, aerr)
		}
		aborted = true
	}
	if f := s.fault.Err(); f != nil {
		return f
	}
	if perm := kafkaclient.Permanent(err); perm != nil {
		return perm
	}
	switch {
	case !isKafka:
		return err
	case ke.Code() == kafka.ErrMsgSizeTooLarge:
		return tooLargeForTopic(s.kafka, err)
	case ke.IsFatal() || ke.Code() == kafka.ErrFenced || ke.Code() == kafka.ErrProducerFenced:
		return fmt.Errorf("%w: %v", errFenced, err)
	case aborted:
		return fmt.Errorf("%w: %v", errRetryBatch, err)
	}
	return fmt.Errorf("kafka: %w", err)
}

// abort ends a transaction that failed before its commit.
func (s *sink) abort(ctx context.Context, cause error) error {
	s.p.Flush(10_000)
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := s.p.AbortTransaction(actx); err != nil {
		return fmt.Errorf("%w: abort kafka transaction after %v: %v", errFenced, cause, err)
	}
	if perm := kafkaclient.Permanent(cause); perm != nil {
		return perm
	}
	if ke, ok := errors.AsType[kafka.Error](cause); ok && ke.Code() == kafka.ErrMsgSizeTooLarge {
		return tooLargeForTopic(s.kafka, cause)
	}
	return fmt.Errorf("kafka: %w", s.cause(cause))
}

// tooLargeForTopic is the error for a message a broker refused as too large.
// The relay checks every change against the limits it knows before it
// produces it, so this means a topic's max.message.bytes is smaller than
// the relay could see (its configs could not be read): retrying would fail
// the same way forever.
func tooLargeForTopic(k config.Kafka, err error) error {
	return &daemon.Fatal{Err: fmt.Errorf("kafka refused a message of this batch as larger than its topic takes (%w): "+
		"a topic's max.message.bytes is below the %d bytes kafka.max_message_bytes needs; raise it with %s "+
		"(the relay may not read the topics' configs, so it could not tell which)", err, kafkaclient.TopicMaxMessageBytes(kafkaclient.Limit(k)),
		kafkaclient.RaiseCommand(k, "<topic>"))}
}

// message builds the Kafka message for one event.
// Room is left for the header the caller adds (internal/latency).
func message(topic *string, source string, ev change.Event) *kafka.Message {
	h := make([]kafka.Header, 3, 4)
	h[0] = kafka.Header{Key: "ferry.source", Value: []byte(source)}
	h[1] = kafka.Header{Key: "ferry.seq", Value: strconv.AppendInt(nil, ev.Seq, 10)}
	h[2] = kafka.Header{Key: "ferry.txid", Value: strconv.AppendUint(nil, ev.TxID, 10)}
	return &kafka.Message{
		TopicPartition: kafka.TopicPartition{Topic: topic, Partition: kafka.PartitionAny},
		Key:            ev.Key,
		Value:          ev.Value,
		Headers:        h,
	}
}

// truncateMessages builds the messages of a truncate: one on each of the
// topic's n partitions, without a key, each saying n in ferry.partitions,
// so that a consumer can tell when every partition has reached it.
func truncateMessages(topic *string, source string, ev change.Event, n int, committed []byte) []*kafka.Message {
	out := make([]*kafka.Message, n)
	count := []byte(strconv.Itoa(n))
	for p := range n {
		m := message(topic, source, ev)
		m.TopicPartition.Partition = int32(p)
		m.Headers = append(m.Headers, kafka.Header{Key: "ferry.partitions", Value: count},
			kafka.Header{Key: latency.Header, Value: committed})
		out[p] = m
	}
	return out
}

// cachedPartitions is how many partitions a topic had at most a minute ago.
func (s *sink) cachedPartitions(ctx context.Context, topic string) (int, error) {
	if c, ok := s.partitionCache[topic]; ok && time.Since(c.at) < time.Minute {
		return c.n, nil
	}
	n, err := s.partitions(ctx, topic)
	if err != nil {
		return 0, err
	}
	if s.partitionCache == nil {
		s.partitionCache = map[string]partitionCount{}
	}
	s.partitionCache[topic] = partitionCount{n, time.Now()}
	return n, nil
}

type partitionCount struct {
	n  int
	at time.Time
}

// partitions reads how many partitions a topic has now: a truncate must
// reach each, including partitions added since the topic was created.
func (s *sink) partitions(ctx context.Context, topic string) (int, error) {
	timeout := 10 * time.Second
	if d, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(d))
	}
	md, err := s.admin.GetMetadata(&topic, false, int(timeout.Milliseconds()))
	if err != nil {
		return 0, fmt.Errorf("read the partitions of topic %s: %w", topic, err)
	}
	t, ok := md.Topics[topic]
	switch {
	case !ok:
		return 0, fmt.Errorf("read the partitions of topic %s: not in the metadata", topic)
	case t.Error.Code() != kafka.ErrNoError:
		return 0, fmt.Errorf("read the partitions of topic %s: %w", topic, t.Error)
	case len(t.Partitions) == 0:
		return 0, fmt.Errorf("read the partitions of topic %s: it has none", topic)
	}
	return len(t.Partitions), nil
}
