package relay_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/internal/kafkatest"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

func TestOutOfOrderCommitArrivesOnceEach(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "emp")
	e.start()
	a, _ := e.db.Begin()
	b, _ := e.db.Begin()
	if _, err := a.Exec(`INSERT INTO emp VALUES (1, 1, 'A first')`); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Exec(`INSERT INTO emp VALUES (2, 1, 'B later')`); err != nil {
		t.Fatal(err)
	}
	b.Commit()
	got := decode(t, kafkatest.WaitFor(t, e.brokers, e.topics(), 1, time.Minute))
	if len(got) != 1 || got[0].key != `{"id":2}` {
		t.Fatalf("after B commits: %+v", got)
	}
	a.Exec(`INSERT INTO emp VALUES (3, 1, 'A again')`)
	a.Commit()
	kafkatest.WaitFor(t, e.brokers, e.topics(), 3, time.Minute)
	time.Sleep(time.Second) // anything extra would arrive now
	got = decode(t, kafkatest.ReadAll(t, e.brokers, e.topics()))
	if len(got) != 3 {
		t.Fatalf("got %d messages, want 3: %+v", len(got), got)
	}
	e.checkExactlyOnceInOrder(got)
}

// TestLastChangePerKeyEqualsTheSource: concurrent transactions hammer a few
// keys; when the load stops, each key's last change in Kafka is the row.
func TestLastChangePerKeyEqualsTheSource(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "acct")
	const keys = 10
	pgtest.Exec(t, e.db, fmt.Sprintf(`INSERT INTO acct SELECT g, 0, '' FROM generate_series(1, %d) g`, keys))
	e.start()
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 150; i++ {
				tx, err := e.db.Begin()
				if err != nil {
					t.Error(err)
					return
				}
				// Keys in ascending order: contention without deadlocks.
				picked := rand.Perm(keys)[:3]
				slices.Sort(picked)
				for _, k := range picked {
					if _, err := tx.Exec(`UPDATE acct SET v = v + $2, note = $3 WHERE id = $1`, k+1, rand.IntN(100), fmt.Sprint(w, i)); err != nil {
						tx.Rollback() // a deadlock between writers: the change never happened
						break
					}
				}
				tx.Commit()
			}
		}()
	}
	wg.Wait()
	got := decode(t, kafkatest.WaitFor(t, e.brokers, e.topics(), e.expected(), 2*time.Minute))
	e.checkExactlyOnceInOrder(got)
	last := map[string]change{}
	for _, c := range got {
		last[c.key] = c
	}
	rows, err := e.db.Query(`SELECT id, v, note FROM acct`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, v int
		var note string
		rows.Scan(&id, &v, &note)
		c := last[fmt.Sprintf(`{"id":%d}`, id)]
		if string(c.after["v"]) != fmt.Sprint(v) || string(c.after["note"]) != fmt.Sprintf("%q", note) {
			t.Errorf("key %d: last change in Kafka has v=%s note=%s, the source has v=%d note=%q", id, c.after["v"], c.after["note"], v, note)
		}
	}
}

// TestLongTransactionDoesNotHoldBackOthers holds a transaction open for 30 s
// while others commit: theirs reach Kafka while it is still open, its own
// only after it commits.
func TestLongTransactionDoesNotHoldBackOthers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "emp")
	e.start()
	long, _ := e.db.Begin()
	if _, err := long.Exec(`INSERT INTO emp VALUES (1000, 0, 'long')`); err != nil {
		t.Fatal(err)
	}
	opened := time.Now()
	for i := 1; i <= 10; i++ {
		pgtest.Exec(t, e.db, fmt.Sprintf(`INSERT INTO emp VALUES (%d, 0, 'short')`, i))
		got := decode(t, kafkatest.WaitFor(t, e.brokers, e.topics(), i, 30*time.Second))
		for _, c := range got {
			if c.key == `{"id":1000}` {
				t.Fatal("the open transaction's change arrived before it committed")
			}
		}
		time.Sleep(2 * time.Second)
	}
	if time.Since(opened) < 20*time.Second {
		t.Fatal("the test did not keep the transaction open long enough")
	}
	time.Sleep(30*time.Second - time.Since(opened))
	long.Exec(`INSERT INTO emp VALUES (1001, 0, 'long')`)
	if err := long.Commit(); err != nil {
		t.Fatal(err)
	}
	got := decode(t, kafkatest.WaitFor(t, e.brokers, e.topics(), 12, time.Minute))
	e.checkExactlyOnceInOrder(got)
}

