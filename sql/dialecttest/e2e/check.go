package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ferry-cdc/ferry/change"
	fsql "github.com/ferry-cdc/ferry/sql"
)

// maxRows bounds a read-back: the tests' tables are small.
const maxRows = 1_000_000

// rows reads every row of table in s in the change envelope's neutral
// forms, through the dialect's snapshot reader and its Values, as ferry
// verify reads them: one compact JSON object per row, its members named in
// lower case (Oracle folds names to upper case) and sorted, the rows sorted.
func (s *side) rows(ctx context.Context, name string) ([]string, error) {
	tbl, err := s.d.Describe(ctx, s.db, s.Schema, s.d.Fold(name))
	if err != nil {
		return nil, fmt.Errorf("describe %s: %w", name, err)
	}
	r, err := s.d.Snapshot().Reader(ctx, s.db, fsql.ReadSpec{Table: tbl, Key: tbl.PrimaryKey, CodePointOrder: true})
	if err != nil {
		return nil, fmt.Errorf("prepare a read of %s: %w", name, err)
	}
	imgs, err := r.Chunk(ctx, nil, nil, maxRows)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(imgs) == maxRows {
		return nil, fmt.Errorf("table %s has %d rows or more: too many to compare", name, maxRows)
	}
	ct := &change.Table{Schema: tbl.Schema, Name: tbl.Name, Key: tbl.PrimaryKey, Columns: tbl.Columns, Values: s.d.Values()}
	out := make([]string, len(imgs))
	for i, img := range imgs {
		norm, _, err := change.Normalize(ct, img)
		if err != nil {
			return nil, fmt.Errorf("row %s of %s: %w", img, name, err)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(norm, &m); err != nil {
			return nil, err
		}
		lower := make(map[string]json.RawMessage, len(m))
		for k, v := range m {
			lower[strings.ToLower(k)] = v
		}
		b, err := json.Marshal(lower) // sorts the members
		if err != nil {
			return nil, err
		}
		out[i] = string(b)
	}
	slices.Sort(out)
	return out, nil
}

// SourceRows reads table in the source in neutral form (see Converge).
func (p *Pipeline) SourceRows(table string) []string {
	p.t.Helper()
	rows, err := p.src.rows(p.t.Context(), table)
	if err != nil {
		p.t.Fatalf("source %s: %v", p.src.d.Name(), err)
	}
	return rows
}

// Converge waits until every table in the target holds exactly the
// source's rows, value for value in neutral form, and fails the test with
// the first difference when timeout passes first. A read that fails is
// tried again: a server may just have restarted under the test.
func (p *Pipeline) Converge(timeout time.Duration) {
	p.t.Helper()
	ctx := p.t.Context()
	deadline := time.Now().Add(timeout)
	for {
		diff, err := p.diff(ctx)
		if err != nil {
			diff = err.Error()
		} else if diff == "" {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("the target (%s) did not converge with the source (%s) in %s: %s", p.tgt.d.Name(), p.src.d.Name(), timeout, diff)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// diff describes the first difference between the source's tables and the
// target's, "" when there is none.
func (p *Pipeline) diff(ctx context.Context) (string, error) {
	for _, tb := range p.tables {
		s, err := p.src.rows(ctx, tb.Name)
		if err != nil {
			return "", fmt.Errorf("source %s: %w", p.src.d.Name(), err)
		}
		g, err := p.tgt.rows(ctx, tb.Name)
		if err != nil {
			return "", fmt.Errorf("target %s: %w", p.tgt.d.Name(), err)
		}
		if slices.Equal(s, g) {
			continue
		}
		d := fmt.Sprintf("table %s: the source has %d rows, the target %d", tb.Name, len(s), len(g))
		for i := range min(len(s), len(g)) {
			if s[i] != g[i] {
				return d + fmt.Sprintf("\n source: %s\n target: %s", s[i], g[i]), nil
			}
		}
		return d, nil
	}
	return "", nil
}

// Write is one row write the target's audit recorded.
type Write struct {
	V      int64
	Delete bool
}

// Audited reads the target's audit (Server.Audit) of table: each key's
// writes, in the order they took the row's lock.
func (p *Pipeline) Audited(table string) map[int64][]Write {
	p.t.Helper()
	s := p.tgt
	q := fmt.Sprintf("SELECT %s, %s, %s, %s FROM %s ORDER BY %s", s.column("tbl"), s.column("id"), s.column("v"), s.column("op"),
		s.table("audit_log"), s.column("n"))
	r, err := s.db.QueryContext(p.t.Context(), q)
	if err != nil {
		p.t.Fatalf("%s: %v", q, err)
	}
	defer r.Close()
	out := map[int64][]Write{}
	for r.Next() {
		var tbl, op string
		var id, v int64
		if err := r.Scan(&tbl, &id, &v, &op); err != nil {
			p.t.Fatal(err)
		}
		if strings.EqualFold(tbl, table) {
			out[id] = append(out[id], Write{V: v, Delete: strings.TrimSpace(op) == "d"})
		}
	}
	if err := r.Err(); err != nil {
		p.t.Fatal(err)
	}
	return out
}

// CheckVersions checks a table whose rows are written only as the tests'
// writers write them (Ledger): a key is inserted once with v = 0, each
// update raises v by exactly one, and a delete, if any, is the key's last
// change. In the target's audit, each key's writes must then be exactly
// v = 0, 1, 2, ... in that order, then its delete if the source has no row
// of it any more, ending at the source's v: a change lost leaves a gap, a
// change applied twice repeats a version, one applied out of order goes
// back. source maps each key the source holds to its v; keys are every key
// the writers inserted. It returns how many writes it checked.
func CheckVersions(audit map[int64][]Write, source map[int64]int64, keys []int64) (int, error) {
	var errs []string
	n := 0
	for _, k := range keys {
		ws := audit[k]
		n += len(ws)
		final, live := source[k]
		if err := checkKey(ws, final, live); err != "" {
			errs = append(errs, fmt.Sprintf("key %d: %s (writes %v)", k, err, ws))
		}
		if len(errs) >= 10 {
			break
		}
	}
	if len(audit) != len(keys) && len(errs) == 0 {
		errs = append(errs, fmt.Sprintf("the audit has %d keys, the writers wrote %d", len(audit), len(keys)))
	}
	if len(errs) > 0 {
		return n, fmt.Errorf("%d writes audited:\n%s", n, strings.Join(errs, "\n"))
	}
	return n, nil
}

func checkKey(ws []Write, final int64, live bool) string {
	if len(ws) == 0 {
		return "never written"
	}
	for i, w := range ws {
		switch {
		case w.Delete && i == 0:
			return "deleted before it was written"
		case w.Delete && i != len(ws)-1:
			return fmt.Sprintf("written again after its delete (write %d)", i)
		case w.Delete && i > 0 && w.V != ws[i-1].V:
			return fmt.Sprintf("deleted at v=%d after it was written at v=%d", w.V, ws[i-1].V)
		case !w.Delete && w.V != int64(i):
			return fmt.Sprintf("write %d has v=%d, want %d", i, w.V, i)
		}
	}
	last := ws[len(ws)-1]
	switch {
	case live && last.Delete:
		return fmt.Sprintf("deleted in the target, the source has v=%d", final)
	case !live && !last.Delete:
		return "the source deleted it, the target did not"
	case live && last.V != final:
		return fmt.Sprintf("last written at v=%d, the source has v=%d", last.V, final)
	}
	return ""
}
