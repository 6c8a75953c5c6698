package kafkaread_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/ferry-cdc/ferry/internal/kafkaread"
	"github.com/ferry-cdc/ferry/internal/kafkatest"
)

// TestReadToEndTransactions writes a committed and an aborted transaction over
// two partitions, so that each partition ends with an abort marker that no
// consumer is given: only the partition EOF can end the read of either.
func TestReadToEndTransactions(t *testing.T) {
	t.Parallel()
	brokers := kafkatest.Brokers(t)
	prefix := kafkatest.Prefix(t)
	topic := prefix + ".tx"
	kafkatest.CreateTopic(t, topic, 2, nil)
	produce(t, brokers, prefix+"-tx", topic, batch{"c", 10, true}, batch{"a", 6, false})

	for _, tc := range []struct {
		name string
		opts kafkaread.Options
		want string
	}{
		// The read sets the isolation level itself, and a consumer refuses
		// producer properties: both are left out.
		{"read_committed", kafkaread.Options{Props: map[string]string{"isolation.level": "read_uncommitted", "linger.ms": "5"}}, "c0-c9"},
		{"read_uncommitted", kafkaread.Options{ReadUncommitted: true}, "a0-a5 c0-c9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// A stall well inside the context: if the EOF did not end a
			// partition, the read would give up saying so.
			tc.opts.Stall = 10 * time.Second
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			got := map[string]bool{}
			next := map[int32]int64{}
			err := kafkaread.ToEnd(ctx, brokers, []string{topic}, tc.opts, func(m *kafka.Message) error {
				p, off := m.TopicPartition.Partition, int64(m.TopicPartition.Offset)
				if off < next[p] {
					t.Errorf("partition %d: offset %d after %d", p, off, next[p]-1)
				}
				next[p] = off + 1
				if got[string(m.Key)] {
					t.Errorf("key %s read twice", m.Key)
				}
				got[string(m.Key)] = true
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if s := keys(got); s != tc.want {
				t.Errorf("read %s, want %s", s, tc.want)
			}
			if len(next) != 2 {
				t.Errorf("read partitions %v, want 0 and 1", next)
			}
		})
	}

	t.Run("fn error", func(t *testing.T) {
		t.Parallel()
		stop := errors.New("stop")
		calls := 0
		err := kafkaread.ToEnd(context.Background(), brokers, []string{topic}, kafkaread.Options{}, func(*kafka.Message) error {
			calls++
			return stop
		})
		if err != stop || calls != 1 {
			t.Errorf("ToEnd returned %v after %d calls, want fn's error after 1", err, calls)
		}
	})

	t.Run("span", func(t *testing.T) {
		t.Parallel()
		// 16 records and 2 markers on each of the two partitions.
		span, err := kafkaread.Span(context.Background(), brokers, []string{topic}, kafkaread.Options{})
		if err != nil || span != 20 {
			t.Errorf("Span = %d, %v; want 20", span, err)
		}
	})
}

// TestReadToEndIncomplete ends a read after its first message: the error names
// the partitions not read to the end, how far each got and where it ends.
func TestReadToEndIncomplete(t *testing.T) {
	t.Parallel()
	brokers := kafkatest.Brokers(t)
	prefix := kafkatest.Prefix(t)
	topic := prefix + ".cut"
	kafkatest.CreateTopic(t, topic, 2, nil)
	produce(t, brokers, prefix+"-tx", topic, batch{"c", 10, true})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var first *kafka.Message
	err := kafkaread.ToEnd(ctx, brokers, []string{topic}, kafkaread.Options{}, func(m *kafka.Message) error {
		if first == nil {
			first = m
			cancel()
		}
		return nil
	})
	inc, ok := errors.AsType[*kafkaread.IncompleteError](err)
	if !ok || !errors.Is(err, context.Canceled) {
		t.Fatalf("ToEnd returned %v, want an IncompleteError for context.Canceled", err)
	}
	if inc.Partitions != 2 || len(inc.Unfinished) == 0 || len(inc.Unfinished) > 2 {
		t.Fatalf("%d of %d partitions unfinished: %v", len(inc.Unfinished), inc.Partitions, inc.Unfinished)
	}
	for _, p := range inc.Unfinished {
		// Five records and a commit marker in each partition.
		if p.Topic != topic || p.End != 6 || p.Next < 0 || p.Next >= p.End {
			t.Errorf("unfinished %+v: want %s ending at 6", p, topic)
		}
		if p.Partition == first.TopicPartition.Partition && p.Next == 0 {
			t.Errorf("unfinished %+v: the first message, at offset %d, is not counted", p, first.TopicPartition.Offset)
		}
	}
	want := fmt.Sprintf("context canceled: %d of 2 partitions not read to the end: %s[%d] at offset %d, end offset 6 at the start, no EOF",
		len(inc.Unfinished), topic, inc.Unfinished[0].Partition, inc.Unfinished[0].Next)
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q, want it to start %q", err, want)
	}
}

