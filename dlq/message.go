package dlq

import (
	"fmt"
	"strconv"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// Header names.
const (
	HeaderTopic     = "ferry.dlq.topic"
	HeaderPartition = "ferry.dlq.partition"
	HeaderOffset    = "ferry.dlq.offset"
	HeaderRoute     = "ferry.dlq.route"
	HeaderClass     = "ferry.dlq.class"
	HeaderError     = "ferry.dlq.error"
	HeaderRule      = "ferry.dlq.rule"
	HeaderFirst     = "ferry.dlq.first_failure"
	HeaderAttempts  = "ferry.dlq.attempts"
)

// Error classes.
const (
	// ClassInvalid: the message is not a change at all (not JSON, wrong shape).
	ClassInvalid = "invalid"
	// ClassRejected: the target refused the change (a constraint, a type).
	ClassRejected = "rejected"
	// ClassRule: a rule with action reject fired.
	ClassRule = "rule"
	// ClassLookup: a lookup had no entry for the value.
	ClassLookup = "lookup"
	// ClassForeignKey: the row it refers to never arrived within the wait.
	ClassForeignKey = "foreign_key"
	// ClassParked: an earlier change of the same key is in the DLQ; this one
	// waits behind it, to be replayed after it, in order.
	ClassParked = "parked"
)

// Entry is one failed change.
type Entry struct {
	Topic     string
	Partition int32
	Offset    int64
	Key       []byte
	Value     []byte
	Route     string
	Class     string
	Error     string
	Rule      string
	First     time.Time
	Attempts  int
}

// ID names the entry by where the change was consumed from.
func (e *Entry) ID() string { return fmt.Sprintf("%s/%d/%d", e.Topic, e.Partition, e.Offset) }

func (e *Entry) message(topic string) *kafka.Message {
	h := func(k, v string) kafka.Header { return kafka.Header{Key: k, Value: []byte(v)} }
	return &kafka.Message{
		TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: kafka.PartitionAny},
		Key:            e.Key,
		Value:          e.Value,
		Headers: []kafka.Header{
			h(HeaderTopic, e.Topic),
			h(HeaderPartition, strconv.Itoa(int(e.Partition))),
			h(HeaderOffset, strconv.FormatInt(e.Offset, 10)),
			h(HeaderRoute, e.Route),
			h(HeaderClass, e.Class),
			h(HeaderError, e.Error),
			h(HeaderRule, e.Rule),
			h(HeaderFirst, e.First.UTC().Format(time.RFC3339Nano)),
			h(HeaderAttempts, strconv.Itoa(e.Attempts)),
		},
	}
}

// FromMessage reads an entry back from a DLQ message.
func FromMessage(m *kafka.Message) (*Entry, error) {
	e := &Entry{Key: m.Key, Value: m.Value}
	for _, h := range m.Headers {
		v := string(h.Value)
		var err error
		switch h.Key {
		case HeaderTopic:
			e.Topic = v
		case HeaderPartition:
			var p int
			p, err = strconv.Atoi(v)
			e.Partition = int32(p)
		case HeaderOffset:
			e.Offset, err = strconv.ParseInt(v, 10, 64)
		case HeaderRoute:
			e.Route = v
		case HeaderClass:
			e.Class = v
		case HeaderError:
			e.Error = v
		case HeaderRule:
			e.Rule = v
		case HeaderFirst:
			e.First, err = time.Parse(time.RFC3339Nano, v)
		case HeaderAttempts:
			e.Attempts, err = strconv.Atoi(v)
		}
		if err != nil {
			return nil, fmt.Errorf("dlq message at offset %d: header %s %q: %w", m.TopicPartition.Offset, h.Key, v, err)
		}
	}
	if e.Topic == "" {
		return nil, fmt.Errorf("dlq message at offset %d has no %s header: not written by ferry", m.TopicPartition.Offset, HeaderTopic)
	}
	return e, nil
}
