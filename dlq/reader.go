package dlq

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// stallTimeout is how long a read waits without a message or the end of a
// partition before it gives up: the broker is gone or unreachable.
const stallTimeout = time.Minute

// Read returns the outstanding entries of the DLQ topic: every partition
// read from the beginning to its end, each failure once in its newest
// version, resolved ones left out, in replay order (see [Outstanding]). A
// topic that does not exist yet holds nothing.
func Read(ctx context.Context, brokers string, props map[string]string, topic string) ([]*Entry, error) {
	versions, err := ReadVersions(ctx, brokers, props, topic)
	if err != nil {
		return nil, err
	}
	return Outstanding(versions), nil
}

// ReadVersions returns every message of the DLQ topic as it is, resolution
// markers and repeated failures included, ordered by DLQ partition and
// offset. It reads as a read_committed consumer that is assigned the
// partitions and commits nothing, so it leaves no trace on the broker.
func ReadVersions(ctx context.Context, brokers string, props map[string]string, topic string) ([]*Entry, error) {
	c, err := newConsumer(brokers, props)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	parts, err := partitions(ctx, c, topic)
	if errors.Is(err, errNoTopic) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read dlq %s: %w", topic, err)
	}
	// A partition has been read when the consumer has passed the end offset
	// the broker gave at the start (for read_committed, the last stable
	// offset), or when the broker reports its end, whichever comes first.
	end := map[int32]int64{}
	var assign []kafka.TopicPartition
	for _, p := range parts {
		low, high, err := c.QueryWatermarkOffsets(topic, p, remainingMs(ctx))
		if err != nil {
			return nil, fmt.Errorf("read dlq %s: query the end of partition %d: %w", topic, p, err)
		}
		// An empty partition reports its end only after a fetch: skip it.
		if high > low {
			end[p] = high
			assign = append(assign, kafka.TopicPartition{Topic: &topic, Partition: p, Offset: kafka.OffsetBeginning})
		}
	}
	if len(assign) == 0 {
		return nil, nil
	}
	if err := c.Assign(assign); err != nil {
		return nil, fmt.Errorf("read dlq %s: assign partitions: %w", topic, err)
	}
	var versions []*Entry
	var lastErr error
	progress := time.Now()
	for len(end) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("read dlq %s: %w", topic, err)
		}
		if time.Since(progress) > stallTimeout {
			return nil, fmt.Errorf("read dlq %s: nothing received for %s with %d partitions not read to the end%s", topic, stallTimeout, len(end), lastErrText(lastErr))
		}
		var p int32
		switch ev := c.Poll(100).(type) {
		case *kafka.Message:
			if ev.TopicPartition.Error != nil {
				lastErr = ev.TopicPartition.Error
				continue
			}
			p = ev.TopicPartition.Partition
			high, ok := end[p]
			if !ok {
				continue // read already
			}
			progress = time.Now()
			e, err := FromMessage(ev)
			if err != nil {
				return nil, fmt.Errorf("read dlq %s: %w", topic, err)
			}
			versions = append(versions, e)
			if int64(ev.TopicPartition.Offset)+1 < high {
				continue
			}
		case kafka.PartitionEOF:
			p = ev.Partition
			if _, ok := end[p]; !ok {
				continue
			}
			progress = time.Now()
		case kafka.Error:
			if ev.IsFatal() {
				return nil, fmt.Errorf("read dlq %s: %w", topic, ev)
			}
			lastErr = ev
			continue
		default:
			continue
		}
		delete(end, p)
		// Later records are not part of this read: stop fetching them.
		_ = c.Pause([]kafka.TopicPartition{{Topic: &topic, Partition: p}})
	}
	slices.SortFunc(versions, func(a, b *Entry) int {
		return cmp.Or(cmp.Compare(a.DLQPartition, b.DLQPartition), cmp.Compare(a.DLQOffset, b.DLQOffset))
	})
	return versions, nil
}