func TestReadToEndEmptyTopic(t *testing.T) {
	t.Parallel()
	brokers := kafkatest.Brokers(t)
	topic := kafkatest.Prefix(t) + ".empty"
	kafkatest.CreateTopic(t, topic, 3, nil)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	calls := 0
	err := kafkaread.ToEnd(ctx, brokers, []string{topic}, kafkaread.Options{}, func(*kafka.Message) error {
		calls++
		return nil
	})
	t.Logf("read of an empty topic took %s", time.Since(start))
	if err != nil || calls != 0 {
		t.Errorf("ToEnd of an empty topic: %d messages, %v", calls, err)
	}
	if span, err := kafkaread.Span(ctx, brokers, []string{topic}, kafkaread.Options{}); err != nil || span != 0 {
		t.Errorf("Span of an empty topic = %d, %v", span, err)
	}
}

func TestReadToEndMissingTopic(t *testing.T) {
	t.Parallel()
	brokers := kafkatest.Brokers(t)
	prefix := kafkatest.Prefix(t)
	there, missing := prefix+".there", prefix+".never"
	kafkatest.CreateTopic(t, there, 1, nil)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := kafkaread.ToEnd(ctx, brokers, []string{there, missing}, kafkaread.Options{}, func(*kafka.Message) error {
		t.Error("fn called for a read of a missing topic")
		return nil
	})
	if !errors.Is(err, kafkaread.ErrNoTopic) || !strings.Contains(err.Error(), missing) {
		t.Errorf("ToEnd of %s returned %v, want ErrNoTopic naming it", missing, err)
	}
	if _, err := kafkaread.Span(ctx, brokers, []string{missing}, kafkaread.Options{}); !errors.Is(err, kafkaread.ErrNoTopic) {
		t.Errorf("Span of %s returned %v, want ErrNoTopic", missing, err)
	}
	if names := kafkatest.Topics(t, brokers, missing); len(names) != 0 {
		t.Errorf("reading created %v", names)
	}
}

// batch is one transaction of n records keyed prefix0, prefix1, …, spread
// over partitions 0 and 1.
type batch struct {
	prefix string
	n      int
	commit bool
}

func produce(t *testing.T, brokers, transactionalID, topic string, batches ...batch) {
	t.Helper()
	p, err := kafka.NewProducer(&kafka.ConfigMap{
		"bootstrap.servers": brokers, "transactional.id": transactionalID,
		"go.delivery.reports": false, // a failed send fails the commit
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := p.InitTransactions(ctx); err != nil {
		t.Fatalf("init transactions: %v", err)
	}
	for _, b := range batches {
		if err := p.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		for i := range b.n {
			m := &kafka.Message{
				TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: int32(i % 2)},
				Key:            fmt.Appendf(nil, "%s%d", b.prefix, i),
			}
			if err := p.Produce(m, nil); err != nil {
				t.Fatal(err)
			}
		}
		// Delivered before an abort, so that read_uncommitted sees them.
		if left := p.Flush(60_000); left != 0 {
			t.Fatalf("%d records not delivered", left)
		}
		end := p.CommitTransaction
		if !b.commit {
			end = p.AbortTransaction
		}
		if err := end(ctx); err != nil {
			t.Fatalf("end transaction %s: %v", b.prefix, err)
		}
	}
}

// keys lists the keys read as ranges per prefix: "a0-a5 c0-c9".
func keys(read map[string]bool) string {
	n := map[string]int{}
	for k := range read {
		n[k[:1]]++
	}
	var s []string
	for _, prefix := range []string{"a", "c"} {
		if n[prefix] > 0 {
			s = append(s, fmt.Sprintf("%s0-%s%d", prefix, prefix, n[prefix]-1))
		}
	}
	return strings.Join(s, " ")
}
