package relay_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/internal/kafkatest"
	"github.com/ferry-cdc/ferry/migrations"
	fsql "github.com/ferry-cdc/ferry/sql"
	"github.com/ferry-cdc/ferry/sql/postgres"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// preload writes rows without capturing them, as rows that existed before
// capture was installed: only a snapshot can publish them.
func (e *env) preload(stmts ...string) {
	e.t.Helper()
	ctx := context.Background()
	conn, err := e.db.Conn(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	defer conn.Close()
	// Ferry's triggers fire in every session (ENABLE ALWAYS), so the rows
	// are captured; emptying the outbox before any relay has read it makes
	// them rows from before capture.
	for _, s := range append(stmts, `DELETE FROM ferry.outbox`) {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			e.t.Fatalf("%s: %v", s, err)
		}
	}
}

// requestSnapshot asks for a snapshot of table as `ferry snapshot` does.
func (e *env) requestSnapshot(table string, chunk int, keys ...string) int64 {
	e.t.Helper()
	ctx := context.Background()
	reg, err := postgres.Dialect{}.Source().Capture().Registry(ctx, e.db, "ferry")
	if err != nil {
		e.t.Fatal(err)
	}
	q := fsql.SnapshotRequest{Schema: "public", Table: table, ChunkSize: chunk, Estimate: -1}
	for _, r := range reg {
		if r.Name == table {
			q.TableID = r.ID
		}
	}
	for _, k := range keys {
		q.Keys = append(q.Keys, []byte(k))
	}
	ids, err := postgres.Dialect{}.Source().Requests(e.db, "ferry").Add(ctx, []fsql.SnapshotRequest{q})
	if err != nil {
		e.t.Fatal(err)
	}
	return ids[0]
}

// waitSnapshot waits until the request's record says it has ended, and
// returns the record.
func (e *env) waitSnapshot(id int64, timeout time.Duration) fsql.SnapshotRequest {
	e.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		reqs, err := postgres.Dialect{}.Source().Requests(e.db, "ferry").List(context.Background(), true)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, q := range reqs {
			if q.ID == id && fsql.Terminal(q.State) {
				return q
			}
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("snapshot request %d has not ended after %s: %+v", id, timeout, reqs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// untilSentinel writes a row to table and reads the topics until it has
// arrived: everything committed before it is then in Kafka.
func (e *env) untilSentinel(table string, id int) []change {
	e.t.Helper()
	pgtest.Exec(e.t, e.db, fmt.Sprintf(`INSERT INTO %s (id, v, note) VALUES (%d, 0, 'sentinel')`, table, id))
	key := fmt.Sprintf(`{"id":%d}`, id)
	deadline := time.Now().Add(3 * time.Minute)
	for {
		got := decode(e.t.(*testing.T), kafkatest.WaitFor(e.t, e.brokers, e.topics(), 1, 3*time.Minute))
		for _, c := range got {
			if c.key == key && c.op == "c" {
				// Each partition was read to its end as it was when the read
				// reached it: read again, now that everything has committed.
				return decode(e.t.(*testing.T), kafkatest.ReadAll(e.t, e.brokers, e.topics(), kafkatest.WithTimeout(time.Minute)))
			}
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("the sentinel %s did not arrive", key)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestSnapshotOfAnEmptyTable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "empty")
	e.start()
	id := e.requestSnapshot("empty", 100)
	q := e.waitSnapshot(id, time.Minute)
	if q.State != fsql.SnapshotDone || q.Rows != 0 {
		t.Fatalf("snapshot of an empty table: %+v", q)
	}
	got := e.untilSentinel("empty", 1)
	if len(got) != 1 {
		t.Fatalf("%d messages, want the sentinel only: %+v", len(got), got)
	}
}

// TestSnapshotPublishesEveryRowOnce: rows that exist before capture reach
// Kafka as op r, each once, with their values, in small chunks; rows
// added later come as changes.
func TestSnapshotPublishesEveryRowOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "emp")
	e.preload(`INSERT INTO emp SELECT g, g * 10, 'row ' || g FROM generate_series(1, 1000) g`)
	e.start()
	id := e.requestSnapshot("emp", 64)
	if q := e.waitSnapshot(id, 2*time.Minute); q.State != fsql.SnapshotDone || q.Rows != 1000 {
		t.Fatalf("snapshot: %+v", q)
	}
	got := e.untilSentinel("emp", 5000)
	seen := map[string]int{}
	for _, c := range got {
		if c.op != "r" {
			continue
		}
		seen[c.key]++
		var k struct{ ID int }
		json.Unmarshal([]byte(c.key), &k)
		if string(c.after["v"]) != strconv.Itoa(k.ID*10) || string(c.after["note"]) != fmt.Sprintf(`"row %d"`, k.ID) {
			t.Errorf("key %s: after %v", c.key, c.after)
		}
	}
	for i := 1; i <= 1000; i++ {
		if n := seen[fmt.Sprintf(`{"id":%d}`, i)]; n != 1 {
			t.Errorf("key %d published %d times", i, n)
		}
	}
	if len(seen) != 1000 {
		t.Errorf("%d keys published, want 1000", len(seen))
	}
}

// TestSnapshotCompositeTextKey: a key of two text columns in an ICU
// collation, whose order is not the bytes' order, read in chunks of three:
// every row exactly once.
func TestSnapshotCompositeTextKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "other")
	// public.: the capture schema is called like the test's user, so it
	// comes first in the default search_path now.
	pgtest.Exec(t, e.db, `CREATE TABLE public.lines (region text COLLATE "en-US-x-icu", code text COLLATE "en-US-x-icu", qty int, PRIMARY KEY (region, code))`)
	e.addTable("lines")
	words := []string{"a", "B", "b", "é", "E", "Z", "_x", " lead", "ß", "ǅ", "中", "a b", "ab", "A"}
	var rows []string
	for _, r := range words {
		for _, c := range words {
			rows = append(rows, fmt.Sprintf("(%s, %s, %d)", quote(r), quote(c), len(rows)))
		}
	}
	e.preload(`INSERT INTO lines VALUES ` + join(rows))
	e.start()
	id := e.requestSnapshot("lines", 3)
	if q := e.waitSnapshot(id, 2*time.Minute); q.State != fsql.SnapshotDone || q.Rows != int64(len(rows)) {
		t.Fatalf("snapshot: %+v, want %d rows", q, len(rows))
	}
	pgtest.Exec(t, e.db, `INSERT INTO lines VALUES ('zzz', 'sentinel', -1)`)
	msgs := kafkatest.WaitFor(t, e.brokers, e.topics(), len(rows)+1, 2*time.Minute)
	seen := map[string]int{}
	for _, c := range decode(t, msgs) {
		if c.op == "r" {
			seen[c.key]++
		}
	}
	for _, r := range words {
		for _, c := range words {
			k, _ := json.Marshal(map[string]string{"region": r, "code": c})
			// The key keeps the table's key order: region, then code.
			key := fmt.Sprintf(`{"region":%s,"code":%s}`, mustJSON(r), mustJSON(c))
			if seen[key] != 1 {
				t.Errorf("key %s published %d times", k, seen[key])
			}
		}
	}
}

