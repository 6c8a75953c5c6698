package applier

import (
	"bytes"
	"context"
	stdsql "database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/ferry-cdc/ferry/applier/bookkeeping"
	"github.com/ferry-cdc/ferry/applier/lookup"
	"github.com/ferry-cdc/ferry/applier/rule"
	"github.com/ferry-cdc/ferry/change"
	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/dlq"
	fsql "github.com/ferry-cdc/ferry/sql"
	"github.com/ferry-cdc/ferry/sql/dialects"
)

// ferry verify: each routed source table compared with its target table
// through the route, as this package applies it (renamed, dropped and
// constant columns, lookups; excluded columns never leave the source).
//
// Both tables are read in chunks in one key order (ReadSpec.CodePointOrder:
// numbers by value, text by code point, whatever each side's collation),
// and compared in Go, in the change envelope's value forms, which every
// dialect already produces for its changes: the comparison is the same for
// every pair of vendors, and it maps values with the applier's own code.
// A route whose equal rows have the same image bytes on both sides (one
// dialect, nothing renamed, dropped, added or looked up) has each chunk
// hashed in each database instead (Reader.Hash), and only a chunk whose
// hashes differ is read and merged row by row. docs/benchmarks.md has what
// each costs, and why the hashing is not done in the databases for every
// route.

// VerifyOptions tune a verify run.
type VerifyOptions struct {
	// Routes names the routes to verify, by their from, their to, or
	// "from -> to"; none means every route.
	Routes []string
	// ChunkSize is how many source rows one read takes.
	ChunkSize int
	// RecheckAfter is how long a row that differs is given to arrive before
	// it is read again and counts.
	RecheckAfter time.Duration
	// MaxDifferences is how many differences a route's report lists; the
	// counts count them all.
	MaxDifferences int
	// Progress, when set, is told after each chunk how many source rows a
	// route has compared, of about how many (-1: unknown).
	Progress func(route string, rows, estimate int64)
	Log      *slog.Logger
}

// VerifyReport is what verify found, route by route.
type VerifyReport struct {
	Routes []*RouteReport `json:"routes"`
}

// Unexplained counts the differences nothing explains, and the routes that
// could not be verified.
func (r *VerifyReport) Unexplained() int64 {
	var n int64
	for _, rr := range r.Routes {
		n += rr.Unexplained
		if rr.Error != "" {
			n++
		}
	}
	return n
}

// RouteReport is one route's comparison.
type RouteReport struct {
	Route       string           `json:"route"`
	Rows        int64            `json:"rows"` // keys compared: source rows and target rows without one
	Matched     int64            `json:"matched"`
	Missing     int64            `json:"missing"`
	Extra       int64            `json:"extra"`
	Different   int64            `json:"different"`
	InFlight    int64            `json:"in_flight"` // differed, then matched when read again
	Explained   int64            `json:"explained"`
	Unexplained int64            `json:"unexplained"`
	Columns     map[string]int64 `json:"columns,omitempty"` // target column: rows where it differs
	Differences []Difference     `json:"differences,omitempty"`
	Truncated   bool             `json:"differences_truncated,omitempty"`
	Seconds     float64          `json:"seconds"`
	Error       string           `json:"error,omitempty"`
	// Paused is set when the route is paused (ferry route pause): its
	// changes wait in Kafka, so the differences nothing else explains are
	// explained by the pause.
	Paused *PauseState `json:"paused,omitempty"`
}

// PauseState is who paused a route, when and why.
type PauseState struct {
	Since  time.Time `json:"since"`
	By     string    `json:"by,omitempty"`
	Reason string    `json:"reason,omitempty"`
}

// Difference is one key that differs.
type Difference struct {
	// Kind is missing (in the source, not the target), extra (in the
	// target only) or different.
	Kind string `json:"kind"`
	// Key is the source's key as the Kafka message key holds it: what
	// `ferry snapshot --keys` takes.
	Key json.RawMessage `json:"key"`
	// Columns are the target columns that differ, with both values.
	Columns []string                   `json:"columns,omitempty"`
	Source  map[string]json.RawMessage `json:"source,omitempty"`
	Target  map[string]json.RawMessage `json:"target,omitempty"`
	// Explained says why the target may differ: a DLQ entry, a held
	// change, a rule or a lookup; empty when nothing does.
	Explained string `json:"explained_by,omitempty"`
}

