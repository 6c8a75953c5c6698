package relay_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/internal/kafkatest"
	"github.com/ferry-cdc/ferry/relay"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// event is one message with its envelope parsed.
type event struct {
	partition int32
	key       string
	seq       int64
	op        string
	before    map[string]json.RawMessage
	after     map[string]json.RawMessage
	value     []byte
	headers   map[string]string
}

func events(t *testing.T, msgs []kafkatest.Message) []event {
	t.Helper()
	var out []event
	for _, m := range msgs {
		ev := event{partition: m.Partition, key: string(m.Key), value: m.Value, headers: m.Headers}
		ev.seq, _ = strconv.ParseInt(m.Headers["ferry.seq"], 10, 64)
		if m.Value != nil {
			var env struct {
				Op            string
				Before, After map[string]json.RawMessage
			}
			if err := json.Unmarshal(m.Value, &env); err != nil {
				t.Fatalf("not an envelope: %v: %s", err, m.Value)
			}
			ev.op, ev.before, ev.after = env.Op, env.Before, env.After
		}
		out = append(out, ev)
	}
	return out
}

// perKey lists each key's changes in partition order as "op:label", "~" for
// a tombstone; with the key's partition, which must be one.
func perKey(t *testing.T, evs []event, label string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	part := map[string]int32{}
	for _, ev := range evs {
		if p, ok := part[ev.key]; ok && p != ev.partition {
			t.Fatalf("key %s on partitions %d and %d", ev.key, p, ev.partition)
		}
		part[ev.key] = ev.partition
		switch {
		case ev.value == nil:
			out[ev.key] = append(out[ev.key], "~")
		case ev.after != nil:
			out[ev.key] = append(out[ev.key], ev.op+":"+strings.Trim(string(ev.after[label]), `"`))
		default:
			out[ev.key] = append(out[ev.key], ev.op)
		}
	}
	return out
}

// TestMovedKeysKeepTheSourcesOutcome (issue 8, item 1): statements that
// move keys onto each other reach Kafka as one net change per key, so that
// applying each key's changes in order gives the source's rows.
func TestMovedKeysKeepTheSourcesOutcome(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, []string{
		`CREATE TABLE slot (id int PRIMARY KEY, label text)`,
		`CREATE TABLE pair (id int PRIMARY KEY DEFERRABLE, label text)`,
	}, config.Table{Name: "slot"}, config.Table{Name: "pair"})
	// Rows written from 10 down to 1, so that a scan meets 10 first and the
	// immediate primary key allows id = id + 1.
	pgtest.Exec(t, e.db,
		`INSERT INTO slot SELECT g, 'was ' || g FROM generate_series(10, 1, -1) g`,
		`UPDATE slot SET id = id + 1 WHERE id <= 10`,
		`INSERT INTO pair SELECT g, 'was ' || g FROM generate_series(1, 4) g`,
		// A swap and a rotation in one statement each: only a deferrable key
		// allows them, checked at the statement's end.
		`UPDATE pair SET id = CASE id WHEN 1 THEN 2 ELSE 1 END WHERE id IN (1, 2)`,
		`UPDATE pair SET id = CASE id WHEN 4 THEN 2 ELSE id + 1 END WHERE id >= 2`)
	e.start()
	want := e.expected()
	kafkatest.WaitFor(t, e.brokers, e.topics(), want, time.Minute)
	msgs := kafkatest.ReadAll(t, e.brokers, e.topics())
	if len(msgs) != want {
		t.Fatalf("%d messages, want %d", len(msgs), want)
	}
	var slot, pair []event
	for i, ev := range events(t, msgs) {
		if msgs[i].Topic == relay.TopicName(e.cfg.Kafka.TopicPrefix, "public", "slot") {
			slot = append(slot, ev)
		} else {
			pair = append(pair, ev)
		}
	}

	got := perKey(t, slot, "label")
	wantSlot := map[string][]string{`{"id":1}`: {"c:was 1", "d", "~"}, `{"id":11}`: {"c:was 10"}}
	for k := 2; k <= 10; k++ {
		wantSlot[fmt.Sprintf(`{"id":%d}`, k)] = []string{fmt.Sprintf("c:was %d", k), fmt.Sprintf("u:was %d", k-1)}
	}
	for k, w := range wantSlot {
		if !slices.Equal(got[k], w) {
			t.Errorf("slot key %s: %v, want %v", k, got[k], w)
		}
	}
	// Each key's last change is the source's row.
	for key, changes := range perKey(t, pair, "label") {
		var id int
		fmt.Sscanf(key, `{"id":%d}`, &id)
		var label string
		if err := e.db.QueryRow(`SELECT label FROM pair WHERE id = $1`, id).Scan(&label); err != nil {
			t.Fatalf("pair %d: %v", id, err)
		}
		if last := changes[len(changes)-1]; last != "u:"+label {
			t.Errorf("pair key %s: changes %v, the source has %q", key, changes, label)
		}
	}
	if got := perKey(t, pair, "label")[`{"id":2}`]; !slices.Equal(got, []string{"c:was 2", "u:was 1", "u:was 4"}) {
		t.Errorf("pair key 2: %v", got)
	}
}

