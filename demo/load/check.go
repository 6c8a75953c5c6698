package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-cdc/ferry/dlq"
)

// drainCmd waits for the pipeline to drain, so that ferry verify, which
// demo.sh runs next, compares settled tables.
func drainCmd(ctx context.Context, o *opts) error {
	w, err := newWatcher(ctx, o)
	if err != nil {
		return err
	}
	defer w.close()
	drained, err := drain(ctx, o, w)
	if err != nil {
		return err
	}
	if !drained {
		fmt.Printf("FAIL: the pipeline did not drain within %s; see demo/.run/relay.log and demo/.run/apply.log.\n", o.timeout)
		return errVerifyFailed
	}
	return nil
}

// drain waits until everything written at the source is in the target or
// in the DLQ: the relay has produced every change the outbox captured and
// the applier has stored offsets at the end of every change partition.
func drain(ctx context.Context, o *opts, w *watcher) (bool, error) {
	fmt.Println("waiting for the pipeline to drain (the relay to catch up with the outbox, the applier with Kafka):")
	start := time.Now()
	view := newView()
	var prev sample
	stableSince := time.Now()
	for {
		s := w.sample(ctx)
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		relayCaught := s.capOK && s.relayOK && int64(s.relayed) >= s.captured
		status := ""
		switch {
		case !s.relayOK:
			status = "the relay's metrics do not answer (" + o.relayMetrics + ")"
		case !s.applyOK:
			status = "the applier's metrics do not answer (" + o.applyMetrics + ")"
		case !s.kafkaOK:
			status = "kafka: " + s.kafkaErr
		case !relayCaught:
			status = fmt.Sprintf("relay %d changes behind the outbox", s.captured-int64(s.relayed))
		case !s.drained:
			status = fmt.Sprintf("applier %d messages behind Kafka", s.kafkaLag)
		}
		if prev.at.IsZero() || s.captured != prev.captured || s.relayed != prev.relayed || s.offsetSum != prev.offsetSum || fmt.Sprint(s.rows) != fmt.Sprint(prev.rows) {
			stableSince = time.Now()
		}
		prev = s
		lines := s.lines(s.captured, time.Since(start), 0)
		lines[0] = fmt.Sprintf("%4.0fs  draining: %s", time.Since(start).Seconds(), orDone(status))
		view.show(lines)
		switch {
		case status == "":
			view.end()
			fmt.Printf("drained in %s: every captured change is in Kafka, and every Kafka message is applied, in the DLQ or held.\n", time.Since(start).Round(100*time.Millisecond))
			return true, nil
		case relayCaught && s.kafkaOK && time.Since(stableSince) > 15*time.Second:
			// A Kafka transaction the relay aborted leaves offsets no
			// consumer ever reaches; nothing moving for 15s means done.
			view.end()
			fmt.Printf("no change anywhere for 15s (%s): treating the pipeline as drained.\n", status)
			return true, nil
		case time.Since(start) > o.timeout:
			view.end()
			fmt.Printf("not drained after %s: %s\n", o.timeout, status)
			return false, nil
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

func orDone(s string) string {
	if s == "" {
		return "done"
	}
	return s
}

// verifyReport is the part of `ferry verify --json` the check reads.
type verifyReport struct {
	Routes []struct {
		Route       string `json:"route"`
		Differences []struct {
			Kind      string          `json:"kind"`
			Key       json.RawMessage `json:"key"`
			Explained string          `json:"explained_by"`
		} `json:"differences"`
	} `json:"routes"`
}

// difference is what ferry verify said of one key.
type difference struct{ kind, explained string }

// check reads what ferry verify found (demo.sh ran it with --json into
// o.verifyFile) and the DLQ, and checks that each kind of change the
// workload made ended where the config sends it, printing a line per kind.
func check(ctx context.Context, o *opts) error {
	st, err := readState(o.stateFile)
	if err != nil {
		return fmt.Errorf("no record of the workload in %s: %w", o.stateFile, err)
	}
	b, err := os.ReadFile(o.verifyFile)
	if err != nil {
		return err
	}
	var rep verifyReport
	if err := json.Unmarshal(b, &rep); err != nil {
		return fmt.Errorf("%s is not ferry verify's JSON report: %w", o.verifyFile, err)
	}
	diffs := map[string]map[int64]difference{"departments": {}, "employees": {}}
	for _, r := range rep.Routes {
		from, _, _ := strings.Cut(r.Route, " -> ")
		table := from[strings.LastIndexByte(from, '.')+1:]
		for _, d := range r.Differences {
			var k struct{ ID int64 }
			if json.Unmarshal(d.Key, &k) == nil && diffs[table] != nil {
				diffs[table][k.ID] = difference{d.Kind, d.Explained}
			}
		}
	}
	// Where the rules sent each change, from the DLQ itself: a key whose
	// rejected change was later deleted matches, so no difference says so.
	rctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	entries, err := dlq.Read(rctx, o.brokers, nil, o.prefix+"._dlq")
	cancel()
	if err != nil {
		return fmt.Errorf("read the DLQ: %w", err)
	}
	rules := map[string]map[int64][]string{"departments": {}, "employees": {}}
	for _, e := range entries {
		from, _, _ := strings.Cut(e.Route, " -> ")
		table := from[strings.LastIndexByte(from, '.')+1:]
		var k struct{ ID int64 }
		if json.Unmarshal(e.Key, &k) == nil && rules[table] != nil {
			rules[table][k.ID] = append(rules[table][k.ID], e.Rule)
		}
	}
	if !checkCategories(o, st, diffs, rules) {
		fmt.Println("\nFAIL: a rule or lookup did not do what the config asks (see above).")
		return errVerifyFailed
	}
	return nil
}

func readState(path string) (*state, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, err
	}
	if st.Employees == nil && st.Depts == nil {
		return nil, errors.New("empty")
	}
	return &st, nil
}

// checkCategories checks that each kind of change the workload made ended
// where the config sends it, and prints a line per kind.
func checkCategories(o *opts, st *state, diffs map[string]map[int64]difference, rules map[string]map[int64][]string) bool {
	type check struct {
		table, cat, what, want string
		ok                     func(id int64) bool
	}
	inDLQByRule := func(table, rule string) func(int64) bool {
		return func(id int64) bool { return slices.Contains(rules[table][id], rule) }
	}
	// A key matches when ferry verify found no difference for it.
	matches := func(table string) func(int64) bool {
		return func(id int64) bool {
			_, differs := diffs[table][id]
			return !differs
		}
	}
	var checks []check
	if o.rules {
		checks = []check{
			{"employees", catSalary, "salary over 10000", "in the DLQ by rule salary_cap", inDLQByRule("employees", "salary_cap")},
			{"employees", catYoung, "born after 2007-01-01", "in the DLQ by rule too_young", inDLQByRule("employees", "too_young")},
			{"employees", catNegative, "negative id", "in the DLQ by rule negative_id", inDLQByRule("employees", "negative_id")},
			{"employees", catCompleted, "inserted incomplete, completed later", "in the target as at the source (the completing update superseded the held insert)", matches("employees")},
			{"employees", catIncomplete, "inserted incomplete, never completed", "held, not in the target", func(id int64) bool {
				d := diffs["employees"][id]
				return d.kind == "missing" && strings.HasPrefix(d.explained, "held")
			}},
			{"departments", catLookupMiss, "city code MAD, not in the target's cities", "in the DLQ (lookup miss)", func(id int64) bool {
				return len(rules["departments"][id]) > 0
			}},
		}
	} else {
		for _, c := range []struct{ table, cat, what string }{
			{"employees", catSalary, "salary over 10000"}, {"employees", catYoung, "born after 2007-01-01"},
			{"employees", catNegative, "negative id"}, {"employees", catCompleted, "inserted incomplete, completed later"},
			{"employees", catIncomplete, "inserted incomplete, never completed"}, {"departments", catLookupMiss, "city code MAD"},
		} {
			checks = append(checks, check{c.table, c.cat, c.what, "in the target as at the source (DEMO_NO_RULES: no rules, no lookup)", matches(c.table)})
		}
	}
	fmt.Println()
	fmt.Println("what the workload did, and where the config sends it (from ferry verify's report):")
	all := true
	for _, c := range checks {
		var ids []int
		if c.table == "employees" {
			ids = st.Employees[c.cat]
		} else {
			ids = st.Depts[c.cat]
		}
		ids = uniq(ids)
		good := 0
		var bad []string
		for _, id := range ids {
			if c.ok(int64(id)) {
				good++
			} else if len(bad) < 8 {
				bad = append(bad, strconv.Itoa(id))
			}
		}
		mark := "ok"
		if good != len(ids) {
			mark, all = "NOT OK", false
		}
		fmt.Printf("  %-6s %-42s %4d keys, %4d %s\n", mark, c.what, len(ids), good, c.want)
		if len(bad) > 0 {
			fmt.Printf("         not so: id %s\n", strings.Join(bad, ", "))
		}
	}
	return all
}

func uniq(ids []int) []int {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}