// Verifier compares routed tables.
type Verifier struct {
	cfg    *config.Config
	opts   VerifyOptions
	log    *slog.Logger
	dbs    map[string]*stdsql.DB
	checks []*routeCheck
	failed []*RouteReport // routes that could not be set up
	stop   context.CancelFunc
}

// routeCheck is one route, ready to compare.
type routeCheck struct {
	name       string
	r          *route
	srcTable   *change.Table // the source's key and columns
	tgtTable   *change.Table // the target's, keyed by the renamed source key
	src, tgt   fsql.Reader
	tgtName    string // the target table, schema.table
	keyKinds   []fsql.Kind
	identity   bool // equal image bytes mean equal rows
	estimate   int64
	tgtDialect fsql.TargetDialect
	tgtDB      *stdsql.DB
	group      string
}

// NewVerifier connects to the routes' databases and prepares each route.
// A route that cannot be compared (its tables missing, its target key not
// the source key) is reported as such by Run; an error is returned only
// when the config itself names nothing to verify.
func NewVerifier(ctx context.Context, cfg *config.Config, opts VerifyOptions) (*Verifier, error) {
	if opts.ChunkSize <= 0 {
		opts.ChunkSize = 10_000
	}
	if opts.MaxDifferences <= 0 {
		opts.MaxDifferences = 100_000
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	lctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	v := &Verifier{cfg: cfg, opts: opts, log: log, dbs: map[string]*stdsql.DB{}, stop: stop}
	matched := map[string]bool{}
	for _, rc := range cfg.Routes {
		name := rc.From + " -> " + rc.To
		if len(opts.Routes) > 0 {
			i := slices.IndexFunc(opts.Routes, func(s string) bool { return s == name || s == rc.From || s == rc.To })
			if i < 0 {
				continue
			}
			matched[opts.Routes[i]] = true
		}
		c, err := v.prepare(ctx, lctx, rc)
		if err != nil {
			v.failed = append(v.failed, &RouteReport{Route: name, Error: err.Error()})
			continue
		}
		v.checks = append(v.checks, c)
	}
	for _, s := range opts.Routes {
		if !matched[s] {
			v.Close()
			return nil, fmt.Errorf("--route %s: no route has that from, to or name", s)
		}
	}
	if len(v.checks)+len(v.failed) == 0 {
		v.Close()
		return nil, errors.New("no routes to verify")
	}
	return v, nil
}

// Close ends the lookups' refreshes and closes the connections.
func (v *Verifier) Close() {
	v.stop()
	for _, c := range v.checks {
		c.r.lookups.Wait()
	}
	for _, db := range v.dbs {
		db.Close()
	}
}

func (v *Verifier) open(ctx context.Context, kind, name, dialect string, dsn config.DSN) (fsql.Dialect, *stdsql.DB, error) {
	d, err := dialects.Lookup(dialect)
	if err != nil {
		return nil, nil, err
	}
	if db, ok := v.dbs[kind+" "+name]; ok {
		return d, db, nil
	}
	db, err := d.Open(dsn.Secret())
	if err != nil {
		return nil, nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("connect to %s %s: %w", kind, name, err)
	}
	v.dbs[kind+" "+name] = db
	return d, db, nil
}

func (v *Verifier) prepare(ctx, lctx context.Context, rc config.Route) (*routeCheck, error) {
	sname, sref := rc.SplitFrom()
	tname, _ := rc.SplitTo()
	src, ok := v.cfg.Source(sname)
	if !ok {
		return nil, fmt.Errorf("no source %s", sname)
	}
	ct, ok := src.Table(sref)
	if !ok {
		return nil, fmt.Errorf("source %s does not capture %s", sname, sref)
	}
	tgt, ok := v.cfg.Target(tname)
	if !ok {
		return nil, fmt.Errorf("no target %s", tname)
	}
	sd, sdb, err := v.open(ctx, "source", src.Name, src.Dialect, src.DSN)
	if err != nil {
		return nil, err
	}
	d, tdb, err := v.open(ctx, "target", tgt.Name, tgt.Dialect, tgt.DSN)
	if err != nil {
		return nil, err
	}
	td, ok := d.(fsql.TargetDialect)
	if !ok {
		return nil, fmt.Errorf("target %s: dialect %s cannot be a target", tgt.Name, tgt.Dialect)
	}
	rs, err := routes(ctx, v.cfg, tgt, td, tdb, v.log)
	if err != nil {
		return nil, err
	}
	var r *route
	for _, x := range rs {
		if x.name == rc.From+" -> "+rc.To {
			r = x
		}
	}
	if r == nil {
		return nil, fmt.Errorf("route not found for target %s", tgt.Name)
	}
	if err := r.lookups.Start(lctx); err != nil {
		return nil, err
	}

	names, err := fsql.NamesOf(ctx, sd, sdb)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", src.Name, err)
	}
	schema, table := ct.Qualified(names)
	st, err := sd.Describe(ctx, sdb, schema, table)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", src.Name, err)
	}
	key := ct.Key
	if len(key) == 0 {
		key = st.PrimaryKey
	}
	if len(key) == 0 {
		return nil, fmt.Errorf("source table %s has no key", st)
	}
	c := &routeCheck{name: r.name, r: r, tgtName: r.table.String(), tgtDialect: td, tgtDB: tdb,
		group: v.cfg.Apply.GroupID + "-" + tgt.Name}
	c.srcTable = &change.Table{Source: src.Name, DB: src.Name, Schema: st.Schema, Name: st.Name, Key: key, Columns: st.Columns, Values: sd.Values()}

	// The target's key is the source's, renamed, in the source's order.
	var tkey []string
	for _, k := range key {
		to := r.target(k)
		if to == "" {
			return nil, fmt.Errorf("the route drops key column %s", k)
		}
		if slices.ContainsFunc(rc.Lookups, func(l config.Lookup) bool { return l.Column == k }) {
			return nil, fmt.Errorf("key column %s goes through a lookup: the target's key order is not the source's", k)
		}
		col, _ := st.Column(k)
		c.keyKinds = append(c.keyKinds, col.Kind)
		tkey = append(tkey, to)
	}
	if !sameSet(tkey, r.key) {
		return nil, fmt.Errorf("the target's primary key (%s) is not the source's key (%s) renamed (%s)",
			strings.Join(r.key, ", "), strings.Join(key, ", "), strings.Join(tkey, ", "))
	}
	c.tgtTable = &change.Table{Source: tgt.Name, DB: tgt.Name, Schema: r.table.Schema, Name: r.table.Name, Key: tkey, Columns: r.table.Columns, Values: td.Values()}

	// The target is read with what the route writes only: its other
	// columns are the target's own business.
	written := map[string]bool{}
	for _, col := range st.Columns {
		if !slices.Contains(ct.Exclude, col.Name) {
			if to := r.target(col.Name); to != "" {
				written[to] = true
			}
		}
	}
	for k := range r.constants {
		written[k] = true
	}
	var texclude []string
	var tcols, scols []string
	for _, col := range r.table.Columns {
		if written[col.Name] {
			tcols = append(tcols, col.Name)
		} else {
			texclude = append(texclude, col.Name)
		}
	}
	for _, col := range st.Columns {
		if !slices.Contains(ct.Exclude, col.Name) {
			scols = append(scols, col.Name)
		}
	}
	c.identity = sd.Name() == td.Name() && len(r.rename) == 0 && len(r.drop) == 0 && len(r.constants) == 0 &&
		r.lookups == nil && slices.Equal(scols, tcols) && slices.Equal(ct.Exclude, texclude) && slices.Equal(key, tkey)

	if c.src, err = sd.Snapshot().Reader(ctx, sdb, fsql.ReadSpec{Table: st, Key: key, Exclude: ct.Exclude, CodePointOrder: true}); err != nil {
		return nil, err
	}
	if c.tgt, err = td.Snapshot().Reader(ctx, tdb, fsql.ReadSpec{Table: r.table, Key: tkey, Exclude: texclude, CodePointOrder: true}); err != nil {
		return nil, err
	}
	if c.estimate, err = sd.Snapshot().Estimate(ctx, sdb, st.Schema, st.Name); err != nil {
		return nil, err
	}
	return c, nil
}

