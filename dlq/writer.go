package dlq

import (
	"context"
	"errors"
	"fmt"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// Writer produces DLQ entries and waits until Kafka has every one of them.
type Writer struct {
	p     *kafka.Producer
	topic string
}

// NewWriter connects an idempotent producer for topic. props are passed
// through (security settings and the like).
func NewWriter(brokers string, props map[string]string, topic string) (*Writer, error) {
	cm := kafka.ConfigMap{
		"bootstrap.servers": brokers, "enable.idempotence": true, "acks": "all",
		"linger.ms": 0, "go.logs.channel.enable": false,
	}
	for k, v := range props {
		if k != "bootstrap.servers" && k != "enable.idempotence" && k != "acks" {
			cm[k] = v
		}
	}
	p, err := kafka.NewProducer(&cm)
	if err != nil {
		return nil, fmt.Errorf("create dlq producer: %w", err)
	}
	go func() {
		for range p.Events() {
		}
	}()
	return &Writer{p: p, topic: topic}, nil
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
