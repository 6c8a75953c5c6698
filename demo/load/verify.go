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

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ferry-cdc/ferry/dlq"
)

func verify(ctx context.Context, o *opts) error {
	w, err := newWatcher(ctx, o)
	if err != nil {
		return err
	}
	defer w.close()
	src, tgt := w.src, w.tgt

	drained, err := drain(ctx, o, w)
	if err != nil {
		return err
	}

	dlqTopic := o.prefix + "._dlq"
	ex := explanations{}
	rctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	entries, dlqErr := dlq.Read(rctx, o.brokers, nil, dlqTopic)
	cancel()
	if dlqErr != nil {
		fmt.Printf("could not read the DLQ %s: %v (falling back on the applier's ferry.apply_blocked)\n", dlqTopic, dlqErr)
	}
	for _, e := range entries {
		ex.addDLQ(e)
	}
	if err := ex.addTarget(ctx, tgt, o.applyGroup); err != nil {
		return err
	}

	fmt.Println()
	fmt.Println("target vs source, row by row (a row differs when it is missing, extra, or has other values):")
	unexplained := 0
	results := map[string]*tableResult{}
	var file strings.Builder
	for _, t := range tables {
		r, err := compare(ctx, o, src, tgt, t)
		if err != nil {
			return err
		}
		results[t] = r
		unexplained += r.print(o, ex, &file)
	}
	if o.diffFile != "" {
		if err := os.WriteFile(o.diffFile, []byte(file.String()), 0o644); err != nil {
			return err
		}
		if file.Len() > 0 {
			fmt.Printf("  every differing key, with its explanation: %s\n", o.diffFile)
		}
	}

	ok := unexplained == 0 && drained
	if st, err := readState(o.stateFile); err != nil {
		fmt.Printf("\n(no record of the workload in %s: %v)\n", o.stateFile, err)
	} else if !checkCategories(o, st, results, ex) {
		ok = false
	}

	fmt.Println()
	if ok {
		fmt.Printf("PASS: the target equals the source except for keys whose changes are in the DLQ (%d entries) or held (%d keys).\n", len(entries), ex.heldKeys)
		return nil
	}
	if !drained {
		fmt.Printf("FAIL: the pipeline did not drain within %s; see demo/.run/relay.log and demo/.run/apply.log.\n", o.timeout)
	}
	if unexplained > 0 {
		fmt.Printf("FAIL: %d rows differ without a DLQ entry or a held change to explain them.\n", unexplained)
	}
	if drained && unexplained == 0 {
		fmt.Println("FAIL: a rule or lookup did not do what the config asks (see above).")
	}
	return errVerifyFailed
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

// key names a row of a demo table.
type key struct {
	table string
	id    int64
}

// explanations say, per key, why the target may differ from the source.
type explanations struct {
	dlq      map[key][]*dlq.Entry
	held     map[key][]string
	blocked  map[key]int
	heldKeys int
}

func (x *explanations) addDLQ(e *dlq.Entry) {
	k, ok := parseKey(e.Route, e.Key)
	if !ok {
		return
	}
	if x.dlq == nil {
		x.dlq = map[key][]*dlq.Entry{}
	}
	x.dlq[k] = append(x.dlq[k], e)
}

// addTarget reads what the applier keeps in the target: held changes and
// the keys it has blocked behind a DLQ entry.
func (x *explanations) addTarget(ctx context.Context, tgt *pgxpool.Pool, group string) error {
	x.held, x.blocked = map[key][]string{}, map[key]int{}
	var exists bool
	if err := tgt.QueryRow(ctx, `SELECT to_regclass('ferry.apply_held') IS NOT NULL AND to_regclass('ferry.apply_blocked') IS NOT NULL`).Scan(&exists); err != nil || !exists {
		return err
	}
	rows, err := tgt.Query(ctx, `SELECT key, reason FROM ferry.apply_held WHERE group_id = $1 ORDER BY id`, group)
	if err != nil {
		return fmt.Errorf("read held changes: %w", err)
	}
	for rows.Next() {
		var k, reason string
		if err := rows.Scan(&k, &reason); err != nil {
			rows.Close()
			return err
		}
		route, msgKey, _ := strings.Cut(k, "|")
		if kk, ok := parseKey(route, []byte(msgKey)); ok {
			x.held[kk] = append(x.held[kk], reason)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	x.heldKeys = len(x.held)
	rows, err = tgt.Query(ctx, `SELECT key, parked FROM ferry.apply_blocked WHERE group_id = $1 AND parked > 0`, group)
	if err != nil {
		return fmt.Errorf("read blocked keys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return err
		}
		route, msgKey, _ := strings.Cut(k, "|")
		if kk, ok := parseKey(route, []byte(msgKey)); ok {
			x.blocked[kk] = n
		}
	}
	return rows.Err()
}

// parseKey reads the table from a route name ("src.public.t -> tgt.public.t")
// and the id from a Kafka message key ({"id":5}).
func parseKey(route string, msgKey []byte) (key, bool) {
	from, _, _ := strings.Cut(route, " -> ")
	table := from[strings.LastIndexByte(from, '.')+1:]
	var k map[string]json.Number
	if err := json.Unmarshal(msgKey, &k); err != nil {
		return key{}, false
	}
	id, err := k["id"].Int64()
	if err != nil {
		return key{}, false
	}
	return key{table, id}, true
}

// why explains a differing key: a label shared by the keys with the same
// explanation, and the detail of this key's. Both are "" when nothing
// explains the key.
func (x *explanations) why(k key) (label, detail string) {
	var labels, details []string
	if es := x.dlq[k]; len(es) > 0 {
		first := es[0]
		l := "in the DLQ, class " + first.Class + ": " + reason(first.Error)
		if first.Rule != "" {
			l = "in the DLQ by rule " + first.Rule
		}
		labels = append(labels, l)
		details = append(details, fmt.Sprintf("%d DLQ entr%s", len(es), map[bool]string{true: "y", false: "ies"}[len(es) == 1]))
	} else if n := x.blocked[k]; n > 0 {
		labels = append(labels, "blocked behind the DLQ (ferry.apply_blocked)")
		details = append(details, fmt.Sprintf("%d parked", n))
	}
	if h := x.held[k]; len(h) > 0 {
		l := oneLine(h[0])
		if !strings.HasPrefix(l, "held") {
			l = "held: " + l
		}
		labels = append(labels, l)
		details = append(details, fmt.Sprintf("%d held change%s", len(h), plural(len(h))))
	}
	return strings.Join(labels, "; "), strings.Join(details, ", ")
}

// reason is a DLQ error without the route it names (the group says it).
func reason(err string) string {
	if strings.HasPrefix(err, "route ") {
		if _, rest, ok := strings.Cut(err, ": "); ok {
			err = rest
		}
	}
	return oneLine(err)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 90 {
		s = s[:87] + "..."
	}
	return s
}

const missingText = "missing in the target"

// tableResult is one table's comparison.
type tableResult struct {
	table                            string
	cols                             []string
	source, target                   int
	missing, extra, changed, matched int
	diffs                            []diff
	byID                             map[int64]diff
}

type diff struct {
	id   int64
	what string
}

func compare(ctx context.Context, o *opts, src, tgt *pgxpool.Pool, table string) (*tableResult, error) {
	var srcQ, tgtQ string
	var cols []string
	switch table {
	case "departments":
		cols = []string{"name", "city_id"}
		srcQ = `SELECT id::bigint, name, city_code FROM departments`
		tgtQ = `SELECT id::bigint, name, city_id::text FROM departments`
	case "employees":
		cols = []string{"dept_id", "name", "email", "phone", "salary", "born"}
		srcQ = `SELECT id::bigint, dept_id::text, name, email, phone, salary::text, born::text FROM employees`
		tgtQ = srcQ
	}
	s, err := readRows(ctx, src, srcQ)
	if err != nil {
		return nil, fmt.Errorf("read the source's %s: %w", table, err)
	}
	t, err := readRows(ctx, tgt, tgtQ)
	if err != nil {
		return nil, fmt.Errorf("read the target's %s: %w", table, err)
	}
	if table == "departments" {
		// What the target should hold: the city code looked up in the
		// target's cities, or nothing without the lookup (DEMO_NO_RULES).
		cities := map[string]*string{}
		if o.rules {
			rows, err := tgt.Query(ctx, `SELECT code, id::text FROM cities`)
			if err != nil {
				return nil, fmt.Errorf("read the target's cities: %w", err)
			}
			for rows.Next() {
				var code string
				var id *string
				if err := rows.Scan(&code, &id); err != nil {
					rows.Close()
					return nil, err
				}
				cities[code] = id
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, err
			}
		}
		for _, r := range s {
			if r[1] == nil || !o.rules {
				r[1] = nil
				continue
			}
			if id, ok := cities[*r[1]]; ok {
				r[1] = id
			} else {
				miss := "no city for code " + *r[1]
				r[1] = &miss
			}
		}
	}
	res := &tableResult{table: table, cols: cols, source: len(s), target: len(t), byID: map[int64]diff{}}
	ids := make([]int64, 0, len(s)+len(t))
	for id := range s {
		ids = append(ids, id)
	}
	for id := range t {
		if _, ok := s[id]; !ok {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	defer func() {
		for _, d := range res.diffs {
			res.byID[d.id] = d
		}
	}()
	for _, id := range ids {
		sr, inS := s[id]
		tr, inT := t[id]
		switch {
		case !inT:
			res.missing++
			res.diffs = append(res.diffs, diff{id, missingText})
		case !inS:
			res.extra++
			res.diffs = append(res.diffs, diff{id, "in the target only (deleted at the source)"})
		default:
			var changed []string
			for i, c := range cols {
				if !sameValue(sr[i], tr[i]) {
					changed = append(changed, fmt.Sprintf("%s %s at the source, %s in the target", c, show(sr[i]), show(tr[i])))
				}
			}
			if len(changed) > 2 {
				changed = append(changed[:2], fmt.Sprintf("%d more columns", len(changed)-2))
			}
			if len(changed) == 0 {
				res.matched++
			} else {
				res.changed++
				res.diffs = append(res.diffs, diff{id, strings.Join(changed, "; ")})
			}
		}
	}
	return res, nil
}

func sameValue(a, b *string) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func show(v *string) string {
	if v == nil {
		return "NULL"
	}
	return strconv.Quote(*v)
}

// readRows reads rows of an id and text columns, by id.
func readRows(ctx context.Context, db *pgxpool.Pool, q string) (map[int64][]*string, error) {
	rows, err := db.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]*string{}
	n := len(rows.FieldDescriptions()) - 1
	for rows.Next() {
		var id int64
		vals := make([]*string, n)
		dest := []any{&id}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out[id] = vals
	}
	return out, rows.Err()
}

// print reports the table: the counts, then the differing keys grouped by
// what explains them, with an example of each kind of difference, and every
// key with its explanation in the file o.diffFile. It returns how many
// differing rows nothing explains.
func (r *tableResult) print(o *opts, x explanations, file *strings.Builder) int {
	type group struct {
		label    string
		ids      []int64
		examples []string
		kinds    map[string]bool
	}
	var groups []*group
	byLabel := map[string]*group{}
	unexplained := 0
	for _, d := range r.diffs {
		label, detail := x.why(key{r.table, d.id})
		if label == "" {
			unexplained++
			label, detail = "UNEXPLAINED: no DLQ entry and no held change", "nothing"
		}
		fmt.Fprintf(file, "%s id %d: %s -- %s (%s)\n", r.table, d.id, d.what, label, detail)
		g := byLabel[label]
		if g == nil {
			g = &group{label: label, kinds: map[string]bool{}}
			byLabel[label] = g
			groups = append(groups, g)
		}
		g.ids = append(g.ids, d.id)
		kind := d.what
		if strings.Contains(kind, " at the source, ") {
			kind = "changed"
		}
		if !g.kinds[kind] && len(g.examples) < 3 {
			g.kinds[kind] = true
			g.examples = append(g.examples, fmt.Sprintf("id %d: %s", d.id, d.what))
		}
	}
	fmt.Printf("  %-12s source %5d rows, target %5d rows: %5d match, %4d differ (%d missing, %d extra, %d changed), %d unexplained\n",
		r.table, r.source, r.target, r.matched, len(r.diffs), r.missing, r.extra, r.changed, unexplained)
	slices.SortStableFunc(groups, func(a, b *group) int { return len(b.ids) - len(a.ids) })
	for _, g := range groups {
		fmt.Printf("    %d key%s %s\n", len(g.ids), plural(len(g.ids)), g.label)
		for _, e := range g.examples {
			fmt.Printf("        e.g. %s\n", e)
		}
		ids := g.ids
		more := 0
		if o.list > 0 && len(ids) > o.list {
			ids, more = ids[:o.list], len(ids)-o.list
		}
		text := make([]string, len(ids))
		for i, id := range ids {
			text[i] = strconv.FormatInt(id, 10)
		}
		line := "        ids: " + strings.Join(text, " ")
		if more > 0 {
			line += fmt.Sprintf(" ... (%d more)", more)
		}
		fmt.Println(wrap(line, 110, "             "))
	}
	return unexplained
}

func wrap(s string, width int, indent string) string {
	var b strings.Builder
	col := 0
	for i, w := range strings.Split(s, " ") {
		if i > 0 {
			if col+1+len(w) > width {
				b.WriteString("\n" + indent)
				col = len(indent)
			} else {
				b.WriteByte(' ')
				col++
			}
		}
		b.WriteString(w)
		col += len(w)
	}
	return b.String()
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
func checkCategories(o *opts, st *state, res map[string]*tableResult, x explanations) bool {
	type check struct {
		table, cat, what, want string
		ok                     func(id int64) bool
	}
	inDLQByRule := func(table, rule string) func(int64) bool {
		return func(id int64) bool {
			for _, e := range x.dlq[key{table, id}] {
				if e.Rule == rule {
					return true
				}
			}
			return false
		}
	}
	// A key matches when the target row equals the source row, or neither has one.
	matches := func(table string) func(int64) bool {
		return func(id int64) bool {
			_, differs := res[table].byID[id]
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
				d, differs := res["employees"].byID[id]
				return len(x.held[key{"employees", id}]) > 0 && differs && d.what == missingText
			}},
			{"departments", catLookupMiss, "city code MAD, not in the target's cities", "in the DLQ (lookup miss)", func(id int64) bool {
				return len(x.dlq[key{"departments", id}]) > 0
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
	fmt.Println("what the workload did, and where the config sends it:")
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