// TestTruncateReachesEveryPartitionInOrder: a TRUNCATE is one message on
// each partition of the table's topic, in the transaction of its batch,
// after every change committed before it and before every later one.
func TestTruncateReachesEveryPartitionInOrder(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, []string{
		`CREATE TABLE parent (id int PRIMARY KEY, v int)`,
		`CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent, v int)`,
	}, config.Table{Name: "parent"}, config.Table{Name: "child"})
	// The child's topic exists already with 5 partitions: the relay must
	// read how many a topic has, not assume its own default of 3.
	kafkatest.CreateTopic(t, relay.TopicName(e.cfg.Kafka.TopicPrefix, "public", "child"), 5, nil)
	pgtest.Exec(t, e.db,
		`INSERT INTO parent SELECT g, g FROM generate_series(1, 50) g`,
		`INSERT INTO child SELECT g, g, g FROM generate_series(1, 50) g`,
		`TRUNCATE parent CASCADE`,
		`INSERT INTO parent SELECT g, -g FROM generate_series(1, 20) g`,
		`TRUNCATE parent, child`,
		`INSERT INTO parent VALUES (1, 1)`)
	e.start()
	// 50 + 20 + 1 creates; 2 truncates on 3 partitions of parent; 50 creates
	// and 2 truncates on 5 partitions of child.
	want := 71 + 2*3 + 50 + 2*5
	msgs := kafkatest.WaitFor(t, e.brokers, e.topics(), want, time.Minute)
	time.Sleep(time.Second)
	msgs = kafkatest.ReadAll(t, e.brokers, e.topics())
	if len(msgs) != want {
		t.Fatalf("%d messages, want %d", len(msgs), want)
	}
	for _, topic := range e.topics() {
		var truncates []int64
		byPartition := map[int32][]kafkatest.Message{}
		for _, m := range msgs {
			if m.Topic == topic {
				byPartition[m.Partition] = append(byPartition[m.Partition], m)
			}
		}
		parts := 3
		if strings.HasSuffix(topic, ".child") {
			parts = 5
		}
		if len(byPartition) > parts {
			t.Fatalf("%s: messages on %d partitions", topic, len(byPartition))
		}
		for p := range int32(parts) {
			var seen []int64
			last := int64(0)
			for _, m := range byPartition[p] {
				seq, _ := strconv.ParseInt(m.Headers["ferry.seq"], 10, 64)
				if seq < last {
					t.Errorf("%s[%d]: seq %d after %d", topic, p, seq, last)
				}
				last = seq
				var env struct {
					Op            string
					Before, After json.RawMessage
				}
				json.Unmarshal(m.Value, &env)
				if env.Op != "t" {
					continue
				}
				if m.Key != nil || string(env.Before) != "null" || string(env.After) != "null" {
					t.Errorf("%s[%d]: truncate with key %q before %s after %s", topic, p, m.Key, env.Before, env.After)
				}
				if m.Headers["ferry.partitions"] != strconv.Itoa(parts) || m.Headers["ferry.txid"] == "" || m.Headers["ferry.source"] == "" {
					t.Errorf("%s[%d]: truncate headers %v", topic, p, m.Headers)
				}
				seen = append(seen, seq)
			}
			if len(seen) != 2 {
				t.Fatalf("%s[%d]: %d truncates, want 2", topic, p, len(seen))
			}
			if truncates == nil {
				truncates = seen
			} else if !slices.Equal(truncates, seen) {
				t.Errorf("%s: partition %d has truncates %v, partition 0 %v", topic, p, seen, truncates)
			}
		}
		// Every change before the first truncate's seq is an insert of the
		// first round, every one after the second is the last insert.
		for _, m := range msgs {
			seq, _ := strconv.ParseInt(m.Headers["ferry.seq"], 10, 64)
			if m.Topic != topic || slices.Contains(truncates, seq) {
				continue
			}
			var env struct{ After map[string]json.RawMessage }
			json.Unmarshal(m.Value, &env)
			v, _ := strconv.Atoi(string(env.After["v"]))
			switch {
			case seq < truncates[0] && v <= 0, seq > truncates[0] && seq < truncates[1] && v >= 0,
				seq > truncates[1] && (v != 1 || !strings.HasSuffix(topic, ".parent")):
				t.Errorf("%s: change v=%d at seq %d is on the wrong side of the truncates %v", topic, v, seq, truncates)
			}
		}
	}
}