func sameSet(a, b []string) bool {
	return len(a) == len(b) && !slices.ContainsFunc(a, func(s string) bool { return !slices.Contains(b, s) })
}

// Run compares every route, then reads each differing key again after
// RecheckAfter, and explains what still differs.
func (v *Verifier) Run(ctx context.Context) (*VerifyReport, error) {
	rep := &VerifyReport{}
	var entries []*dlq.Entry
	if len(v.checks) > 0 {
		var err error
		entries, err = dlq.Read(ctx, strings.Join(v.cfg.Kafka.Brokers, ","), v.cfg.Kafka.Properties, v.cfg.Apply.DLQTopic)
		if err != nil {
			return nil, fmt.Errorf("read the DLQ to explain differences: %w", err)
		}
	}
	for _, c := range v.checks {
		start := time.Now()
		rr := &RouteReport{Route: c.name, Columns: map[string]int64{}}
		diffs, err := c.scan(ctx, rr, v.opts)
		if err == nil && len(diffs) > 0 {
			if v.opts.RecheckAfter > 0 {
				select {
				case <-ctx.Done():
					return nil, ctx.Err()
				case <-time.After(v.opts.RecheckAfter):
				}
			}
			order := map[string]int{}
			for i, d := range diffs {
				order[string(d.Key)] = i
			}
			if diffs, err = c.recheck(ctx, diffs); err == nil {
				slices.SortStableFunc(diffs, func(a, b Difference) int { return order[string(a.Key)] - order[string(b.Key)] })
			}
			rr.InFlight = rr.Missing + rr.Extra + rr.Different - int64(len(diffs))
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			rr.Error = err.Error()
		} else if rr.Paused, err = c.explain(ctx, diffs, entries); err != nil {
			rr.Error = err.Error()
		}
		rr.Missing, rr.Extra, rr.Different = 0, 0, 0
		for _, d := range diffs {
			switch d.Kind {
			case "missing":
				rr.Missing++
			case "extra":
				rr.Extra++
			default:
				rr.Different++
				for _, col := range d.Columns {
					rr.Columns[col]++
				}
			}
			if d.Explained != "" {
				rr.Explained++
			} else {
				rr.Unexplained++
			}
		}
		rr.Matched += rr.InFlight
		if len(diffs) > v.opts.MaxDifferences {
			diffs, rr.Truncated = diffs[:v.opts.MaxDifferences], true
		}
		rr.Differences = diffs
		rr.Seconds = time.Since(start).Seconds()
		rep.Routes = append(rep.Routes, rr)
	}
	rep.Routes = append(rep.Routes, v.failed...)
	return rep, nil
}

