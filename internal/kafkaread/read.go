package kafkaread

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// Options says how to read.
type Options struct {
	// ReadUncommitted reads the records of aborted and open transactions
	// too; the default is read_committed.
	ReadUncommitted bool
	// Props are librdkafka properties for the consumer, such as security
	// settings. Producer properties, which a consumer refuses, and the ones
	// the read sets itself (group, isolation, offsets, EOF) are left out.
	Props map[string]string
	// Stall is how long a read waits, for partitions to have a leader or
	// for a message or the end of a partition, before it gives up with
	// [ErrStalled] (default 60s).
	Stall time.Duration
}

func (o Options) stall() time.Duration {
	if o.Stall <= 0 {
		return time.Minute
	}
	return o.Stall
}

// ToEnd reads every partition of topics from the beginning up to its end at
// the time of the call and calls fn for each message, in offset order per
// partition. Records written after the call started are not read.
//
// A topic that does not exist is an error wrapping [ErrNoTopic]. A read
// that ends before the end, because ctx ends or nothing arrives for
// [Options.Stall], returns an [*IncompleteError]. An error from fn ends the
// read and is returned as it is.
func ToEnd(ctx context.Context, brokers string, topics []string, opts Options, fn func(*kafka.Message) error) error {
	c, err := newConsumer(brokers, opts)
	if err != nil {
		return err
	}
	defer c.Close()
	parts, err := bounds(ctx, c, topics, opts.stall())
	if err != nil {
		return err
	}
	unfinished := make(map[partition]*Position, len(parts))
	var assign []kafka.TopicPartition
	for _, p := range parts {
		// An empty partition sends EOF too, but only after a fetch round
		// trip: skipping it makes reading empty topics fast.
		if p.high <= p.low {
			continue
		}
		unfinished[p.partition] = &Position{Topic: p.topic, Partition: p.id, Next: p.low, End: p.high}
		assign = append(assign, kafka.TopicPartition{Topic: &p.topic, Partition: p.id, Offset: kafka.OffsetBeginning})
	}
	if len(assign) == 0 {
		return nil
	}
	if err := c.Assign(assign); err != nil {
		return fmt.Errorf("assign partitions: %w", err)
	}
	var lastErr error
	incomplete := func(why error) error {
		e := &IncompleteError{Err: why, Partitions: len(parts), Last: lastErr}
		for _, p := range unfinished {
			e.Unfinished = append(e.Unfinished, *p)
		}
		slices.SortFunc(e.Unfinished, func(a, b Position) int {
			return cmp.Or(strings.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition))
		})
		return e
	}
	progress := time.Now()
	for len(unfinished) > 0 {
		if err := ctx.Err(); err != nil {
			return incomplete(err)
		}
		if time.Since(progress) > opts.stall() {
			return incomplete(fmt.Errorf("%w for %s", ErrStalled, opts.stall()))
		}
		var key partition
		switch ev := c.Poll(100).(type) {
		case *kafka.Message:
			key = partition{*ev.TopicPartition.Topic, ev.TopicPartition.Partition}
			// Such a message is a fetch error for the partition, not a record.
			if ev.TopicPartition.Error != nil {
				lastErr = fmt.Errorf("%s: %w", key, ev.TopicPartition.Error)
				continue
			}
			p := unfinished[key]
			if p == nil {
				continue // read to the end already
			}
			progress = time.Now()
			if err := fn(ev); err != nil {
				return err
			}
			p.Next = int64(ev.TopicPartition.Offset) + 1
			if p.Next < p.End {
				continue
			}
		case kafka.PartitionEOF:
			key = partition{*ev.Topic, ev.Partition}
			if unfinished[key] == nil {
				continue
			}
			progress = time.Now()
		case kafka.Error:
			if perm := permanent(ev); perm != nil {
				return perm
			}
			if ev.IsFatal() {
				return ev
			}
			lastErr = ev
			continue
		default:
			continue
		}
		delete(unfinished, key)
		// Later records are not part of this read: stop fetching them.
		_ = c.Pause([]kafka.TopicPartition{{Topic: &key.topic, Partition: key.id}})
	}
	return nil
}

// Span returns how many offsets the partitions of topics hold now, from
// each one's start to its end (for read_committed, its last stable offset).
// That is no fewer than the messages [ToEnd] would read, since transaction
// markers and aborted records take offsets too, and costs no fetch: a cheap
// way to tell that a read cannot return n messages yet.
func Span(ctx context.Context, brokers string, topics []string, opts Options) (int64, error) {
	c, err := newConsumer(brokers, opts)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	parts, err := bounds(ctx, c, topics, opts.stall())
	if err != nil {
		return 0, err
	}
	var n int64
	for _, p := range parts {
		n += p.high - p.low
	}
	return n, nil
}