// Newest returns each failure once, in its newest version, in replay order.
// A failure is one change of one route: two targets fed by the same topic
// can each have the same ID in the DLQ, as two entries.
//
// The newest version is the resolution marker if there is one: a resolution
// is final. Otherwise it is the one with the most attempts (a replay writes a
// change that still fails again with attempts+1), and of versions with as
// many attempts (an applier that crashed after writing the DLQ writes the
// same failure again) the one written last.
//
// Replay order is by original topic, partition and offset: the order in
// which the changes were consumed, which per key is the order in which they
// were made.
func Newest(versions []*Entry) []*Entry {
	type identity struct {
		route, topic string
		partition    int32
		offset       int64
	}
	newest := map[identity]*Entry{}
	for _, v := range versions {
		id := identity{v.Route, v.Topic, v.Partition, v.Offset}
		if old, ok := newest[id]; !ok || newer(v, old) {
			newest[id] = v
		}
	}
	out := make([]*Entry, 0, len(newest))
	for _, e := range newest {
		out = append(out, e)
	}
	slices.SortFunc(out, replayOrder)
	return out
}

// Outstanding returns the entries still to be replayed: [Newest] without
// the resolved ones.
func Outstanding(versions []*Entry) []*Entry {
	return slices.DeleteFunc(Newest(versions), func(e *Entry) bool { return e.Resolved })
}

// newer reports whether version a of a failure supersedes version b.
func newer(a, b *Entry) bool {
	if a.Resolved != b.Resolved {
		return a.Resolved
	}
	if a.Attempts != b.Attempts {
		return a.Attempts > b.Attempts
	}
	// With the same key, both are in one DLQ partition, in the order written.
	return cmp.Or(cmp.Compare(a.DLQPartition, b.DLQPartition), cmp.Compare(a.DLQOffset, b.DLQOffset)) > 0
}

func replayOrder(a, b *Entry) int {
	return cmp.Or(
		strings.Compare(a.Topic, b.Topic),
		cmp.Compare(a.Partition, b.Partition),
		cmp.Compare(a.Offset, b.Offset),
		strings.Compare(a.Route, b.Route),
	)
}

var errNoTopic = errors.New("topic does not exist")

// consumerOnly lists the properties a reader sets itself; producerOnly, the
// ones a consumer refuses.
var (
	consumerOnly = map[string]bool{
		"bootstrap.servers": true, "group.id": true, "isolation.level": true,
		"enable.auto.commit": true, "enable.auto.offset.store": true,
		"auto.offset.reset": true, "enable.partition.eof": true,
	}
	producerOnly = map[string]bool{
		"linger.ms": true, "compression.type": true, "batch.size": true, "acks": true,
		"queue.buffering.max.messages": true, "queue.buffering.max.kbytes": true,
		"transaction.timeout.ms": true, "enable.idempotence": true, "transactional.id": true,
		"delivery.timeout.ms": true, "message.timeout.ms": true, "retries": true,
		"batch.num.messages": true, "compression.codec": true,
	}
)

func newConsumer(brokers string, props map[string]string) (*kafka.Consumer, error) {
	cm := kafka.ConfigMap{
		// Nothing fetched is committed and the partitions are assigned, not
		// subscribed to, so this group never forms on the broker.
		"bootstrap.servers": brokers, "group.id": "ferry-dlq-reader",
		"isolation.level": "read_committed", "enable.auto.commit": false,
		"enable.auto.offset.store": false, "auto.offset.reset": "earliest",
		"enable.partition.eof": true,
		// The broker answers a fetch at the end of a partition after this
		// long, with the end: a read of a quiet topic ends fast.
		"fetch.wait.max.ms":      100,
		"go.logs.channel.enable": false,
	}
	for k, v := range props {
		if !consumerOnly[k] && !producerOnly[k] {
			cm[k] = v
		}
	}
	c, err := kafka.NewConsumer(&cm)
	if err != nil {
		return nil, fmt.Errorf("create dlq consumer: %w", err)
	}
	return c, nil
}

// partitions lists the topic's partitions, waiting a while if one has no
// leader (as just after the topic was created).
func partitions(ctx context.Context, c *kafka.Consumer, topic string) ([]int32, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		md, err := c.GetMetadata(&topic, false, remainingMs(ctx))
		if err != nil {
			return nil, fmt.Errorf("metadata: %w", err)
		}
		t := md.Topics[topic]
		switch t.Error.Code() {
		case kafka.ErrNoError:
		case kafka.ErrUnknownTopicOrPart, kafka.ErrUnknownTopic:
			return nil, errNoTopic
		default:
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
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("metadata: partitions without a leader (%v): %w", err, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func allLed(parts []kafka.PartitionMetadata) bool {
	for _, p := range parts {
		if p.Leader < 0 || p.Error.Code() != kafka.ErrNoError {
			return false
		}
	}
	return true
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