// Recheck reads the given source keys of a route again on both sides and
// returns those that still differ, explained where something explains them.
func (v *Verifier) Recheck(ctx context.Context, route string, keys []json.RawMessage) ([]Difference, error) {
	for _, c := range v.checks {
		if c.name != route {
			continue
		}
		diffs := make([]Difference, len(keys))
		for i, k := range keys {
			diffs[i] = Difference{Kind: "different", Key: k}
		}
		diffs, err := c.recheck(ctx, diffs)
		if err != nil {
			return nil, err
		}
		entries, err := dlq.Read(ctx, strings.Join(v.cfg.Kafka.Brokers, ","), v.cfg.Kafka.Properties, v.cfg.Apply.DLQTopic)
		if err != nil {
			return nil, fmt.Errorf("read the DLQ to explain differences: %w", err)
		}
		_, err = c.explain(ctx, diffs, entries)
		return diffs, err
	}
	return nil, fmt.Errorf("no route %s", route)
}

// row is one side's row, decoded.
type row struct {
	raw  []byte
	key  json.RawMessage   // the source key, as the Kafka key
	kv   []json.RawMessage // the key's values, in the source key's order
	cols map[string]json.RawMessage
	// why explains at once a source row the route would not apply as it
	// is: a rule that rejects, skips or holds it, a lookup without entry.
	why string
}

