package kafkaread

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/ferry-cdc/ferry/internal/kafkaclient"
)

// managed lists the properties the reader sets itself.
var managed = map[string]bool{
	"bootstrap.servers": true, "group.id": true, "isolation.level": true,
	"enable.auto.commit": true, "enable.auto.offset.store": true,
	"auto.offset.reset": true, "enable.partition.eof": true,
}

func newConsumer(brokers string, opts Options) (*kafka.Consumer, error) {
	isolation := "read_committed"
	if opts.ReadUncommitted {
		isolation = "read_uncommitted"
	}
	cm := kafka.ConfigMap{
		// A group.id is required, but nothing fetched is committed and the
		// partitions are assigned, not subscribed to, so this group never
		// forms on the broker.
		"bootstrap.servers": brokers, "group.id": "ferry-kafkaread",
		"isolation.level": isolation, "enable.auto.commit": false,
		"enable.auto.offset.store": false, "auto.offset.reset": "earliest",
		"enable.partition.eof": true,
		// The broker answers a fetch at the end of a partition after this
		// long, with the end: a read of a quiet topic ends fast.
		"fetch.wait.max.ms":      100,
		"go.logs.channel.enable": false,
	}
	for k, v := range kafkaclient.ConsumerOnly(opts.Props) {
		if !managed[k] {
			cm[k] = v
		}
	}
	c, err := kafka.NewConsumer(&cm)
	if err != nil {
		return nil, fmt.Errorf("create consumer for %s: %w", brokers, err)
	}
	return c, nil
}

type partition struct {
	topic string
	id    int32
}

func (p partition) String() string { return fmt.Sprintf("%s[%d]", p.topic, p.id) }

// bound is where a partition starts and ends: its low and high watermarks,
// or for read_committed its last stable offset as the high one.
type bound struct {
	partition
	low, high int64
}

// bounds returns the bounds of the partitions of topics, by topic and
// partition, waiting up to wait for partitions without a leader.
func bounds(ctx context.Context, c *kafka.Consumer, topics []string, wait time.Duration) ([]bound, error) {
	var out []bound
	for _, topic := range slices.Compact(slices.Sorted(slices.Values(topics))) {
		ids, err := partitions(ctx, c, topic, wait)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			p := partition{topic, id}
			low, high, err := watermarks(ctx, c, topic, id)
			if err != nil {
				return nil, fmt.Errorf("query the watermarks of %s: %w", p, err)
			}
			out = append(out, bound{p, low, high})
		}
	}
	return out, nil
}