// TestKeysAndImagesDoNotDependOnTheSession (issue 7, item 3): the same row
// written from sessions with every setting that changes a value's text
// reaches Kafka with byte-identical keys and after images.
func TestKeysAndImagesDoNotDependOnTheSession(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, []string{
		`CREATE TABLE reading (sensor int, taken_at timestamptz, amount numeric, factor float8,
			PRIMARY KEY (sensor, taken_at, amount, factor),
			value int, day date, at timestamp, span interval, raw bytea, ratio real, cost numeric, f2 float4,
			stamps timestamptz[], spans interval[], raws bytea[], grid int[], old timestamptz, note text)`,
	}, config.Table{Name: "reading"})
	sessions := [][]string{
		{"SET TimeZone = 'UTC'"},
		{"SET TimeZone = 'Asia/Tokyo'", "SET DateStyle = 'SQL, DMY'", "SET IntervalStyle = 'postgres_verbose'",
			"SET extra_float_digits = -15", "SET bytea_output = 'escape'", "SET lc_numeric = 'C'", "SET lc_time = 'C'", "SET lc_monetary = 'C'"},
		{"SET TimeZone = 'America/St_Johns'", "SET DateStyle = 'German'", "SET IntervalStyle = 'sql_standard'",
			"SET extra_float_digits = 3", "SET bytea_output = 'hex'"},
		{"SET TimeZone = 'Asia/Kathmandu'", "SET DateStyle = 'Postgres, MDY'", "SET IntervalStyle = 'iso_8601'",
			"SET extra_float_digits = 0", "SET lc_numeric = 'C.utf8'"},
		{"SET TimeZone = '-13:45'", "SET DateStyle = 'ISO, YMD'", "SET IntervalStyle = 'postgres'", "SET extra_float_digits = 1"},
	}
	// One row, written by each session in turn: insert, update, delete. The
	// key's numeric and float are written in forms that are one value.
	amounts := []string{"1.5", "1.50", "1.5000", "001.5", "1.50"}
	factors := []string{"'0'", "'-0'", "'0.0'", "'-0.0'", "'0e10'"}
	row := `'2024-06-30 23:59:59.654321+05:30', %s, %s, 7, '2024-02-29', '2024-02-29 13:14:15.5', '1 day 02:03:04.5',
		'\x00ff'::bytea, 0.1, 1.10, 3.4028235e38, ARRAY['1850-01-01 00:00 UTC', '0044-03-15 12:00 UTC BC']::timestamptz[],
		ARRAY['1 mon 2 days', '-3 hours']::interval[], ARRAY['\x01'::bytea], '[0:1]={1,2}', '1850-01-01 00:00 UTC', 'n'`
	for i, s := range sessions {
		conn, err := e.db.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, stmt := range append(s,
			fmt.Sprintf(`INSERT INTO reading VALUES (1, `+row+`)`, amounts[i], factors[i]),
			`UPDATE reading SET value = value + 1`,
			`UPDATE reading SET amount = 1.5000, factor = '-0'`, // the same key, written again
			`DELETE FROM reading`) {
			if _, err := conn.ExecContext(context.Background(), stmt); err != nil {
				t.Fatalf("session %d: %s: %v", i, stmt, err)
			}
		}
		conn.Close()
	}
	e.start()
	// Per session a create, an update, the key written again (an update, or
	// where its text changed a delete and a create, in that order) and a
	// delete.
	want := e.expected()
	evs := events(t, kafkatest.WaitFor(t, e.brokers, e.topics(), want, time.Minute))
	if len(evs) != want || want < 5*len(sessions) {
		t.Fatalf("%d messages, want %d (at least %d)", len(evs), want, 5*len(sessions))
	}
	var ops []string
	for _, ev := range evs {
		ops = append(ops, ev.op)
	}
	if got := strings.Join(ops, " "); strings.Count(got, "c u d  c d ") != len(sessions) {
		t.Errorf("changes of the row: %s", got)
	}
	keys := map[string]bool{}
	var afters []string
	for _, ev := range evs {
		keys[ev.key] = true
		if ev.op == "c" {
			var img strings.Builder
			for _, k := range []string{"taken_at", "value", "day", "at", "span", "raw", "ratio", "cost", "f2", "stamps", "spans", "raws", "grid", "old", "note"} {
				fmt.Fprintf(&img, "%s=%s ", k, ev.after[k])
			}
			afters = append(afters, img.String())
		}
	}
	t.Logf("%d messages", len(evs))
	if len(keys) != 1 {
		t.Errorf("one row has %d keys: %v", len(keys), keys)
	}
	wantKey := `{"sensor":1,"taken_at":"2024-06-30T18:29:59.654321+00:00","amount":"1.5","factor":0}`
	if !keys[wantKey] {
		t.Errorf("key %v, want %s", keys, wantKey)
	}
	// Creates alternate: the insert's (value 7), the key written again's
	// (value 8), session after session.
	if len(afters) != 2*len(sessions) {
		t.Fatalf("%d creates, want %d", len(afters), 2*len(sessions))
	}
	for i, a := range afters {
		if a != afters[i%2] {
			t.Errorf("create %d's after image differs from the first session's:\n %s\n %s", i, a, afters[i%2])
		}
	}
	for _, want := range []string{
		`taken_at="2024-06-30T18:29:59.654321+00:00"`, `span="P1DT2H3M4.5S"`, `raw="AP8="`, `ratio=0.1 `, `f2=3.4028235e+38`,
		`stamps=["1850-01-01T00:00:00+00:00","-0043-03-15T12:00:00+00:00"]`, `spans=["P1M2D","PT-3H"]`,
		`grid="[0:1]={1,2}"`, `old="1850-01-01T00:00:00+00:00"`, `day="2024-02-29"`, `at="2024-02-29T13:14:15.5"`,
	} {
		if !strings.Contains(afters[0], want) {
			t.Errorf("after image lacks %s:\n %s", want, afters[0])
		}
	}
	t.Log(afters[0])
}
