package dlq

import (
	"context"
	"errors"
	"fmt"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/internal/kafkaclient"
)

// Writer produces DLQ entries and waits until Kafka has every one of them.
type Writer struct {
	p     *kafka.Producer
	topic string
	// fault is the first permanent error among the producer's events: the
	// writer then fails at once rather than when its messages time out.
	fault *kafkaclient.Fault
}

// NewWriter connects an idempotent producer for topic, sized for the
// largest change k allows: an entry holds the original value byte for
// byte, so it is as large as the change, plus its headers.
func NewWriter(k config.Kafka, topic string) (*Writer, error) {
	cm := kafkaclient.Producer(k)
	for key, v := range map[string]kafka.ConfigValue{"enable.idempotence": true, "acks": "all", "linger.ms": 0} {
		cm[key] = v
	}
	p, err := kafka.NewProducer(&cm)
	if err != nil {
		return nil, fmt.Errorf("create dlq producer: %w", err)
	}
	w := &Writer{p: p, topic: topic, fault: kafkaclient.NewFault()}
	go func() {
		for ev := range p.Events() {
			w.fault.Observe(ev)
		}
	}()
	return w, nil
}

// Topic is the DLQ topic.
func (w *Writer) Topic() string { return w.topic }

// Write produces entries and returns once every one is acknowledged, or the
// first error: an applier that cannot write its DLQ must not commit.
func (w *Writer) Write(ctx context.Context, entries []*Entry) error {
	if len(entries) == 0 {
		return nil
	}
	done := make(chan kafka.Event, len(entries))
	for _, e := range entries {
		if err := w.p.Produce(e.message(w.topic), done); err != nil {
			return fmt.Errorf("write dlq entry %s: %w", e.ID(), err)
		}
	}
	var errs []error
	for range entries {
		select {
		case ev := <-done:
			if m, ok := ev.(*kafka.Message); ok && m.TopicPartition.Error != nil {
				errs = append(errs, m.TopicPartition.Error)
			}
		case <-w.fault.Done():
			return fmt.Errorf("write dlq entries to %s: %w", w.topic, w.fault.Err())
		case <-ctx.Done():
			return fmt.Errorf("write dlq entries: %w", ctx.Err())
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("write dlq entries to %s: %w", w.topic, err)
	}
	return nil
}

// Close flushes and closes the producer.
func (w *Writer) Close() {
	w.p.Flush(5000)
	w.p.Close()
}