// TestSnapshotWhileRowsAreDeletedAndReinserted: writers delete, re-insert
// and update keys of the table for the whole snapshot, each write with a
// larger version; afterwards each key's last message is the source's row,
// and no key's versions ever go down in the stream.
func TestSnapshotWhileRowsAreDeletedAndReinserted(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "acct")
	const n = 3000
	pgtest.Exec(t, e.db, `CREATE SEQUENCE ver`)
	e.preload(fmt.Sprintf(`INSERT INTO acct SELECT g, nextval('ver'), '' FROM generate_series(1, %d) g`, n))
	e.start()
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for ctx.Err() == nil {
				// Each writer owns the keys congruent to w mod 4, so that a key's
				// versions increase in its commit order.
				k := rand.IntN(n/4)*4 + w + 1
				var stmts []string
				switch rand.IntN(3) {
				case 0:
					stmts = []string{fmt.Sprintf(`DELETE FROM acct WHERE id = %d`, k), fmt.Sprintf(`INSERT INTO acct VALUES (%d, nextval('ver'), 'again')`, k)}
				case 1:
					stmts = []string{fmt.Sprintf(`UPDATE acct SET v = nextval('ver'), note = 'upd' WHERE id = %d`, k)}
				default:
					stmts = []string{fmt.Sprintf(`DELETE FROM acct WHERE id = %d`, k)}
				}
				for _, s := range stmts {
					if _, err := e.db.Exec(s); err != nil && ctx.Err() == nil {
						t.Error(err)
						return
					}
				}
				time.Sleep(2 * time.Millisecond)
			}
		})
	}
	id := e.requestSnapshot("acct", 50)
	q := e.waitSnapshot(id, 3*time.Minute)
	stop()
	wg.Wait()
	if q.State != fsql.SnapshotDone {
		t.Fatalf("snapshot: %+v", q)
	}
	got := e.untilSentinel("acct", n+1)
	last := map[string]change{}
	ver := map[string]int64{}
	reads := 0
	for _, c := range got {
		if c.op == "r" {
			reads++
		}
		if c.tombstone || c.op == "d" {
			last[c.key] = c
			continue
		}
		v, _ := strconv.ParseInt(string(c.after["v"]), 10, 64)
		if v < ver[c.key] {
			t.Errorf("key %s went backwards: version %d (op %s) after %d", c.key, v, c.op, ver[c.key])
		}
		ver[c.key] = v
		last[c.key] = c
	}
	rows, err := e.db.Query(`SELECT id, v FROM acct WHERE id <= $1`, n)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	present := map[string]bool{}
	for rows.Next() {
		var id, v int64
		rows.Scan(&id, &v)
		k := fmt.Sprintf(`{"id":%d}`, id)
		present[k] = true
		if c := last[k]; c.tombstone || string(c.after["v"]) != strconv.FormatInt(v, 10) {
			t.Errorf("key %s: the source has version %d, the stream ends with %+v", k, v, c)
		}
	}
	for k, c := range last {
		if !present[k] && !c.tombstone && k != fmt.Sprintf(`{"id":%d}`, n+1) {
			t.Errorf("key %s: gone from the source, the stream ends with %+v", k, c)
		}
	}
	if reads == 0 || reads > n {
		t.Errorf("%d snapshot rows published for %d keys", reads, n)
	}
	t.Logf("%d messages, %d snapshot rows published, %d keys", len(got), reads, len(last))
}

