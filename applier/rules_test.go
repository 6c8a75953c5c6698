package applier_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/applier"
	"github.com/ferry-cdc/ferry/dlq"
	"github.com/ferry-cdc/ferry/internal/kafkatest"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// TestRulesRejectSkipAndHold uses the rules real users asked for: a salary
// cap and a birth date (reject), no negative ids (skip), and a record that
// is complete only with an email and a phone (hold until a later version
// of it is complete, which supersedes the held one).
func TestRulesRejectSkipAndHold(t *testing.T) {
	t.Parallel()
	p := newPipelineWith(t, options{route: map[string]string{"emp": `    rules:
      - {name: salary_cap, when: "salary != nil && salary > 10000", action: reject}
      - {name: too_young, when: "born != nil && born > date(\"2007-01-01\")", action: reject}
      - {name: negative_id, when: "id < 0", action: skip}
      - {name: incomplete, when: "email == nil || phone == nil", action: hold}
`}}, `CREATE TABLE emp (id int PRIMARY KEY, salary numeric(12,2), born date, email text, phone text)`)
	p.run()
	pgtest.Exec(t, p.src,
		`INSERT INTO emp VALUES (1, 5000, '1990-01-01', 'a@x', '1')`,     // applies
		`INSERT INTO emp VALUES (2, 20000.50, '1990-01-01', 'b@x', '2')`, // salary_cap
		`INSERT INTO emp VALUES (3, 5000, '2010-05-05', 'c@x', '3')`,     // too_young
		`INSERT INTO emp VALUES (-4, 5000, '1990-01-01', 'd@x', '4')`,    // skipped
		`INSERT INTO emp VALUES (5, 5000, '1990-01-01', NULL, '5')`,      // held
		`UPDATE emp SET phone = NULL WHERE id = 5`)                       // still incomplete: held too
	entries := p.dlqEntries(2)
	time.Sleep(2 * time.Second)
	if got := rows(t, p.tgt, "emp"); strings.Join(got, " ") != "(1,5000.00,1990-01-01,a@x,1)" {
		t.Fatalf("target: %v", got)
	}
	rules := map[string]bool{}
	for _, e := range entries {
		if e.Class != dlq.ClassRule {
			t.Errorf("entry %s: class %s", e.Key, e.Class)
		}
		rules[e.Rule] = true
	}
	if !rules["salary_cap"] || !rules["too_young"] {
		t.Errorf("DLQ rules: %v", rules)
	}
	if n := pgtest.QueryValue[int](t, p.tgt, `SELECT count(*) FROM ferry.apply_held WHERE kind = 'rule'`); n != 2 {
		t.Fatalf("%d changes held by the rule, want 2", n)
	}
	// The record is completed: that version applies and supersedes the held ones.
	pgtest.Exec(t, p.src, `UPDATE emp SET email = 'e@x', phone = '5' WHERE id = 5`)
	deadline := time.Now().Add(30 * time.Second)
	for pgtest.QueryValue[int](t, p.tgt, `SELECT count(*) FROM emp WHERE id = 5`) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the completed record was not applied")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := pgtest.QueryValue[int](t, p.tgt, `SELECT count(*) FROM ferry.apply_held`); n != 0 {
		t.Errorf("%d held changes left after the record was completed", n)
	}
}

