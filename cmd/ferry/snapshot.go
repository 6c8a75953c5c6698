package main

import (
	"bufio"
	"bytes"
	"context"
	stdsql "database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ferry-cdc/ferry/config"
	fsql "github.com/ferry-cdc/ferry/sql"
	"github.com/ferry-cdc/ferry/sql/dialects"
)

// defaultChunkSize is how many rows one snapshot chunk reads.
const defaultChunkSize = 10_000

func newSnapshot(g *globals) *cobra.Command {
	var source, keysFile string
	var tables []string
	var chunk, maxRate int
	var wait bool
	cmd := &cobra.Command{
		Use:   "snapshot",
		Short: "Publish the rows tables already hold, without locks, among the live changes",
		Long: `snapshot asks the leading ferry relay of each source to read the configured
tables (or --table ones) in key order, one chunk per relay cycle, and to
publish their rows as op "r" among the live changes, exactly once and never
ahead of a newer change of the same key (the watermark technique of Netflix's
DBLog; see the README). It records the request in the capture schema and
returns; --wait follows it with a progress bar per table.

--keys FILE reads only the keys in FILE, one JSON object per line in the
form of the table's Kafka message keys ({"id":42}). A key that no row has is
published as a delete and a tombstone, in the same order with live changes:
this is how ferry verify --repair mends a target.

A snapshot survives relay restarts and crashes: it goes on from the last
chunk committed to Kafka. A finished snapshot is not repeated unless
requested again.`,
		Example: `  ferry snapshot -c ferry.yaml --wait
  ferry snapshot -c ferry.yaml --source hq --table public.emp --chunk-size 20000
  ferry snapshot -c ferry.yaml --table public.emp --chunk-size 1000 --max-rate 5000
  ferry snapshot -c ferry.yaml --table public.emp --keys keys.jsonl --wait
  ferry snapshot status -c ferry.yaml
  ferry snapshot cancel -c ferry.yaml --table public.emp`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			if err := checkChunkSize(chunk); err != nil {
				return err
			}
			if maxRate < 0 {
				return usageError(fmt.Errorf("--max-rate %d: want 0 (no limit) or more", maxRate))
			}
			var keys [][]byte
			if keysFile != "" {
				if len(tables) != 1 {
					return usageError(errors.New("--keys needs exactly one --table"))
				}
				if keys, err = readKeys(keysFile); err != nil {
					return usageError(err)
				}
			}
			ctx := cmd.Context()
			srcs, err := openSources(ctx, cfg, source)
			if err != nil {
				return err
			}
			defer closeSources(srcs)
			var items []*waitItem
			for _, s := range srcs {
				picked, err := s.pick(tables)
				if err != nil {
					return err
				}
				for _, r := range picked {
					it, err := s.request(ctx, cmd.ErrOrStderr(), r, keys, chunk, maxRate)
					if err != nil {
						return err
					}
					fmt.Fprintf(cmd.OutOrStdout(), "source %s: request %d: %s; the leading ferry relay of %s runs it\n",
						s.src.Name, it.id, it.what(), s.src.Name)
					items = append(items, it)
				}
			}
			if len(items) == 0 {
				return usageError(fmt.Errorf("no table to snapshot: --table %v matches no captured table", tables))
			}
			if !wait {
				return nil
			}
			return waitRequests(ctx, cmd.ErrOrStderr(), items)
		},
	}
	cmd.PersistentFlags().StringVar(&source, "source", "", "only this source (default: every source)")
	cmd.Flags().StringArrayVar(&tables, "table", nil, "a captured table, schema.table as the config names it (repeatable; default: every captured table)")
	cmd.Flags().StringVar(&keysFile, "keys", "", "read only these keys: a file with one JSON key object per line, like the Kafka message keys")
	cmd.Flags().IntVar(&chunk, "chunk-size", defaultChunkSize, "rows (or keys) read per chunk")
	cmd.Flags().IntVar(&maxRate, "max-rate", 0, "read at most this many rows a second (0: as fast as the relay goes), to spare a busy source")
	cmd.Flags().BoolVar(&wait, "wait", false, "follow the snapshot until it ends; exit 1 if it fails or is cancelled")
	cmd.AddCommand(newSnapshotStatus(g, &source), newSnapshotCancel(g, &source))
	return cmd
}

