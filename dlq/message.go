package dlq

import (
	"fmt"
	"strconv"
	"strings"
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
	// HeaderResolved marks a resolution: its value is the ID of the entry a
	// replay applied, which is outstanding no more.
	HeaderResolved = "ferry.dlq.resolved"
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
	// ClassUnique: another row kept the unique value it needs beyond the wait.
	ClassUnique = "unique"
	// ClassTruncate: a truncate of the source table that the route's
	// truncate: reject refused to apply. It is never replayed.
	ClassTruncate = "truncate"
	// ClassParked: an earlier change of the same key is in the DLQ; this one
	// waits behind it, to be replayed after it, in order.
	ClassParked = "parked"
)

// Entry is one failed change, or one version of it: the DLQ can hold the
// same failure more than once (see [Newest]).
type Entry struct {
	Topic     string
	Partition int32
	Offset    int64
	Key       []byte
	Value     []byte
	Route     string // the applier's route name, "<source>.<table> -> <target>.<table>"
	Class     string
	Error     string
	Rule      string
	First     time.Time
	Attempts  int

	// Resolved makes this a resolution marker (see [Entry.Resolution]):
	// only the identity, the route and the key are written, no value.
	Resolved bool

	// Where this version was read from in the DLQ topic, and its headers as
	// they were there. [FromMessage] sets them; the Writer ignores them.
	DLQPartition int32
	DLQOffset    int64
	Headers      []kafka.Header
}

// ID names the entry by where the change was consumed from.
func (e *Entry) ID() string { return fmt.Sprintf("%s/%d/%d", e.Topic, e.Partition, e.Offset) }

// ParseID splits an ID as [Entry.ID] writes it (a Kafka topic name cannot
// hold a '/').
func ParseID(id string) (topic string, partition int32, offset int64, err error) {
	parts := strings.Split(id, "/")
	if len(parts) != 3 || parts[0] == "" {
		return "", 0, 0, fmt.Errorf("entry ID %q: want topic/partition/offset", id)
	}
	topic, part, off := parts[0], parts[1], parts[2]
	p, err := strconv.ParseInt(part, 10, 32)
	if err != nil || p < 0 {
		return "", 0, 0, fmt.Errorf("entry ID %q: partition %q is not a partition number", id, part)
	}
	o, err := strconv.ParseInt(off, 10, 64)
	if err != nil || o < 0 {
		return "", 0, 0, fmt.Errorf("entry ID %q: offset %q is not an offset", id, off)
	}
	return topic, int32(p), o, nil
}

// Target is the name of the target the entry's route writes to, "" if the
// route name does not say.
func (e *Entry) Target() string {
	_, to, ok := strings.Cut(e.Route, " -> ")
	if !ok {
		return ""
	}
	target, _, _ := strings.Cut(to, ".")
	return target
}

// Resolution returns the marker that, written to the DLQ topic after e,
// resolves it: every reader then counts e (every version of it, of e's
// route) as replayed. The marker keeps e's key so that it lands in e's DLQ
// partition, after e.
func (e *Entry) Resolution() *Entry {
	return &Entry{Topic: e.Topic, Partition: e.Partition, Offset: e.Offset, Key: e.Key, Route: e.Route, Resolved: true}
}

func (e *Entry) message(topic string) *kafka.Message {
	h := func(k, v string) kafka.Header { return kafka.Header{Key: k, Value: []byte(v)} }
	m := &kafka.Message{
		TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: kafka.PartitionAny},
		Key:            e.Key,
		Headers: []kafka.Header{
			h(HeaderTopic, e.Topic),
			h(HeaderPartition, strconv.Itoa(int(e.Partition))),
			h(HeaderOffset, strconv.FormatInt(e.Offset, 10)),
			h(HeaderRoute, e.Route),
		},
	}
	if e.Resolved {
		m.Headers = append(m.Headers, h(HeaderResolved, e.ID()))
		return m
	}
	m.Value = e.Value
	m.Headers = append(m.Headers,
		h(HeaderClass, e.Class),
		h(HeaderError, clip(e.Error, maxErrorHeader)),
		h(HeaderRule, e.Rule),
		h(HeaderFirst, e.First.UTC().Format(time.RFC3339Nano)),
		h(HeaderAttempts, strconv.Itoa(e.Attempts)),
	)
	return m
}

// FromMessage reads an entry, or a resolution marker, back from a DLQ
// message.
func FromMessage(m *kafka.Message) (*Entry, error) {
	e := &Entry{
		Key: m.Key, Value: m.Value, Headers: m.Headers,
		DLQPartition: m.TopicPartition.Partition, DLQOffset: int64(m.TopicPartition.Offset),
	}
	var resolves string
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
		case HeaderResolved:
			e.Resolved, resolves = true, v
		}
		if err != nil {
			return nil, fmt.Errorf("dlq message at partition %d offset %d: header %s %q: %w", m.TopicPartition.Partition, m.TopicPartition.Offset, h.Key, v, err)
		}
	}
	if e.Topic == "" {
		return nil, fmt.Errorf("dlq message at partition %d offset %d has no %s header: not written by ferry", m.TopicPartition.Partition, m.TopicPartition.Offset, HeaderTopic)
	}
	if e.Resolved && resolves != e.ID() {
		return nil, fmt.Errorf("dlq message at partition %d offset %d: %s %q does not name the entry of its headers, %s", m.TopicPartition.Partition, m.TopicPartition.Offset, HeaderResolved, resolves, e.ID())
	}
	return e, nil
}

// maxErrorHeader bounds the error text an entry carries: a database's
// message may quote the value it refused, which can be a whole document,
// and the entry must fit the DLQ topic beside the value itself.
const maxErrorHeader = 8 << 10

// clip cuts s to at most n bytes, on a character boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = strings.ToValidUTF8(s[:n], "")
	return s + "… (cut at " + strconv.Itoa(n) + " bytes)"
}
