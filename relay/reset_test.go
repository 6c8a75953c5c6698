package relay_test

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/internal/ferrytest"
	"github.com/ferry-cdc/ferry/internal/kafkatest"
	"github.com/ferry-cdc/ferry/migrations"
	"github.com/ferry-cdc/ferry/sql/postgres"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// TestARecreatedOutboxStopsTheRelayUntilReset: the capture schema is
// dropped and created again while the relay is down, and the application
// writes more changes than the old outbox ever held, so the new outbox's
// sequence is past the relay's position. The relay must refuse the
// position (going on would skip the new outbox's first changes as if read)
// and say how to go on; after `ferry relay reset-position` it publishes
// every change of the new outbox.
func TestARecreatedOutboxStopsTheRelayUntilReset(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "items")
	pgtest.Exec(t, e.db, `INSERT INTO items SELECT g, 0, 'old' FROM generate_series(1, 100) g`)
	path := e.writeConfig("")
	p := e.spawnWith(path)
	kafkatest.WaitFor(t, e.brokers, e.topics(), 100, time.Minute)
	reset := func() (string, error) {
		out, err := exec.Command(ferrytest.Binary(t), "relay", "reset-position", "-c", path, "--source", e.source().Name).CombinedOutput()
		return string(out), err
	}
	if out, err := reset(); err == nil || !strings.Contains(out, "a relay of the source is leading") {
		t.Fatalf("reset-position while a relay leads: %v\n%s", err, out)
	}
	if code := p.stop(t); code != 0 {
		t.Fatalf("relay exited %d:\n%s", code, p.out)
	}

	// A relay started while no capture schema is there waits for one.
	pgtest.Exec(t, e.db, `DROP SCHEMA ferry CASCADE`)
	p = e.spawnWith(path)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	for deadline := time.Now().Add(time.Minute); !strings.Contains(p.out.String(), "captures no table in schema ferry"); {
		select {
		case err := <-done:
			t.Fatalf("the relay exited (%v) while no capture schema was there:\n%s", err, p.out)
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the relay does not say that nothing is captured:\n%s", p.out)
		}
	}
	m, err := migrations.New(e.source(), postgres.Dialect{}, e.db, quiet())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(context.Background()); err != nil {
		t.Fatal(err)
	}
	pgtest.Exec(t, e.db, `UPDATE items SET v = 1, note = 'new'`, `INSERT INTO items SELECT g, 1, 'new' FROM generate_series(101, 300) g`)

	select {
	case err := <-done:
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() == 0 {
			t.Fatalf("relay exited with %v, want a failure:\n%s", err, p.out)
		}
	case <-time.After(2 * time.Minute):
		p.kill()
		t.Fatalf("the relay went on with the old position:\n%s", p.out)
	}
	for _, want := range []string{"capture schema was dropped and created again", "ferry relay reset-position -c " + path + " --source " + e.source().Name} {
		if !strings.Contains(p.out.String(), want) {
			t.Errorf("the relay's output does not say %q:\n%s", want, p.out)
		}
	}
	if n := changes(t, e); len(n) != 100 {
		t.Fatalf("%d changes after the refusal, want the 100 of the old outbox", len(n))
	}

	if out, err := reset(); err != nil || !strings.Contains(out, "beginning of the outbox") {
		t.Fatalf("reset-position: %v\n%s", err, out)
	}
	p = e.spawnWith(path)
	defer p.stop(t)
	deadline := time.Now().Add(2 * time.Minute)
	for len(changes(t, e)) < 400 && time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
	}
	got := changes(t, e)
	if len(got) != 400 {
		t.Fatalf("%d changes, want 100 old and 300 new (100 updates, 200 inserts)", len(got))
	}
	last, fresh := map[string]string{}, 0
	for _, c := range got { // each key's changes in its partition's order
		last[c.key] = string(c.after["note"])
		if string(c.after["note"]) == `"new"` {
			fresh++
		}
	}
	if len(last) != 300 || fresh != 300 {
		t.Fatalf("%d keys with %d changes of the new outbox, want 300 and 300", len(last), fresh)
	}
	for k, note := range last {
		if note != `"new"` {
			t.Errorf("key %s ends at note %s, want \"new\"", k, note)
		}
	}
}

// changes are the row changes in the env's topics, without heartbeats and
// tombstones, in each partition's order.
func changes(t *testing.T, e *env) []change {
	t.Helper()
	var out []change
	for _, c := range decode(t, kafkatest.ReadAll(t, e.brokers, e.topics())) {
		if !c.tombstone && c.op != "h" {
			out = append(out, c)
		}
	}
	return out
}
