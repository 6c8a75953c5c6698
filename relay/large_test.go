package relay_test

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/internal/kafkaclient"
	"github.com/ferry-cdc/ferry/internal/kafkatest"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// TestAChangeLargerThanTheLimitStopsTheRelayNamingIt: with
// kafka.max_message_bytes at 64 KiB, a change of about 100 KB between two
// small ones. The relay publishes the change before it, then stops at once
// with one error naming the source, table, key, seq, size and the setting
// to raise; the change after it is not in Kafka. Raised to 1 MiB and
// restarted, the relay raises its topic's max.message.bytes and publishes
// the rest, each change once, in order.
func TestAChangeLargerThanTheLimitStopsTheRelayNamingIt(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "emp")
	e.cfg.Kafka.MaxMessageBytes = 64 << 10
	pgtest.Exec(t, e.db,
		`INSERT INTO emp VALUES (1, 1, 'before')`,
		`INSERT INTO emp VALUES (2, 2, repeat('x', 100000))`,
		`INSERT INTO emp VALUES (3, 3, 'after')`)
	seq := pgtest.QueryValue[int64](t, e.db, `SELECT seq FROM ferry.outbox WHERE after->>'id' = '2'`)

	p := e.spawn()
	out := p.exited(t)
	t.Logf("the relay said:\n%s", out)
	if p.cmd.ProcessState.ExitCode() == 0 {
		t.Errorf("the relay exited 0:\n%s", out)
	}
	for _, want := range []string{
		"source " + e.source().Name, "table public.emp", `key {"id":2}`, "seq " + strconv.FormatInt(seq, 10),
		"more than kafka.max_message_bytes (65536)", "raise kafka.max_message_bytes above 1",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the error does not say %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "bytes in Kafka"); n != 1 {
		t.Errorf("the error is said %d times, want once:\n%s", n, out)
	}
	got := decode(t, kafkatest.ReadAll(t, e.brokers, e.topics()))
	if len(got) != 1 || got[0].key != `{"id":1}` {
		t.Fatalf("Kafka holds %+v, want only the change before the large one", got)
	}

	e.cfg.Kafka.MaxMessageBytes = 1 << 20
	p = e.spawn()
	got = decode(t, kafkatest.WaitFor(t, e.brokers, e.topics(), 3, time.Minute))
	time.Sleep(time.Second) // anything extra would arrive now
	got = decode(t, kafkatest.ReadAll(t, e.brokers, e.topics()))
	if code := p.stop(t); code != 0 {
		t.Errorf("relay exited %d on SIGINT:\n%s", code, p.out)
	}
	e.checkExactlyOnceInOrder(got)
	slices.SortFunc(got, func(a, b change) int { return cmp.Compare(a.seq, b.seq) })
	var keys []string
	for _, c := range got {
		keys = append(keys, c.key)
	}
	if strings.Join(keys, " ") != `{"id":1} {"id":2} {"id":3}` || len(got[1].after["note"]) != 100_002 {
		t.Errorf("Kafka holds %v, want ids 1, 2 (whole) and 3 in order", keys)
	}
	want := kafkaclient.TopicMaxMessageBytes(1 << 20)
	if v := kafkatest.TopicConfig(t, e.brokers, e.topics()[0])["max.message.bytes"]; v != fmt.Sprint(want) {
		t.Errorf("the topic's max.message.bytes is %s, want it raised to %d", v, want)
	}
	if !strings.Contains(p.out.String(), "raised a topic's max.message.bytes") {
		t.Errorf("the relay did not say it raised the topic's limit:\n%s", p.out)
	}
}

// TestAChangeLargerThanTheLimitInAChunkStopsTheRelay: the large change is
// the third of a five-row statement, one chunk, between two one-row
// statements. The relay publishes the change before the chunk and stops
// at once naming the large change (it once re-read the chunk for ever,
// publishing nothing); raised, it publishes the rest, each change once.
func TestAChangeLargerThanTheLimitInAChunkStopsTheRelay(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "emp")
	e.cfg.Kafka.MaxMessageBytes = 64 << 10
	pgtest.Exec(t, e.db,
		`INSERT INTO emp VALUES (1, 1, 'before')`,
		`INSERT INTO emp SELECT g, g, CASE WHEN g = 4 THEN repeat('x', 100000) ELSE 'small' END FROM generate_series(2, 6) g`,
		`INSERT INTO emp VALUES (7, 7, 'after')`)
	if n := pgtest.QueryValue[int](t, e.db, `SELECT count(*) FROM ferry.outbox WHERE changes = 5`); n != 1 {
		t.Fatalf("%d chunks of 5 changes, want the statement's one", n)
	}

	p := e.spawn()
	out := p.exited(t)
	if p.cmd.ProcessState.ExitCode() == 0 || !strings.Contains(out, `key {"id":4}`) || strings.Count(out, "bytes in Kafka") != 1 {
		t.Errorf("the relay exited %d; want an error naming key {\"id\":4} once:\n%s", p.cmd.ProcessState.ExitCode(), out)
	}
	got := decode(t, kafkatest.ReadAll(t, e.brokers, e.topics()))
	if len(got) != 1 || got[0].key != `{"id":1}` {
		t.Fatalf("Kafka holds %+v, want only the change before the chunk", got)
	}

	e.cfg.Kafka.MaxMessageBytes = 1 << 20
	p = e.spawn()
	kafkatest.WaitFor(t, e.brokers, e.topics(), 7, time.Minute)
	time.Sleep(time.Second) // anything extra would arrive now
	got = decode(t, kafkatest.ReadAll(t, e.brokers, e.topics()))
	if code := p.stop(t); code != 0 {
		t.Errorf("relay exited %d on SIGINT:\n%s", code, p.out)
	}
	e.checkExactlyOnceInOrder(got)
	if len(got) != 7 {
		t.Errorf("Kafka holds %d changes, want 7", len(got))
	}
}

// TestTheTopicsTakeTheLargestChange: the topics the relay creates take
// kafka.max_message_bytes, 16 MiB unless configured.
func TestTheTopicsTakeTheLargestChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "emp")
	pgtest.Exec(t, e.db, `INSERT INTO emp VALUES (1, 1, 'x')`)
	e.start()
	kafkatest.WaitFor(t, e.brokers, e.topics(), 1, time.Minute)
	want := fmt.Sprint(kafkaclient.TopicMaxMessageBytes(16 << 20))
	for _, topic := range []string{e.topics()[0], e.cfg.Relay.OffsetsTopic} {
		if v := kafkatest.TopicConfig(t, e.brokers, topic)["max.message.bytes"]; v != want {
			t.Errorf("topic %s: max.message.bytes %s, want %s", topic, v, want)
		}
	}
}
