package kafkaread

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNoTopic is returned, wrapped with the topic's name, when a topic to
// read does not exist.
var ErrNoTopic = errors.New("topic does not exist")

// ErrStalled is why a read gave up when nothing arrived for
// [Options.Stall]: the broker is gone or unreachable.
var ErrStalled = errors.New("nothing received")

// IncompleteError is a read that ended before every partition was read to
// its end, because its context ended or it stalled. Its message says how
// far each unfinished partition got, for example
//
//	nothing received for 1m0s: 1 of 3 partitions not read to the end: dlq[2] at offset 17, end offset 40 at the start, no EOF; last error: …
type IncompleteError struct {
	// Err is why the read ended: the context's error, or one wrapping
	// [ErrStalled].
	Err error
	// Partitions counts the partitions of the read, empty ones included.
	Partitions int
	// Unfinished are the partitions not read to the end, by topic and
	// partition.
	Unfinished []Position
	// Last is the last error the consumer reported and got over, or nil.
	Last error
}

// Position is how far the read of one partition got.
type Position struct {
	Topic     string
	Partition int32
	// Next is the offset after the last message read, or the partition's
	// first offset.
	Next int64
	// End is the partition's end offset when the read started: for
	// read_committed, its last stable offset.
	End int64
}

func (e *IncompleteError) Error() string { return e.Err.Error() + ": " + e.Progress() }

func (e *IncompleteError) Unwrap() error { return e.Err }

// Progress is the message without the reason: which partitions were not
// read to the end, how far each got, and the last error.
func (e *IncompleteError) Progress() string {
	s := make([]string, len(e.Unfinished))
	for i, p := range e.Unfinished {
		s[i] = fmt.Sprintf("%s[%d] at offset %d, end offset %d at the start, no EOF", p.Topic, p.Partition, p.Next, p.End)
	}
	return fmt.Sprintf("%d of %d partitions not read to the end: %s%s", len(s), e.Partitions, strings.Join(s, ", "), lastErrText(e.Last))
}

func lastErrText(err error) string {
	if err == nil {
		return ""
	}
	return "; last error: " + err.Error()
}