func newSnapshotStatus(g *globals, source *string) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show each snapshot request: state, rows done and estimated, started, finished",
		Long: `status lists the snapshot requests of each source, oldest first. The rows done
mirror the relay's position in Kafka, which holds the truth, at most one chunk
behind it. ESTIMATED is the catalog's estimate when the snapshot was
requested, or the number of keys of a request for some keys. Of a PostgreSQL
table never analysed or vacuumed (no estimate in pg_class), its first 100,000
rows are counted instead: fewer is the exact count; as many, the table's pages
times the rows per page of those rows. - (-1 in --json): no estimate.`,
		Example: "  ferry snapshot status -c ferry.yaml\n  ferry snapshot status -c ferry.yaml --json",
		Args:    cobra.NoArgs,
		RunE: withSources(g, source, func(cmd *cobra.Command, srcs []*sourceConn) error {
			type row struct {
				Source    string     `json:"source"`
				ID        int64      `json:"request"`
				Table     string     `json:"table"`
				Keys      *int       `json:"keys,omitempty"`
				State     string     `json:"state"`
				Rows      int64      `json:"rows"`
				Estimate  int64      `json:"estimated"`
				LastKey   string     `json:"last_key,omitempty"`
				Requested time.Time  `json:"requested"`
				Started   *time.Time `json:"started,omitempty"`
				Finished  *time.Time `json:"finished,omitempty"`
				Error     string     `json:"error,omitempty"`
			}
			var out []row
			for _, s := range srcs {
				reqs, err := s.store().List(cmd.Context(), true)
				if err != nil {
					return err
				}
				for _, q := range reqs {
					r := row{Source: s.src.Name, ID: q.ID, Table: q.Schema + "." + q.Table, State: q.State, Rows: q.Rows,
						Estimate: q.Estimate, LastKey: q.LastKey, Requested: q.Requested, Error: q.Error}
					if !q.Whole() {
						n := q.KeyCount
						r.Keys, r.Estimate = &n, int64(n)
					}
					if !q.Started.IsZero() {
						r.Started = &q.Started
					}
					if !q.Finished.IsZero() {
						r.Finished = &q.Finished
					}
					out = append(out, r)
				}
			}
			w := cmd.OutOrStdout()
			if asJSON {
				if out == nil {
					out = []row{}
				}
				return writeJSON(w, out)
			}
			if len(out) == 0 {
				_, err := fmt.Fprintln(w, "no snapshot requests")
				return err
			}
			tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SOURCE\tREQUEST\tTABLE\tKIND\tSTATE\tROWS\tESTIMATED\tSTARTED\tFINISHED\tERROR")
			for _, r := range out {
				kind, est := "table", "-"
				if r.Keys != nil {
					kind = "keys"
				}
				if r.Estimate >= 0 {
					est = strconv.FormatInt(r.Estimate, 10)
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", r.Source, r.ID, r.Table, kind, r.State, r.Rows, est,
					maybeStamp(r.Started), maybeStamp(r.Finished), orDash(r.Error))
			}
			return tw.Flush()
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "write JSON")
	return cmd
}

func newSnapshotCancel(g *globals, source *string) *cobra.Command {
	var tables []string
	cmd := &cobra.Command{
		Use:   "cancel",
		Short: "Cancel a table's pending and running snapshot requests",
		Long: `cancel marks the table's pending and running snapshot requests cancelled; the
relay stops reading them within about a second. Rows already published stay
published: they are correct rows, in their place among the changes.`,
		Example: "  ferry snapshot cancel -c ferry.yaml --table public.emp",
		Args:    cobra.NoArgs,
		PreRunE: func(*cobra.Command, []string) error {
			if len(tables) == 0 {
				return usageError(errors.New("cancel needs --table"))
			}
			return nil
		},
		RunE: withSources(g, source, func(cmd *cobra.Command, srcs []*sourceConn) error {
			for _, name := range tables {
				found := false
				for _, s := range srcs {
					picked, err := s.pick([]string{name})
					if err != nil {
						return err
					}
					found = found || len(picked) > 0
				}
				if !found {
					return usageError(fmt.Errorf("--table %s matches no captured table", name))
				}
			}
			for _, s := range srcs {
				for _, name := range tables {
					schema, table := config.Table{Name: name}.Qualified(s.names)
					n, err := s.store().Cancel(cmd.Context(), schema, table)
					if err != nil {
						return err
					}
					fmt.Fprintf(cmd.OutOrStdout(), "source %s: cancelled %d snapshot request(s) of %s.%s\n", s.src.Name, n, schema, table)
				}
			}
			return nil
		}),
	}
	cmd.Flags().StringArrayVar(&tables, "table", nil, "the table, schema.table (repeatable)")
	return cmd
}

