package dlq

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/ferry-cdc/ferry/internal/kafkaread"
)

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
	var versions []*Entry
	err := kafkaread.ToEnd(ctx, brokers, []string{topic}, kafkaread.Options{Props: props}, func(m *kafka.Message) error {
		e, err := FromMessage(m)
		if err != nil {
			return err
		}
		versions = append(versions, e)
		return nil
	})
	if errors.Is(err, kafkaread.ErrNoTopic) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read dlq %s: %w", topic, err)
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