func quote(s string) string { return "'" + s + "'" }

func join(items []string) string {
	out := ""
	for i, s := range items {
		if i > 0 {
			out += ", "
		}
		out += s
	}
	return out
}

func mustJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// addTable captures a table the test created itself, keyed by its primary
// key or by the key given.
func (e *env) addTable(name string, key ...string) {
	e.t.Helper()
	e.cfg.Sources[0].Tables = append(e.cfg.Sources[0].Tables, config.Table{Name: name, Key: key})
	e.tables = append(e.tables, name)
	reparse(e.t, e.cfg)
	m, err := migrations.New(&e.cfg.Sources[0], postgres.Dialect{}, e.db, quiet())
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := m.Up(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

// TestUpgradedRelayContinuesFromABarePosition: a relay from before
// snapshots stored the outbox position alone; the relay now wraps it, and
// must go on from the bare one without publishing anything twice.
func TestUpgradedRelayContinuesFromABarePosition(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "emp")
	pgtest.Exec(t, e.db, `INSERT INTO emp SELECT g, g, '' FROM generate_series(1, 5) g`)
	ob := postgres.Dialect{}.Source().Outbox(e.db, "ferry")
	var pos []byte
	for {
		b, err := ob.Read(context.Background(), pos, fsql.Limit{Rows: 100})
		if err != nil {
			t.Fatal(err)
		}
		pos = b.Next
		if len(b.Rows) == 0 {
			break
		}
	}
	topic := e.cfg.Relay.OffsetsTopic
	kafkatest.CreateTopic(t, topic, 1, map[string]string{"cleanup.policy": "compact"})
	pr, err := kafka.NewProducer(&kafka.ConfigMap{"bootstrap.servers": e.brokers, "go.delivery.reports": false})
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	if err := pr.Produce(&kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: 0}, Key: []byte(e.source().Name), Value: pos}, nil); err != nil {
		t.Fatal(err)
	}
	if n := pr.Flush(10_000); n > 0 {
		t.Fatal("the old position was not delivered")
	}
	pgtest.Exec(t, e.db, `INSERT INTO emp SELECT g, g, '' FROM generate_series(6, 8) g`)
	e.start()
	got := e.untilSentinel("emp", 100)
	var keys []string
	for _, c := range got {
		keys = append(keys, c.key)
	}
	if len(got) != 4 || got[0].key == `{"id":1}` {
		t.Fatalf("after a bare position past ids 1-5, got %v; want ids 6, 7, 8 and the sentinel", keys)
	}
}

// TestSnapshotCancel: a cancelled snapshot stops within about a second and
// the relay goes on publishing live changes.
func TestSnapshotCancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "emp")
	e.preload(`INSERT INTO emp SELECT g, g, '' FROM generate_series(1, 200000) g`)
	e.start()
	id := e.requestSnapshot("emp", 10)
	store := postgres.Dialect{}.Source().Requests(e.db, "ferry")
	deadline := time.Now().Add(time.Minute)
	for pgtest.QueryValue[int64](t, e.db, `SELECT rows_done FROM ferry.snapshot_request WHERE id = $1`, id) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the snapshot did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n, err := store.Cancel(context.Background(), "public", "emp"); err != nil || n != 1 {
		t.Fatalf("cancel: %d, %v", n, err)
	}
	time.Sleep(2 * time.Second)
	before := pgtest.QueryValue[int64](t, e.db, `SELECT rows_done FROM ferry.snapshot_request WHERE id = $1`, id)
	got := e.untilSentinel("emp", 300000)
	reads := 0
	for _, c := range got {
		if c.op == "r" {
			reads++
		}
	}
	q := e.waitSnapshot(id, time.Second)
	if q.State != fsql.SnapshotCancelled || reads == 0 || reads >= 200000 {
		t.Fatalf("after cancel: %+v, %d rows published", q, reads)
	}
	time.Sleep(time.Second)
	if now := decode(t, kafkatest.ReadAll(t, e.brokers, e.topics())); len(now) != len(got) {
		t.Fatalf("%d messages after the cancel settled, then %d: the snapshot goes on", len(got), len(now))
	}
	t.Logf("cancelled after %d rows (record: %d)", reads, before)
}