// TestSIGKILLAtRandomMomentsLosesAndDoublesNothing kills the relay process
// with SIGKILL at least 20 times while 100,000+ changes flow across three
// tables; a read_committed consumer must then see each change exactly once,
// every key in order.
func TestSIGKILLAtRandomMomentsLosesAndDoublesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "orders", "lines", "stock")
	var written atomic.Int64
	ctx, stopLoad := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w, table := range e.tables {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each round inserts 400 rows, updates half, deletes a quarter:
			// 700 changes in three statements and transactions.
			for round := 0; ctx.Err() == nil; round++ {
				base := round * 400
				stmts := []string{
					fmt.Sprintf(`INSERT INTO %s SELECT g, %d, 'w%d' FROM generate_series(%d, %d) g`, table, round, w, base+1, base+400),
					fmt.Sprintf(`UPDATE %s SET v = v + 1 WHERE id > %d AND id %% 2 = 0`, table, base),
					fmt.Sprintf(`DELETE FROM %s WHERE id > %d AND id %% 4 = 0`, table, base),
				}
				for _, s := range stmts {
					if _, err := e.db.Exec(s); err != nil {
						t.Error(err)
						return
					}
				}
				written.Add(700)
				// Paced, so that the kills land while changes are being written.
				time.Sleep(200 * time.Millisecond)
			}
		}()
	}
	kills := 0
	for kills < 20 || written.Load() < 100_000 {
		p := e.spawn()
		time.Sleep(time.Duration(300+rand.IntN(1500)) * time.Millisecond)
		p.kill() // SIGKILL
		kills++
		if written.Load() >= 100_000 && kills >= 10 {
			stopLoad()
		}
	}
	stopLoad()
	wg.Wait()
	if t.Failed() {
		return
	}
	p := e.spawn()
	want := e.expected()
	kafkatest.WaitFor(t, e.brokers, e.topics(), want, 5*time.Minute)
	time.Sleep(2 * time.Second)
	got := decode(t, kafkatest.ReadAll(t, e.brokers, e.topics(), kafkatest.WithTimeout(3*time.Minute)))
	if code := p.stop(t); code != 0 {
		t.Errorf("relay exited %d on SIGINT:\n%s", code, p.out)
	}
	t.Logf("%d kills, %d changes written, %d messages", kills, written.Load(), len(got))
	if len(got) != want {
		t.Fatalf("%d messages, want %d", len(got), want)
	}
	e.checkExactlyOnceInOrder(got)
}

// TestTwoRelaysOneLeads: two relay processes for one source; one produces,
// the other waits; kill the leader and the other takes over, losing nothing.
func TestTwoRelaysOneLeads(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "emp")
	e.cfg.Relay.LeaseRetry = 200 * time.Millisecond
	a := e.spawn()
	b := e.spawn()
	insert := func(from, to int) {
		pgtest.Exec(t, e.db, fmt.Sprintf(`INSERT INTO emp SELECT g, 0, '' FROM generate_series(%d, %d) g`, from, to))
	}
	insert(1, 100)
	kafkatest.WaitFor(t, e.brokers, e.topics(), 100, time.Minute)
	leader, standby := a, b
	if !strings.Contains(a.out.String(), "leading") {
		leader, standby = b, a
	}
	if strings.Contains(standby.out.String(), "leading") {
		t.Fatalf("both relays lead:\n--- a\n%s\n--- b\n%s", a.out, b.out)
	}
	leader.kill()
	insert(101, 200)
	got := decode(t, kafkatest.WaitFor(t, e.brokers, e.topics(), 200, time.Minute))
	if !strings.Contains(standby.out.String(), "leading") {
		t.Fatalf("the standby did not take over:\n%s", standby.out)
	}
	e.checkExactlyOnceInOrder(got)
}

