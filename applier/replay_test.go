package applier_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/applier"
	"github.com/ferry-cdc/ferry/dlq"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

func (p *pipeline) outstanding() []*dlq.Entry {
	p.t.Helper()
	e, err := dlq.Read(context.Background(), p.brokers, nil, p.cfg.Apply.DLQTopic)
	if err != nil {
		p.t.Fatal(err)
	}
	return e
}

// TestReplayRestoresPerKeyOrder (design.md, trap 4): change 2 of a key is
// refused, change 3 waits behind it; once the cause is fixed, replay applies
// 2 then 3, the key is released, and the key's next change applies as usual.
// Replaying again, or an entry met twice (a replay cut short between its
// commit and its DLQ marker), applies nothing twice.
func TestReplayRestoresPerKeyOrder(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, `CREATE TABLE emp (id int PRIMARY KEY, salary int NOT NULL)`)
	pgtest.Exec(t, p.tgt, `ALTER TABLE emp ADD CONSTRAINT cap CHECK (salary <= 10000)`)
	p.run()
	pgtest.Exec(t, p.src,
		`INSERT INTO emp VALUES (1, 100), (2, 200)`,
		`UPDATE emp SET salary = 20000 WHERE id = 1`,
		`UPDATE emp SET salary = 300 WHERE id = 1`)
	p.dlqEntries(2)
	entries := p.outstanding()
	if len(entries) != 2 {
		t.Fatalf("%d outstanding entries", len(entries))
	}

	a := p.applier()
	// Not fixed yet: the first fails again, the second waits behind it.
	out, err := a.Replay(context.Background(), entries, applier.Filter{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Result != "failed" || out[1].Result != "waiting" {
		t.Fatalf("replay before the fix: %+v", out)
	}
	if got := rows(t, p.tgt, "emp"); strings.Join(got, " ") != "(1,100) (2,200)" {
		t.Fatalf("target after a failed replay: %v", got)
	}
	// A dry run changes nothing.
	pgtest.Exec(t, p.tgt, `ALTER TABLE emp DROP CONSTRAINT cap`)
	if out, _ = a.Replay(context.Background(), p.outstanding(), applier.Filter{}, true); out[0].Result != "would-replay" {
		t.Fatalf("dry run: %+v", out)
	}
	if got := rows(t, p.tgt, "emp"); strings.Join(got, " ") != "(1,100) (2,200)" {
		t.Fatalf("target after a dry run: %v", got)
	}

	entries = p.outstanding()
	if entries[0].Attempts != 2 {
		t.Errorf("the failed attempt was not counted: attempts %d", entries[0].Attempts)
	}
	// The first entry twice: the second meeting must not apply it again.
	out, err = a.Replay(context.Background(), append([]*dlq.Entry{entries[0]}, entries...), applier.Filter{}, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range out {
		if o.Result != "replayed" {
			t.Fatalf("replay after the fix: %+v", out)
		}
	}
	if got := rows(t, p.tgt, "emp"); strings.Join(got, " ") != "(1,300) (2,200)" {
		t.Fatalf("target after replay: %v (the order was not kept)", got)
	}
	if left := p.outstanding(); len(left) != 0 {
		t.Fatalf("%d entries left in the DLQ", len(left))
	}
	if n := pgtest.QueryValue[int](t, p.tgt, `SELECT count(*) FROM ferry.apply_blocked`); n != 0 {
		t.Fatal("the key is still blocked")
	}
	// Released: the key's next change applies without the DLQ.
	pgtest.Exec(t, p.src, `UPDATE emp SET salary = 400 WHERE id = 1`)
	p.converge(time.Minute)
}