// watermarks queries a partition's low and high offsets. Just after a topic
// is created, the broker its metadata names as leader may not lead it yet
// for a moment: that answer is asked again for up to ten seconds.
func watermarks(ctx context.Context, c *kafka.Consumer, topic string, partition int32) (low, high int64, err error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		low, high, err = c.QueryWatermarkOffsets(topic, partition, remainingMs(ctx))
		var ke kafka.Error
		if err == nil || !errors.As(err, &ke) || time.Now().After(deadline) || ctx.Err() != nil {
			return low, high, err
		}
		switch ke.Code() {
		case kafka.ErrNotLeaderForPartition, kafka.ErrLeaderNotAvailable, kafka.ErrUnknownTopicOrPart:
		default:
			return low, high, err
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// partitions lists the topic's partitions, waiting up to wait while one has
// no leader (as just after the topic was created).
func partitions(ctx context.Context, c *kafka.Consumer, topic string, wait time.Duration) ([]int32, error) {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	for {
		// Short tries: when the brokers refuse the connection, the cause
		// (wrong credentials, an untrusted certificate) comes as an event,
		// and GetMetadata only times out.
		md, err := c.GetMetadata(&topic, false, min(remainingMs(ctx), 1000))
		if perm := permanentEvent(c); perm != nil {
			return nil, perm
		}
		if err == nil {
			t := md.Topics[topic]
			switch t.Error.Code() {
			case kafka.ErrNoError:
			case kafka.ErrUnknownTopicOrPart, kafka.ErrUnknownTopic:
				return nil, fmt.Errorf("%s: %w", topic, ErrNoTopic)
			default:
				if perm := kafkaclient.Permanent(t.Error); perm != nil {
					return nil, fmt.Errorf("metadata of %s: %w", topic, perm)
				}
				err = t.Error
			}
			if err == nil && len(t.Partitions) > 0 && allLed(t.Partitions) {
				ids := make([]int32, len(t.Partitions))
				for i, p := range t.Partitions {
					ids[i] = p.ID
				}
				slices.Sort(ids)
				return ids, nil
			}
		}
		select {
		case <-ctx.Done():
			if err != nil {
				return nil, fmt.Errorf("metadata of %s: %w", topic, err)
			}
			return nil, fmt.Errorf("metadata of %s: partitions without a leader: %w", topic, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// permanentEvent returns the first permanent error among the events
// waiting on c, if any; it is used before partitions are assigned, when
// errors are the only events.
func permanentEvent(c *kafka.Consumer) error {
	for {
		ev := c.Poll(0)
		if ev == nil {
			return nil
		}
		if e, ok := ev.(kafka.Error); ok {
			if perm := permanent(e); perm != nil {
				return perm
			}
		}
	}
}

// permanent is kafkaclient.Permanent, less the group's authorization: a
// read is assigned its partitions and commits nothing, so it never needs
// its group (the consumer still looks for the group's coordinator, which a
// principal without an ACL on the group is refused).
func permanent(e kafka.Error) error {
	if e.Code() == kafka.ErrGroupAuthorizationFailed {
		return nil
	}
	if perm := kafkaclient.Permanent(e); perm != nil {
		return perm
	}
	return nil
}

func allLed(parts []kafka.PartitionMetadata) bool {
	for _, p := range parts {
		if p.Leader < 0 || p.Error.Code() != kafka.ErrNoError {
			return false
		}
	}
	return true
}

// remainingMs is the time left before ctx's deadline, for librdkafka calls
// that take a timeout rather than a context.
func remainingMs(ctx context.Context) int {
	d, ok := ctx.Deadline()
	if !ok {
		return 30_000
	}
	return max(int(time.Until(d).Milliseconds()), 1)
}

// Watermark is a partition's low watermark and, for a read_committed
// consumer, its last stable offset: where a reader that commits the
// offsets it has applied is at the end.
type Watermark struct {
	Topic     string
	Partition int32
	Low, High int64
}

// Watermarker reads watermarks with a consumer of its own, which is never
// assigned a partition: reading them polls it for errors, which would take
// the messages of a consumer in use.
type Watermarker struct{ c *kafka.Consumer }

// NewWatermarker connects a read_committed Watermarker to brokers.
func NewWatermarker(brokers string, opts Options) (*Watermarker, error) {
	c, err := newConsumer(brokers, opts)
	if err != nil {
		return nil, err
	}
	return &Watermarker{c}, nil
}

// Close closes its consumer.
func (w *Watermarker) Close() { w.c.Close() }

// Read reads the watermarks of every partition of topics; a topic that
// does not exist has none.
func (w *Watermarker) Read(ctx context.Context, topics []string) ([]Watermark, error) {
	var out []Watermark
	for _, t := range topics {
		bs, err := bounds(ctx, w.c, []string{t}, 5*time.Second)
		if errors.Is(err, ErrNoTopic) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, b := range bs {
			out = append(out, Watermark{Topic: b.topic, Partition: b.id, Low: b.low, High: b.high})
		}
	}
	return out, nil
}

// ReadWatermarks reads the watermarks of topics once.
func ReadWatermarks(ctx context.Context, brokers string, topics []string, opts Options) ([]Watermark, error) {
	w, err := NewWatermarker(brokers, opts)
	if err != nil {
		return nil, err
	}
	defer w.Close()
	return w.Read(ctx, topics)
}