// scan reads both tables in key order and returns what differs. A route
// whose images are the same bytes on both sides when the rows are equal
// (identity) has each chunk hashed where it is, and read only when the
// hashes differ; any other route's chunks are read and compared row by row.
func (c *routeCheck) scan(ctx context.Context, rr *RouteReport, o VerifyOptions) ([]Difference, error) {
	n := o.ChunkSize
	var diffs []Difference
	var after, tafter json.RawMessage
	var prevS, prevT []json.RawMessage
	type step struct {
		hash fsql.ChunkHash
		rows [][]byte
		err  error
	}
	// The source's next chunk is read while this one is compared.
	fetch := func(after json.RawMessage) chan step {
		ch := make(chan step, 1)
		go func() {
			var st step
			if c.identity {
				st.hash, st.err = c.src.Hash(ctx, after, nil, n)
			} else {
				st.rows, st.err = c.src.Chunk(ctx, after, nil, n)
			}
			ch <- st
		}()
		return ch
	}
	next := fetch(nil)
	var seen int64
	for {
		st := <-next
		if st.err != nil {
			return nil, st.err
		}
		count := len(st.rows)
		var lastImage []byte
		if c.identity {
			count, lastImage = st.hash.Rows, st.hash.Last
		} else if count == n {
			lastImage = st.rows[n-1]
		}
		var last, until json.RawMessage
		if count == n {
			_, k, err := change.Normalize(c.srcTable, lastImage)
			if err != nil {
				return nil, err
			}
			last = k
			if until, err = c.targetKey(k); err != nil {
				return nil, err
			}
			next = fetch(last)
		}
		matched := false
		if c.identity {
			th, err := c.tgt.Hash(ctx, tafter, until, 0)
			if err != nil {
				return nil, err
			}
			matched = th.Rows == count && bytes.Equal(th.Sum, st.hash.Sum)
			if !matched {
				// Drill into the chunk: read its rows on both sides.
				if st.rows, err = c.src.Chunk(ctx, after, last, n); err != nil {
					return nil, err
				}
			}
		}
		if matched {
			rr.Rows += int64(count)
			rr.Matched += int64(count)
		} else {
			trows, err := c.targetRows(ctx, tafter, until, n)
			if err != nil {
				return nil, err
			}
			d, err := c.merge(st.rows, trows, rr, &prevS, &prevT)
			if err != nil {
				return nil, err
			}
			diffs = append(diffs, d...)
		}
		seen += int64(count)
		if o.Progress != nil {
			o.Progress(c.name, seen, c.estimate)
		}
		if count < n {
			return diffs, nil
		}
		after, tafter = last, until
	}
}

// targetRows reads the target's rows with keys in (after, until], in pages.
func (c *routeCheck) targetRows(ctx context.Context, after, until json.RawMessage, n int) ([][]byte, error) {
	var rows [][]byte
	for {
		page, err := c.tgt.Chunk(ctx, after, until, n)
		if err != nil {
			return nil, err
		}
		rows = append(rows, page...)
		if len(page) < n {
			return rows, nil
		}
		_, k, err := change.Normalize(c.tgtTable, page[n-1])
		if err != nil {
			return nil, err
		}
		after = k
	}
}

// merge compares a chunk's rows from both sides, in key order.
func (c *routeCheck) merge(srows, trows [][]byte, rr *RouteReport, prevS, prevT *[]json.RawMessage) ([]Difference, error) {
	var diffs []Difference
	// The two sides decode at once: decoding is most of a chunk's time.
	var ts []*row
	var terr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		ts, terr = c.decode(trows, c.targetRow, prevT, "target")
	}()
	ss, err := c.decode(srows, c.sourceRow, prevS, "source")
	<-done
	if err != nil {
		return nil, err
	}
	if terr != nil {
		return nil, terr
	}
	i, j := 0, 0
	for i < len(ss) || j < len(ts) {
		rr.Rows++
		var cmp int
		switch {
		case i == len(ss):
			cmp = 1
		case j == len(ts):
			cmp = -1
		default:
			cmp, _ = compareKey(c.keyKinds, ss[i].kv, ts[j].kv)
		}
		switch {
		case cmp < 0:
			diffs = append(diffs, Difference{Kind: "missing", Key: ss[i].key, Explained: ss[i].why})
			rr.Missing++
			i++
		case cmp > 0:
			diffs = append(diffs, Difference{Kind: "extra", Key: c.sourceKey(ts[j].kv)})
			rr.Extra++
			j++
		default:
			if d, ok := c.differ(ss[i], ts[j]); ok {
				diffs = append(diffs, d)
				rr.Different++
			} else {
				rr.Matched++
			}
			i++
			j++
		}
	}
	return diffs, nil
}