// withSources is a RunE that loads the config and opens the sources
// (--source, or all) for fn.
func withSources(g *globals, source *string, fn func(*cobra.Command, []*sourceConn) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		cfg, err := g.loadConfig()
		if err != nil {
			return err
		}
		srcs, err := openSources(cmd.Context(), cfg, *source)
		if err != nil {
			return err
		}
		defer closeSources(srcs)
		return fn(cmd, srcs)
	}
}

func checkChunkSize(n int) error {
	if n < 1 || n > 1_000_000 {
		return usageError(fmt.Errorf("--chunk-size %d: want 1 to 1000000", n))
	}
	return nil
}

// sourceConn is a source opened for snapshot requests.
type sourceConn struct {
	src   *config.Source
	d     fsql.SourceDialect
	db    *stdsql.DB
	reg   []fsql.Registered
	names fsql.Names // as the connection resolves them
}

// schema is the capture schema as the catalog holds it.
func (s *sourceConn) schema() string { return s.d.Fold(s.src.CaptureSchema) }

func (s *sourceConn) store() fsql.Requests {
	return s.d.Source().Requests(s.db, s.schema())
}

func openSources(ctx context.Context, cfg *config.Config, only string) ([]*sourceConn, error) {
	var out []*sourceConn
	for i := range cfg.Sources {
		src := &cfg.Sources[i]
		if only != "" && src.Name != only {
			continue
		}
		d, err := dialects.Source(src.Dialect)
		if err != nil {
			closeSources(out)
			return nil, usageError(fmt.Errorf("source %s: %w", src.Name, err))
		}
		db, err := connect(ctx, d, src.DSN)
		if err != nil {
			closeSources(out)
			return nil, fmt.Errorf("connect to source %s: %w", src.Name, err)
		}
		s := &sourceConn{src: src, d: d, db: db}
		out = append(out, s)
		if s.reg, err = d.Source().Capture().Registry(ctx, db, s.schema()); err != nil {
			closeSources(out)
			return nil, err
		}
		if s.names, err = fsql.NamesOf(ctx, d, db); err != nil {
			closeSources(out)
			return nil, fmt.Errorf("source %s: %w", src.Name, err)
		}
	}
	if len(out) == 0 {
		return nil, usageError(fmt.Errorf("--source %s: no such source in %s", only, cfg.File))
	}
	return out, nil
}

func closeSources(srcs []*sourceConn) {
	for _, s := range srcs {
		s.db.Close()
	}
}

// pick returns the captured tables named (every one when none is named).
// A configured table not captured yet is an error that says what to run.
func (s *sourceConn) pick(names []string) ([]fsql.Registered, error) {
	if len(names) == 0 {
		var out []fsql.Registered
		for _, ref := range s.src.Resolve(s.names) {
			r, err := s.registered(ref.Schema, ref.Table)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, nil
	}
	var out []fsql.Registered
	for _, n := range names {
		schema, table := config.Table{Name: n}.Qualified(s.names)
		if t, ok := s.src.Table(n); ok {
			schema, table = t.Qualified(s.names)
		}
		configured := false
		for _, ref := range s.src.Resolve(s.names) {
			configured = configured || (ref.Schema == schema && ref.Table == table)
		}
		if !configured {
			continue // another source's, maybe
		}
		r, err := s.registered(schema, table)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func (s *sourceConn) registered(schema, table string) (fsql.Registered, error) {
	for _, r := range s.reg {
		if r.Schema == schema && r.Name == table {
			return r, nil
		}
	}
	return fsql.Registered{}, fmt.Errorf("source %s: %s.%s is not captured yet: run `ferry migrate up` first", s.src.Name, schema, table)
}

// request records one snapshot request, with a note on stderr when no
// index serves the table's key.
func (s *sourceConn) request(ctx context.Context, note io.Writer, r fsql.Registered, keys [][]byte, chunk, maxRate int) (*waitItem, error) {
	snap := s.d.Snapshot()
	if keys != nil {
		if err := checkKeys(keys, r.Key); err != nil {
			return nil, usageError(err)
		}
	}
	indexed, err := snap.KeyIndexed(ctx, s.db, r.Schema, r.Name, r.Key)
	if err != nil {
		return nil, err
	}
	if !indexed {
		fmt.Fprintf(note, "note: source %s: no index on the key (%s) of %s: each chunk of the snapshot sorts the table; an index on the key makes it fast\n",
			s.src.Name, joinNames(r.Key), r)
	}
	est := int64(len(keys))
	if keys == nil {
		if est, err = snap.Estimate(ctx, s.db, r.Schema, r.Name); err != nil {
			return nil, err
		}
	}
	ids, err := s.store().Add(ctx, []fsql.SnapshotRequest{{TableID: r.ID, Schema: r.Schema, Table: r.Name, Keys: keys, ChunkSize: chunk, MaxRate: maxRate, Estimate: est}})
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", s.src.Name, err)
	}
	return &waitItem{src: s, id: ids[0], table: r.String(), keys: keys != nil, total: est}, nil
}

// readKeys reads a keys file: one JSON object per line; blank lines and
// lines starting with # are skipped.
func readKeys(path string) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--keys: %w", err)
	}
	defer f.Close()
	keys := [][]byte{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(line, &obj); err != nil {
			return nil, fmt.Errorf("--keys %s:%d: not a JSON object: %v", path, n, err)
		}
		keys = append(keys, bytes.Clone(line))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("--keys %s: %w", path, err)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("--keys %s: no keys", path)
	}
	return keys, nil
}