// TestSnapshotRowsHaveTheFormOfCapturedRows: every type of the foundation's
// list, inserted by a session with its own float, bytea, interval and date
// settings and captured by the trigger (op c), then snapshotted (op r): the
// two after-images in Kafka are the same bytes. The writer keeps the
// server's TimeZone: pinning it in the images is the capture task's change,
// which the snapshot's reads take from the same code when it lands.
func TestSnapshotRowsHaveTheFormOfCapturedRows(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "other")
	pgtest.Exec(t, e.db, "CREATE TABLE public.types ("+pgtest.AllTypesColumns+")")
	e.addTable("types")
	e.tables = []string{"types"}
	ctx := context.Background()
	conn, err := e.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`SET extra_float_digits = -3`, `SET bytea_output = 'escape'`, `SET intervalstyle = 'postgres_verbose'`,
		`SET datestyle = 'SQL, DMY'`, `INSERT INTO types VALUES ` + join(pgtest.AllTypesRows)} {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	conn.Close()
	e.start()
	// The captured rows first: a chunk read while they were unread would
	// rightly be dropped in favour of them.
	kafkatest.WaitFor(t, e.brokers, e.topics(), len(pgtest.AllTypesRows), time.Minute)
	id := e.requestSnapshot("types", 2)
	if q := e.waitSnapshot(id, time.Minute); q.State != fsql.SnapshotDone {
		t.Fatalf("snapshot: %+v", q)
	}
	msgs := kafkatest.WaitFor(t, e.brokers, e.topics(), 2*len(pgtest.AllTypesRows), time.Minute)
	after := map[string]map[string]string{} // key -> op -> after image
	for _, m := range msgs {
		var env struct {
			Op    string          `json:"op"`
			After json.RawMessage `json:"after"`
		}
		if err := json.Unmarshal(m.Value, &env); err != nil {
			t.Fatal(err)
		}
		if after[string(m.Key)] == nil {
			after[string(m.Key)] = map[string]string{}
		}
		after[string(m.Key)][env.Op] = string(env.After)
	}
	if len(after) != len(pgtest.AllTypesRows) {
		t.Fatalf("%d keys in Kafka, want %d", len(after), len(pgtest.AllTypesRows))
	}
	for key, ops := range after {
		if ops["c"] == "" || ops["c"] != ops["r"] {
			t.Errorf("key %s:\n captured    %s\n snapshotted %s", key, ops["c"], ops["r"])
		}
	}
}

// TestSnapshotKeysOfEveryKind: a key of a timestamp with time zone, a
// numeric and a uuid, read three rows a chunk; and a table keyed by a
// configured key without a primary key (backed by a unique index, as
// capture requires). Every row is published once.
func TestSnapshotKeysOfEveryKind(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "other")
	pgtest.Exec(t, e.db,
		`CREATE TABLE public.kinds (at timestamptz, n numeric(12,3), u uuid, v int, PRIMARY KEY (at, n, u))`,
		`CREATE TABLE public.badges (no int NOT NULL UNIQUE, holder text)`)
	e.addTable("kinds")
	e.addTable("badges", "no")
	e.tables = []string{"kinds", "badges"}
	e.preload(`INSERT INTO kinds SELECT '2024-01-01T00:00:00Z'::timestamptz + (g % 4) * interval '1.5 seconds',
		(g % 3) * 1.25 - 1, md5(g::text)::uuid, g FROM generate_series(1, 60) g`,
		`INSERT INTO badges SELECT g, 'h' || g FROM generate_series(1, 40) g`)
	e.start()
	a, b := e.requestSnapshot("kinds", 3), e.requestSnapshot("badges", 7)
	for id, want := range map[int64]int64{a: 60, b: 40} {
		if q := e.waitSnapshot(id, time.Minute); q.State != fsql.SnapshotDone || q.Rows != want {
			t.Fatalf("snapshot %d: %+v, want %d rows", id, q, want)
		}
	}
	seen := map[string]int{}
	for _, c := range decode(t, kafkatest.WaitFor(t, e.brokers, e.topics(), 100, time.Minute)) {
		seen[c.topic+" "+c.key]++
	}
	if len(seen) != 100 {
		t.Errorf("%d keys published, want 100", len(seen))
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s published %d times", k, n)
		}
	}
}