// decode decodes one side's images and checks their keys' order.
func (c *routeCheck) decode(imgs [][]byte, decode func([]byte) (*row, error), prev *[]json.RawMessage, side string) ([]*row, error) {
	out := make([]*row, len(imgs))
	for i, img := range imgs {
		r, err := decode(img)
		if err != nil {
			return nil, err
		}
		if err := c.inOrder(prev, r.kv, side); err != nil {
			return nil, err
		}
		out[i] = r
	}
	return out, nil
}

// inOrder checks that the database returned keys in the order the merge
// assumes; if not, comparing would report rows missing that are not.
func (c *routeCheck) inOrder(prev *[]json.RawMessage, kv []json.RawMessage, side string) error {
	if *prev != nil {
		cmp, ok := compareKey(c.keyKinds, *prev, kv)
		if !ok {
			return fmt.Errorf("the key's type cannot be compared in one order on both sides (%s)", strings.Join(c.srcTable.Key, ", "))
		}
		if cmp >= 0 {
			return fmt.Errorf("the %s returned keys out of the order verify compares in (%s after %s): its key type or collation orders differently",
				side, jsonList(kv), jsonList(*prev))
		}
	}
	*prev = kv
	return nil
}

func jsonList(vs []json.RawMessage) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = string(v)
	}
	return strings.Join(parts, ", ")
}

// sourceRow decodes a source image and maps it through the route as the
// applier would apply it.
func (c *routeCheck) sourceRow(img []byte) (*row, error) {
	norm, key, err := change.Normalize(c.srcTable, img)
	if err != nil {
		return nil, err
	}
	m, err := members(norm)
	if err != nil {
		return nil, fmt.Errorf("source row %s: %w", key, err)
	}
	s := &row{raw: img, key: key, kv: make([]json.RawMessage, len(c.srcTable.Key))}
	for i, k := range c.srcTable.Key {
		s.kv[i] = m[k]
	}
	r := c.r
	if r.rules != nil {
		var v rule.Verdict
		row, err := ruleRow(r, m)
		if err == nil {
			v, err = r.rules.Check("r", row)
		}
		switch {
		case err != nil:
			s.why = "rule " + v.Rule + " cannot be evaluated on it (the applier puts it in the DLQ)"
		case v.Action == rule.Reject:
			s.why = "rule " + v.Rule + " rejects it"
		case v.Action == rule.Skip:
			s.why = "rule " + v.Rule + " skips it"
		case v.Action == rule.Hold:
			s.why = "rule " + v.Rule + " holds it"
		}
	}
	if err := r.lookups.Apply(m); err != nil {
		var miss *lookup.MissingError
		if !errors.As(err, &miss) {
			return nil, err
		}
		if s.why == "" {
			s.why = fmt.Sprintf("lookup %s has no entry for %q", miss.Column, miss.Value)
		}
	}
	s.cols = make(map[string]json.RawMessage, len(m)+len(r.constants))
	for col, val := range m {
		if to := r.target(col); to != "" {
			s.cols[to] = val
		}
	}
	for col, val := range r.constants {
		s.cols[col] = val
	}
	return s, nil
}

func (c *routeCheck) targetRow(img []byte) (*row, error) {
	norm, _, err := change.Normalize(c.tgtTable, img)
	if err != nil {
		return nil, err
	}
	t := &row{raw: img, kv: make([]json.RawMessage, len(c.tgtTable.Key))}
	if t.cols, err = members(norm); err != nil {
		return nil, fmt.Errorf("target row: %w", err)
	}
	for i, k := range c.tgtTable.Key {
		t.kv[i] = t.cols[k]
	}
	return t, nil
}