// checkKeys makes sure each key names exactly the key columns.
func checkKeys(keys [][]byte, columns []string) error {
	for i, k := range keys {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(k, &obj); err != nil {
			return fmt.Errorf("key %d: %w", i+1, err)
		}
		for _, c := range columns {
			if v, ok := obj[c]; !ok || string(v) == "null" {
				return fmt.Errorf("key %d (%s): no value for key column %s", i+1, k, c)
			}
		}
		if len(obj) != len(columns) {
			return fmt.Errorf("key %d (%s): want exactly the key columns %s", i+1, k, joinNames(columns))
		}
	}
	return nil
}

// waitItem is one request being followed.
type waitItem struct {
	src   *sourceConn
	id    int64
	table string
	keys  bool
	total int64
	state string
	err   string
}

func (w *waitItem) what() string {
	if w.keys {
		return fmt.Sprintf("a re-read of %d keys of %s", w.total, w.table)
	}
	if w.total >= 0 {
		return fmt.Sprintf("a snapshot of %s (about %d rows)", w.table, w.total)
	}
	return "a snapshot of " + w.table
}

func (w *waitItem) label() string { return fmt.Sprintf("%s %s #%d", w.src.src.Name, w.table, w.id) }

// waitRequests follows requests until each has ended, with a progress bar
// each on a terminal. It fails when one failed or was cancelled.
func waitRequests(ctx context.Context, out io.Writer, items []*waitItem) error {
	p := newProgress(ctx, out, "rows")
	defer p.wait()
	lastMove, warned := time.Now(), false
	seen := map[int64]int64{}
	for {
		open := 0
		for _, s := range uniqueSources(items) {
			reqs, err := s.store().List(ctx, true)
			if err != nil {
				return err
			}
			byID := map[int64]fsql.SnapshotRequest{}
			for _, q := range reqs {
				byID[q.ID] = q
			}
			for _, it := range items {
				if it.src != s || it.state != "" {
					continue
				}
				q, ok := byID[it.id]
				if !ok {
					it.state, it.err = fsql.SnapshotFailed, "the request is gone from the capture schema"
					p.end(it.label(), 0, it.state)
					continue
				}
				if q.Rows != seen[it.id] || q.State == fsql.SnapshotRunning && seen[it.id] == 0 {
					lastMove = time.Now()
				}
				seen[it.id] = q.Rows
				if fsql.Terminal(q.State) {
					it.state, it.err = q.State, q.Error
					p.end(it.label(), q.Rows, q.State)
					continue
				}
				p.update(it.label(), q.Rows, it.total)
				open++
			}
		}
		if open == 0 {
			break
		}
		if !warned && time.Since(lastMove) > 30*time.Second {
			warned = true
			slog.Warn("no snapshot progress for 30s: is `ferry relay` running for the source?")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	p.wait()
	var errs []error
	for _, it := range items {
		switch it.state {
		case fsql.SnapshotDone:
		case fsql.SnapshotFailed:
			errs = append(errs, fmt.Errorf("%s failed: %s", it.label(), it.err))
		default:
			errs = append(errs, fmt.Errorf("%s ended %s", it.label(), it.state))
		}
	}
	return errors.Join(errs...)
}

func uniqueSources(items []*waitItem) []*sourceConn {
	var out []*sourceConn
	for _, it := range items {
		seen := false
		for _, s := range out {
			seen = seen || s == it.src
		}
		if !seen {
			out = append(out, it.src)
		}
	}
	return out
}

func maybeStamp(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return stamp(*t)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func joinNames(names []string) string {
	b, _ := json.Marshal(names)
	return string(bytes.Trim(b, "[]"))
}