// TestLookupsMapRefreshAndMiss: a city code becomes a city id through a
// query on the target, refreshed on a schedule; a code with no entry goes
// to the DLQ; an inline map works alongside.
func TestLookupsMapRefreshAndMiss(t *testing.T) {
	t.Parallel()
	p := newPipelineWith(t, options{
		route: map[string]string{"dept": `    columns: {city: city_id}
    lookups:
      - {column: city, query: "SELECT code, id FROM cities", refresh: "@every 1s"}
      - {column: kind, map: {S: sales, E: engineering}, on_missing: keep}
`},
		targetDDL: map[string]string{"dept": `CREATE TABLE dept (id int PRIMARY KEY, city_id int, kind text)`},
		targetSQL: []string{`CREATE TABLE cities (code text PRIMARY KEY, id int)`, `INSERT INTO cities VALUES ('NYC', 1), ('LON', 2)`},
	}, `CREATE TABLE dept (id int PRIMARY KEY, city text, kind text)`)
	p.run()
	pgtest.Exec(t, p.src, `INSERT INTO dept VALUES (1, 'NYC', 'S'), (2, 'LON', 'X'), (3, 'PAR', 'E')`)
	entries := p.dlqEntries(1)
	if entries[0].Class != dlq.ClassLookup || !strings.Contains(entries[0].Error, `"PAR"`) {
		t.Fatalf("DLQ entry: %s %q", entries[0].Class, entries[0].Error)
	}
	deadline := time.Now().Add(30 * time.Second)
	for strings.Join(rows(t, p.tgt, "dept"), " ") != "(1,1,sales) (2,2,X)" {
		if time.Now().After(deadline) {
			t.Fatalf("target: %v", rows(t, p.tgt, "dept"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	// A city added to the target's table is picked up by the next refresh.
	pgtest.Exec(t, p.tgt, `INSERT INTO cities VALUES ('BER', 3)`)
	time.Sleep(2500 * time.Millisecond)
	pgtest.Exec(t, p.src, `INSERT INTO dept VALUES (4, 'BER', 'E')`)
	for pgtest.QueryValue[int](t, p.tgt, `SELECT count(*) FROM dept WHERE id = 4 AND city_id = 3 AND kind = 'engineering'`) == 0 {
		if time.Now().After(deadline.Add(30 * time.Second)) {
			t.Fatalf("target: %v", rows(t, p.tgt, "dept"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Replaying the entry once its city exists, dry run then for real, on a
	// route whose lookup refreshes from a query: replay returns (it waited
	// for its refreshers before stopping them, for ever).
	pgtest.Exec(t, p.tgt, `INSERT INTO cities VALUES ('PAR', 4)`)
	for _, dry := range []bool{true, false} {
		done := make(chan error, 1)
		var out []applier.Outcome
		go func() {
			var err error
			out, err = p.applier().Replay(context.Background(), entries, applier.Filter{}, dry)
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil || len(out) != 1 || (out[0].Result != "would-replay") != !dry {
				t.Fatalf("replay (dry run %t): %v %+v", dry, err, out)
			}
		case <-time.After(time.Minute):
			t.Fatalf("replay (dry run %t) did not return within a minute", dry)
		}
	}
	p.waitCount(`SELECT count(*) FROM dept WHERE id = 3 AND city_id = 4`, 1, time.Minute)
}

// TestRulesSeeEveryValueAsItsType (issue 8, item 3): values a rule compares
// arrive from PostgreSQL with their special forms (infinity, a date before
// year 1, 24:00, numeric NaN, more digits than a float64 holds) and each
// rule decides as the value means, none failing on its type.
func TestRulesSeeEveryValueAsItsType(t *testing.T) {
	t.Parallel()
	p := newPipelineWith(t, options{route: map[string]string{"contract": `    rules:
      - {name: expired, when: "valid_to != nil && valid_to < date(\"2000-01-01\")", action: reject}
      - {name: ancient, when: "born != nil && born < date(\"0001-01-01\")", action: skip}
      - {name: midnight, when: "opens == duration(\"24h\")", action: skip}
      - {name: not_a_number, when: "amount == decimal(\"NaN\")", action: skip}
      - {name: huge, when: "amount != nil && amount > 9007199254740992", action: reject}
`}}, `CREATE TABLE contract (id int PRIMARY KEY, valid_to timestamptz, born date, opens time, amount numeric(30,1))`)
	p.run()
	pgtest.Exec(t, p.src, `INSERT INTO contract VALUES
		(1, 'infinity', '1990-01-01', '09:00', 1),
		(2, '1999-12-31 23:00+00', NULL, NULL, NULL),
		(3, NULL, '0044-03-15 BC', NULL, NULL),
		(4, NULL, NULL, '24:00', NULL),
		(5, NULL, NULL, NULL, 9007199254740993),
		(6, '2100-01-01 00:00+00', 'infinity', '23:59:59.999999', 9007199254740992),
		(7, NULL, NULL, NULL, 'NaN'),
		(8, NULL, NULL, NULL, NULL)`)
	entries := p.dlqEntries(2)
	p.waitCount(`SELECT count(*) FROM contract`, 3, time.Minute)
	time.Sleep(time.Second)
	if got := strings.Join(rows(t, p.tgt, "(SELECT id FROM contract)"), " "); got != "(1) (6) (8)" {
		t.Errorf("target rows %s, want (1) (6) (8)", got)
	}
	if msgs := kafkatest.ReadAll(t, p.brokers, []string{p.cfg.Apply.DLQTopic}); len(msgs) != 2 {
		t.Errorf("%d DLQ entries, want 2", len(msgs))
	}
	got := map[string]string{}
	for _, e := range entries {
		got[string(e.Key)] = e.Class + " " + e.Rule + " " + e.Error
	}
	for key, want := range map[string]string{
		`{"id":2}`: "rule expired rule expired rejected the change",
		`{"id":5}`: "rule huge rule huge rejected the change",
	} {
		if got[key] != want {
			t.Errorf("DLQ entry %s: %q, want %q", key, got[key], want)
		}
	}
}