// differ compares the columns the route writes; it returns the difference
// when there is one.
func (c *routeCheck) differ(s, t *row) (Difference, bool) {
	d := Difference{Kind: "different", Key: s.key, Explained: s.why}
	for _, col := range slices.Sorted(maps.Keys(s.cols)) {
		tc, ok := c.r.columns[col]
		if !ok {
			continue // the applier would refuse it: a DLQ entry says so
		}
		tv, ok := t.cols[col]
		if !ok {
			tv = json.RawMessage("null")
		}
		if !sameValue(tc.Kind, tc.Elem, s.cols[col], tv) {
			if d.Source == nil {
				d.Source, d.Target = map[string]json.RawMessage{}, map[string]json.RawMessage{}
			}
			d.Columns = append(d.Columns, col)
			d.Source[col], d.Target[col] = s.cols[col], tv
		}
	}
	return d, len(d.Columns) > 0
}

// sourceKey is the Kafka key a target row's key values make.
func (c *routeCheck) sourceKey(kv []json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range c.srcTable.Key {
		if i > 0 {
			b.WriteByte(',')
		}
		name, _ := json.Marshal(k)
		b.Write(name)
		b.WriteByte(':')
		b.Write(kv[i])
	}
	b.WriteByte('}')
	return b.Bytes()
}

// targetKey renames a source key's columns to the target's.
func (c *routeCheck) targetKey(key json.RawMessage) (json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(key, &m); err != nil {
		return nil, fmt.Errorf("key %s: %w", key, err)
	}
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		out[c.r.target(k)] = v
	}
	return json.Marshal(out)
}

// recheck reads the differing keys again, on both sides, and returns those
// that still differ: a row that was in flight the first time matches now.
func (c *routeCheck) recheck(ctx context.Context, diffs []Difference) ([]Difference, error) {
	var out []Difference
	for start := 0; start < len(diffs); start += 5000 {
		part := diffs[start:min(start+5000, len(diffs))]
		skeys := make([][]byte, len(part))
		tkeys := make([][]byte, len(part))
		for i, d := range part {
			skeys[i] = d.Key
			tk, err := c.targetKey(d.Key)
			if err != nil {
				return nil, err
			}
			tkeys[i] = tk
		}
		sk, err := c.src.Keys(ctx, skeys)
		if err != nil {
			return nil, err
		}
		tk, err := c.tgt.Keys(ctx, tkeys)
		if err != nil {
			return nil, err
		}
		tby := map[string]*row{}
		for _, k := range tk {
			if k.Row == nil {
				continue
			}
			t, err := c.targetRow(k.Row)
			if err != nil {
				return nil, err
			}
			tby[string(c.sourceKey(t.kv))] = t
		}
		for _, k := range sk {
			var s *row
			if k.Row != nil {
				if s, err = c.sourceRow(k.Row); err != nil {
					return nil, err
				}
			} else {
				_, key, err := change.Normalize(c.srcTable, k.Key)
				if err != nil {
					return nil, err
				}
				s = &row{key: key}
			}
			t := tby[string(s.key)]
			delete(tby, string(s.key))
			if t == nil {
				// The target may print the key's values in another form
				// (a decimal's scale): look for it by value.
				kv := keyValues(c.srcTable.Key, s.key)
				for tk, tr := range tby {
					if cmp, ok := compareKey(c.keyKinds, kv, tr.kv); ok && cmp == 0 {
						t = tr
						delete(tby, tk)
						break
					}
				}
			}
			switch {
			case s.cols == nil && t == nil:
			case s.cols == nil:
				out = append(out, Difference{Kind: "extra", Key: s.key})
			case t == nil:
				out = append(out, Difference{Kind: "missing", Key: s.key, Explained: s.why})
			default:
				if d, ok := c.differ(s, t); ok {
					out = append(out, d)
				}
			}
		}
	}
	return out, nil
}

func keyValues(key []string, obj json.RawMessage) []json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(obj, &m) != nil {
		return nil
	}
	out := make([]json.RawMessage, len(key))
	for i, k := range key {
		out[i] = m[k]
	}
	return out
}

