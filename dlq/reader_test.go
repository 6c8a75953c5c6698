package dlq

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/internal/kafkatest"
)

const (
	toBranch = "hq.public.emp -> branch.public.staff"
	toHub    = "hq.public.emp -> hub.public.emp"
)

// version is one message of the DLQ, at DLQ partition 0 and offset at.
func version(route string, partition int32, offset int64, attempts int, at int64) *Entry {
	return &Entry{
		Topic: "p.hq.public.emp", Partition: partition, Offset: offset, Route: route,
		Class: ClassRejected, Error: fmt.Sprintf("attempt %d", attempts), Attempts: attempts,
		DLQOffset: at,
	}
}

func resolution(route string, partition int32, offset int64, at int64) *Entry {
	e := version(route, partition, offset, 0, at).Resolution()
	e.DLQOffset = at
	return e
}

// names lists entries as "route-target id attempts", or "resolved".
func names(entries []*Entry) []string {
	var s []string
	for _, e := range entries {
		what := fmt.Sprint(e.Attempts)
		if e.Resolved {
			what = "resolved"
		}
		s = append(s, e.Target()+" "+e.ID()+" "+what)
	}
	return s
}

func TestOutstandingKeepsTheNewestVersionOfEachFailureInReplayOrder(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		versions []*Entry
		want     []string
	}{
		{"nothing", nil, nil},
		{
			"ordered by topic, partition and offset, not by DLQ position",
			[]*Entry{version(toBranch, 1, 2, 1, 0), version(toBranch, 0, 10, 1, 1), version(toBranch, 0, 9, 1, 2)},
			[]string{"branch p.hq.public.emp/0/9 1", "branch p.hq.public.emp/0/10 1", "branch p.hq.public.emp/1/2 1"},
		},
		{
			"the same failure written twice counts once",
			[]*Entry{version(toBranch, 0, 5, 1, 0), version(toBranch, 0, 5, 1, 1)},
			[]string{"branch p.hq.public.emp/0/5 1"},
		},
		{
			"a failed replay supersedes",
			[]*Entry{version(toBranch, 0, 5, 1, 0), version(toBranch, 0, 5, 2, 1)},
			[]string{"branch p.hq.public.emp/0/5 2"},
		},
		{
			"more attempts win even written before (a crashed applier's duplicate)",
			[]*Entry{version(toBranch, 0, 5, 2, 3), version(toBranch, 0, 5, 1, 4)},
			[]string{"branch p.hq.public.emp/0/5 2"},
		},
		{
			"resolved is gone",
			[]*Entry{version(toBranch, 0, 5, 1, 0), version(toBranch, 0, 6, 1, 1), resolution(toBranch, 0, 5, 2)},
			[]string{"branch p.hq.public.emp/0/6 1"},
		},
		{
			"a resolution is final",
			[]*Entry{version(toBranch, 0, 5, 1, 0), resolution(toBranch, 0, 5, 1), version(toBranch, 0, 5, 1, 2)},
			nil,
		},
		{
			"a resolution without the entry (deleted by retention) is harmless",
			[]*Entry{resolution(toBranch, 0, 5, 0)},
			nil,
		},
		{
			"two targets' failures of one change are two entries, resolved apart",
			[]*Entry{version(toHub, 0, 5, 1, 0), version(toBranch, 0, 5, 1, 1), version(toBranch, 0, 7, 1, 2), resolution(toHub, 0, 7, 3),
				version(toHub, 0, 7, 1, 4), resolution(toBranch, 0, 5, 5)},
			[]string{"hub p.hq.public.emp/0/5 1", "branch p.hq.public.emp/0/7 1"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := names(Outstanding(tc.versions))
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestNewestKeepsTheResolutions(t *testing.T) {
	t.Parallel()
	got := names(Newest([]*Entry{version(toBranch, 0, 5, 1, 0), resolution(toBranch, 0, 5, 1), version(toBranch, 0, 6, 3, 2)}))
	want := []string{"branch p.hq.public.emp/0/5 resolved", "branch p.hq.public.emp/0/6 3"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestAMessageReadsBackAsTheEntry(t *testing.T) {
	t.Parallel()
	first := time.Date(2025, 3, 1, 12, 0, 0, 123456789, time.FixedZone("CET", 3600))
	e := &Entry{
		Topic: "p.hq.public.emp", Partition: 2, Offset: 41, Key: []byte(`{"id":1}`), Value: []byte{0xff, 0},
		Route: toBranch, Class: ClassRule, Error: "pay < 0", Rule: "no_negative_pay", First: first, Attempts: 3,
	}
	for _, tc := range []struct {
		name string
		in   *Entry
	}{{"entry", e}, {"resolution", e.Resolution()}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := tc.in.message("dlq")
			m.TopicPartition.Partition, m.TopicPartition.Offset = 1, 7
			got, err := FromMessage(m)
			if err != nil {
				t.Fatal(err)
			}
			want := *tc.in
			want.DLQPartition, want.DLQOffset, want.Headers = 1, 7, m.Headers
			if !want.First.IsZero() {
				if !got.First.Equal(want.First) {
					t.Errorf("first failure %s, want %s", got.First, want.First)
				}
				got.First = want.First
			}
			if fmt.Sprintf("%+v", *got) != fmt.Sprintf("%+v", want) {
				t.Errorf("read back\n%+v\nwant\n%+v", *got, want)
			}
			if tc.in.Resolved && (m.Value != nil || !hasHeader(m, HeaderResolved, e.ID())) {
				t.Errorf("a resolution has value %q and headers %v", m.Value, m.Headers)
			}
		})
	}
}

func hasHeader(m *kafka.Message, key, value string) bool {
	for _, h := range m.Headers {
		if h.Key == key && string(h.Value) == value {
			return true
		}
	}
	return false
}

func TestAResolutionMustNameItsEntry(t *testing.T) {
	t.Parallel()
	m := version(toBranch, 0, 5, 1, 0).Resolution().message("dlq")
	for i, h := range m.Headers {
		if h.Key == HeaderResolved {
			m.Headers[i].Value = []byte("p.hq.public.emp/0/6")
		}
	}
	if _, err := FromMessage(m); err == nil || !strings.Contains(err.Error(), "does not name the entry") {
		t.Errorf("got %v", err)
	}
}

func TestParseID(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		id, want string // want: the ID parsed and written again, or the error
	}{
		{"p.hq.public.emp/0/17", "p.hq.public.emp/0/17"},
		{"a/b/3/4", `entry ID "a/b/3/4": want topic/partition/offset`},
		{"t/b/4", `entry ID "t/b/4": partition "b" is not a partition number`},
		{"t/0", `entry ID "t/0": want topic/partition/offset`},
		{"/0/1", `entry ID "/0/1": want topic/partition/offset`},
		{"t/1/x", `entry ID "t/1/x": offset "x" is not an offset`},
		{"t/-1/3", `entry ID "t/-1/3": partition "-1" is not a partition number`},
	} {
		topic, p, o, err := ParseID(tc.id)
		got := (&Entry{Topic: topic, Partition: p, Offset: o}).ID()
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("ParseID(%q): %s, want %s", tc.id, got, tc.want)
		}
	}
}

// TestReadReturnsTheOutstandingEntries writes what an applier and a replay
// write, through the Writer, and reads it back from the real broker.
func TestReadReturnsTheOutstandingEntries(t *testing.T) {
	t.Parallel()
	brokers := kafkatest.Brokers(t)
	topic := kafkatest.Prefix(t) + "._dlq"
	kafkatest.CreateTopic(t, topic, 3, nil)
	w, err := NewWriter(config.Kafka{Brokers: []string{brokers}}, topic)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	first := time.Date(2025, 3, 1, 12, 0, 0, 123456789, time.UTC)
	entry := func(route string, partition int32, offset int64, key string, attempts int, why string) *Entry {
		return &Entry{
			Topic: "p.hq.public.emp", Partition: partition, Offset: offset, Key: []byte(key),
			Value: []byte(fmt.Sprintf(`{"op":"u","after":{"id":%d}}`, offset)), Route: route, Class: ClassRejected,
			Error: why, First: first.Add(time.Duration(offset) * time.Second), Attempts: attempts,
		}
	}
	dup := entry(toBranch, 0, 5, `{"id":1}`, 1, "duplicate key")
	retried := entry(toBranch, 0, 3, `{"id":2}`, 1, "value too long")
	replayed := entry(toBranch, 1, 2, `{"id":3}`, 1, "check constraint")
	other := entry(toHub, 0, 5, `{"id":1}`, 1, "no column pay")
	binary := entry(toBranch, 0, 9, "", 1, "not a change")
	binary.Key, binary.Value, binary.Class = nil, []byte{0xff, 0xfe}, ClassInvalid
	retriedAgain := *retried
	retriedAgain.Attempts, retriedAgain.Error = 2, "value too long again"
	for _, batch := range [][]*Entry{
		{retried, dup, replayed, binary},
		{dup, other},                           // an applier that crashed after writing the DLQ writes again
		{&retriedAgain, replayed.Resolution()}, // a replay
	} {
		if err := w.Write(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}

	versions, err := ReadVersions(ctx, brokers, nil, topic)
	if err != nil {
		t.Fatal(err)
	}
	if len(versions) != 8 {
		t.Errorf("read %d versions, want the 8 written", len(versions))
	}
	got, err := Read(ctx, brokers, map[string]string{"client.id": "dlq-test", "linger.ms": "5"}, topic)
	if err != nil {
		t.Fatal(err)
	}
	want := []*Entry{&retriedAgain, dup, other, binary}
	if len(got) != len(want) {
		t.Fatalf("read\n%s\nwant\n%s", strings.Join(names(got), "\n"), strings.Join(names(want), "\n"))
	}
	for i, g := range got {
		w := want[i]
		if g.ID() != w.ID() || g.Route != w.Route || g.Class != w.Class || g.Error != w.Error ||
			g.Attempts != w.Attempts || !g.First.Equal(w.First) || g.Resolved ||
			!bytes.Equal(g.Key, w.Key) || !bytes.Equal(g.Value, w.Value) || (g.Key == nil) != (w.Key == nil) {
			t.Errorf("entry %d:\n%+v\nwant\n%+v", i, *g, *w)
		}
		if !hasVersionAt(versions, g) {
			t.Errorf("entry %s: DLQ partition %d offset %d is not where a version was read", g.ID(), g.DLQPartition, g.DLQOffset)
		}
	}
}

func hasVersionAt(versions []*Entry, e *Entry) bool {
	for _, v := range versions {
		if v.DLQPartition == e.DLQPartition && v.DLQOffset == e.DLQOffset {
			return v.ID() == e.ID() && v.Route == e.Route
		}
	}
	return false
}

func TestReadOfATopicNotCreatedYetIsEmpty(t *testing.T) {
	t.Parallel()
	brokers := kafkatest.Brokers(t)
	topic := kafkatest.Prefix(t) + "._dlq"
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	got, err := Read(ctx, brokers, nil, topic)
	if err != nil || len(got) != 0 {
		t.Fatalf("got %d entries, %v", len(got), err)
	}
	if names := kafkatest.Topics(t, brokers, topic); len(names) != 0 {
		t.Errorf("reading created %v", names)
	}
}