func TestAValueThatDoesNotFitStopsTheRelayNamingIt(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "emp")
	// The registry says note is an integer: its text values cannot fit.
	pgtest.Exec(t, e.db, `UPDATE ferry.captured SET columns = jsonb_set(columns, '{2,kind}', '"integer"')`)
	pgtest.Exec(t, e.db, `INSERT INTO emp VALUES (7, 1, 'seven')`)
	p := e.spawn()
	out := p.exited(t)
	for _, want := range []string{"public", "emp", `{"id":7}`, "note"} {
		if !strings.Contains(out, want) {
			t.Errorf("the error does not name %s:\n%s", want, out)
		}
	}
	if p.cmd.ProcessState.ExitCode() == 0 {
		t.Error("the relay exited 0")
	}
	if msgs := kafkatest.ReadAll(t, e.brokers, e.topics()); len(msgs) != 0 {
		t.Errorf("%d messages were produced past the bad change", len(msgs))
	}
}

func TestPurgeDeletesOnlyWhatKafkaHolds(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "emp")
	e.cfg.Relay.PurgeSchedule = "@every 1s"
	open, _ := e.db.Begin()
	open.Exec(`INSERT INTO emp VALUES (999, 0, 'open')`)
	pgtest.Exec(t, e.db, `INSERT INTO emp SELECT g, 0, '' FROM generate_series(1, 500) g`)
	e.start()
	kafkatest.WaitFor(t, e.brokers, e.topics(), 500, time.Minute)
	deadline := time.Now().Add(time.Minute)
	for pgtest.QueryValue[int](t, e.db, `SELECT count(*) FROM ferry.outbox WHERE op <> 'h'`) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("purge did not empty the published part of the outbox")
		}
		time.Sleep(200 * time.Millisecond)
	}
	open.Commit()
	got := decode(t, kafkatest.WaitFor(t, e.brokers, e.topics(), 501, time.Minute))
	seen := map[string]bool{} // a chunk's changes share a seq: a change is its seq and key
	held := 0
	for _, c := range got {
		id := fmt.Sprint(c.seq, " ", c.key)
		if seen[id] {
			t.Fatalf("seq %d key %s arrived twice", c.seq, c.key)
		}
		seen[id] = true
		if c.key == `{"id":999}` {
			held++
		}
	}
	if len(got) != 501 || held != 1 {
		t.Fatalf("%d messages, %d of the open transaction's row: the purge lost it", len(got), held)
	}
}

// TestATopicThatCannotBeCreatedIsRetriedAndLoggedOnce asks for more replicas
// than the one broker has: the relay keeps retrying, logs the failure once,
// and counts every attempt.
func TestATopicThatCannotBeCreatedIsRetriedAndLoggedOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "emp")
	pgtest.Exec(t, e.db, `INSERT INTO emp VALUES (1, 0, '')`)
	path := e.writeConfig("relay:\n  topic_replication_factor: 3\n")
	p := e.spawnWith(path)
	time.Sleep(8 * time.Second)
	if p.cmd.ProcessState != nil {
		t.Fatalf("the relay exited:\n%s", p.out)
	}
	out := p.out.String()
	if n := strings.Count(out, "level=WARN"); n != 1 {
		t.Errorf("%d warnings for one lasting failure, want 1:\n%s", n, out)
	}
	if !strings.Contains(out, "replication factor") && !strings.Contains(out, "Replication factor") {
		t.Errorf("the warning does not say why:\n%s", out)
	}
	if code := p.stop(t); code != 0 {
		t.Errorf("exit %d on SIGINT", code)
	}
}