// explain says why each difference may be expected: an outstanding DLQ
// entry of its key, a change of its key held in the target, or, for what
// nothing else explains, the route being paused (its changes wait in
// Kafka); it returns the route's pause when it is paused.
func (c *routeCheck) explain(ctx context.Context, diffs []Difference, entries []*dlq.Entry) (*PauseState, error) {
	// The pause is read even without differences: the report says a
	// route is paused whatever it found.
	paused, err := c.pause(ctx)
	if err != nil || len(diffs) == 0 {
		return paused, err
	}
	inDLQ := map[string]*dlq.Entry{}
	for _, e := range entries {
		// The first entry of a key is the cause; later ones are parked behind it.
		if _, seen := inDLQ[string(e.Key)]; e.Route == c.name && !seen {
			inDLQ[string(e.Key)] = e
		}
	}
	held := map[string]string{}
	if ok, err := c.hasBookkeeping(ctx, "apply_held"); err != nil {
		return nil, err
	} else if ok {
		tx, err := c.tgtDB.BeginTx(ctx, &stdsql.TxOptions{ReadOnly: true})
		if err != nil {
			return nil, err
		}
		hs, err := c.book().Held(ctx, tx)
		tx.Rollback()
		if err != nil {
			return nil, err
		}
		for _, h := range hs {
			if k, ok := strings.CutPrefix(h.Key, c.name+"|"); ok {
				if _, seen := held[k]; !seen {
					held[k] = h.Reason
				}
			}
		}
	}
	for i := range diffs {
		d := &diffs[i]
		if e := inDLQ[string(d.Key)]; e != nil {
			d.Explained = fmt.Sprintf("in the DLQ (%s: %s)", e.Class, oneLine(strings.TrimPrefix(e.Error, "route "+c.name+": ")))
			if e.Rule != "" {
				d.Explained = fmt.Sprintf("in the DLQ (rule %s)", e.Rule)
			}
		} else if why, ok := held[string(d.Key)]; ok {
			d.Explained = "held in the target (" + oneLine(why) + ")"
		} else if paused != nil && d.Explained == "" {
			d.Explained = "the route is paused: its changes wait in Kafka (ferry route resume)"
		}
	}
	return paused, nil
}

func (c *routeCheck) book() *bookkeeping.Store {
	return bookkeeping.New(c.tgtDialect.Target().Bookkeeping(c.tgtDialect.Fold(Schema)), c.group)
}

// hasBookkeeping says whether the target has the Ferry table yet: a
// target no applier has run against has nothing held and nothing paused.
func (c *routeCheck) hasBookkeeping(ctx context.Context, table string) (bool, error) {
	_, err := c.tgtDialect.Describe(ctx, c.tgtDB, c.tgtDialect.Fold(Schema), c.tgtDialect.Fold(table))
	if errors.Is(err, fsql.ErrNoTable) {
		return false, nil
	}
	return err == nil, err
}

// pause reads whether the route is paused (ferry route pause).
func (c *routeCheck) pause(ctx context.Context) (*PauseState, error) {
	if ok, err := c.hasBookkeeping(ctx, "route_state"); !ok || err != nil {
		return nil, err
	}
	states, err := c.book().RouteStates(ctx, c.tgtDB)
	if err != nil {
		return nil, err
	}
	for _, s := range states {
		if s.Route == c.name && s.Paused {
			return &PauseState{Since: s.Since, By: s.By, Reason: s.Reason}, nil
		}
	}
	return nil, nil
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 100 {
		s = s[:97] + "..."
	}
	return s
}

// members splits a JSON object, an image normalised by package change,
// into its members; the values share one copy of the object's bytes.
func members(obj []byte) (map[string]json.RawMessage, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(obj))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return nil, fmt.Errorf("not a JSON object: %.40s", obj)
	}
	out := make(map[string]json.RawMessage, 16)
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, err
		}
		name := tok.String()
		start := dec.InputOffset()
		if err := dec.SkipValue(); err != nil {
			return nil, err
		}
		out[name] = bytes.TrimLeft(obj[start:dec.InputOffset()], " \t\r\n:")
	}
	return out, nil
}
