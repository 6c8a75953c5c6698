package lookup

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/robfig/cron/v3"

	"github.com/ferry-cdc/ferry/config"
)

// What a value with no entry does.
const (
	// Reject fails the change with a *MissingError: it goes to the DLQ.
	Reject = "reject"
	// Null writes NULL.
	Null = "null"
	// Keep writes the source value as it is.
	Keep = "keep"
)

// DefaultRefresh is when a query lookup runs again unless the config says.
const DefaultRefresh = "@every 5m"

// Querier runs a lookup's query; a *sql.DB on the target is one.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Set is one route's lookups. Apply is safe for concurrent use, also while a
// refresh runs. A nil *Set has no lookups.
type Set struct {
	route   string
	db      Querier
	log     *slog.Logger
	lookups []*lookup
	running sync.WaitGroup
}

type lookup struct {
	column, query, onMissing string
	schedule                 cron.Schedule
	// table is replaced whole, never changed in place.
	table atomic.Pointer[table]

	// loading lets one load of this lookup run at a time, so that an older
	// result never replaces a newer one.
	loading sync.Mutex
	// failing is whether the last scheduled refresh failed; guarded by loading.
	failing bool
}

// table maps a source value's text to the target value as JSON: a string, or null.
type table map[string]json.RawMessage

var jsonNull = json.RawMessage("null")

// New checks lookups and builds the Set for route, which names the route in
// errors and logs ("hq.public.emp -> branch.public.staff"). db runs the
// queries, on the target; it may be nil when no lookup has one. Query-backed
// tables are empty until Start loads them.
func New(route string, lookups []config.Lookup, db Querier, log *slog.Logger) (*Set, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Set{route: route, db: db, log: log.With("route", route)}
	var errs []error
	seen := map[string]int{}
	for _, c := range lookups {
		fail := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("route %s: %s: %s", route, where(c.Column, c.Line), fmt.Sprintf(format, args...)))
		}
		switch prev, dup := seen[c.Column]; {
		case c.Column == "":
			fail("no column")
		case dup:
			fail("column already looked up at line %d", prev)
		default:
			seen[c.Column] = c.Line
		}
		l := &lookup{column: c.Column, query: c.Query, onMissing: c.OnMissing}
		if l.onMissing == "" {
			l.onMissing = Reject
		}
		if !slices.Contains(config.LookupOnMissing, l.onMissing) {
			fail("unknown on_missing %q (want reject, null or keep)", c.OnMissing)
		}
		switch {
		case len(c.Map) > 0 && c.Query != "":
			fail("both map and query; keep one")
		case len(c.Map) > 0:
			if c.Refresh != "" {
				fail("refresh is for a query; an inline map never changes")
			}
			t := make(table, len(c.Map))
			for from, to := range c.Map {
				t[from] = jsonString(to)
			}
			l.table.Store(&t)
		case c.Query != "":
			refresh := c.Refresh
			if refresh == "" {
				refresh = DefaultRefresh
			}
			sched, err := cron.ParseStandard(refresh)
			if err != nil {
				fail("refresh %q: %v", refresh, err)
			}
			l.schedule = sched
			if db == nil {
				fail("a query needs the target database, and none was given")
			}
		default:
			fail("neither map nor query; set one")
		}
		s.lookups = append(s.lookups, l)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

func where(column string, line int) string {
	switch {
	case column == "" && line == 0:
		return "lookup"
	case column == "":
		return fmt.Sprintf("lookup at line %d", line)
	case line == 0:
		return "lookup " + column
	}
	return fmt.Sprintf("lookup %s (line %d)", column, line)
}

func jsonString(s string) json.RawMessage {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err) // a Go string always marshals
	}
	return b
}

// Start loads every query-backed table, failing if a query fails, then
// refreshes each on its schedule in the background until ctx ends. A failed
// refresh keeps the table it would have replaced and is logged when the
// lookup starts failing and when it works again, not on every attempt.
// Call Start once; Wait waits for the refresher to stop.
func (s *Set) Start(ctx context.Context) error {
	if s == nil {
		return nil
	}
	if err := s.Refresh(ctx); err != nil {
		return err
	}
	c := cron.New(cron.WithLogger(cron.DiscardLogger))
	for _, l := range s.lookups {
		if l.query != "" {
			c.Schedule(l.schedule, cron.FuncJob(func() { s.scheduled(ctx, l) }))
		}
	}
	if len(c.Entries()) == 0 {
		return nil
	}
	c.Start()
	s.running.Go(func() {
		<-ctx.Done()
		<-c.Stop().Done()
	})
	return nil
}

// Wait returns when the refresher that Start began has stopped, after ctx
// ended, and no refresh is still running.
func (s *Set) Wait() {
	if s != nil {
		s.running.Wait()
	}
}

// Refresh loads every query-backed table now, keeping the old table of a
// lookup whose query fails, and returns every failure.
func (s *Set) Refresh(ctx context.Context) error {
	if s == nil {
		return nil
	}
	var errs []error
	for _, l := range s.lookups {
		if l.query == "" {
			continue
		}
		l.loading.Lock()
		t, err := s.load(ctx, l)
		if err == nil {
			l.table.Store(&t)
		}
		l.loading.Unlock()
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (s *Set) scheduled(ctx context.Context, l *lookup) {
	// A refresh slower than the schedule skips a turn rather than queueing.
	if !l.loading.TryLock() {
		return
	}
	defer l.loading.Unlock()
	t, err := s.load(ctx, l)
	switch {
	case err != nil && ctx.Err() != nil:
		// Shutting down: not a failure of the lookup.
	case err != nil && !l.failing:
		l.failing = true
		s.log.Warn("lookup refresh failed; the previous table stays in use until it works again",
			"lookup", l.column, "err", err)
	case err == nil:
		l.table.Store(&t)
		if l.failing {
			l.failing = false
			s.log.Info("lookup refresh works again", "lookup", l.column, "entries", len(t))
		}
	}
}

// load runs l's query into a new table. The first column is the source
// value, the second the target value; both are read as text, and a NULL
// target value is SQL NULL. Rows with a NULL source value are ignored: a
// NULL source value is never looked up.
func (s *Set) load(ctx context.Context, l *lookup) (table, error) {
	fail := func(err error) (table, error) {
		return nil, fmt.Errorf("route %s: lookup %s: query %q: %w", s.route, l.column, l.query, err)
	}
	rows, err := s.db.QueryContext(ctx, l.query)
	if err != nil {
		return fail(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return fail(err)
	}
	if len(cols) < 2 {
		return fail(fmt.Errorf("returns %d column, want the source value and the target value", len(cols)))
	}
	var from, to sql.NullString
	dest := []any{&from, &to}
	for range cols[2:] {
		dest = append(dest, new(any))
	}
	t := table{}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fail(err)
		}
		if !from.Valid {
			continue
		}
		v := jsonNull
		if to.Valid {
			v = jsonString(to.String)
		}
		if prev, dup := t[from.String]; dup && !bytes.Equal(prev, v) {
			return fail(fmt.Errorf("source value %q has two target values, %s and %s", from.String, prev, v))
		}
		t[from.String] = v
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	return t, nil
}

// Apply replaces the value of each looked-up column in row, a change's
// columns as raw JSON from its envelope, with the target value: a JSON
// string, or null. A column that is absent or null is left alone. A value
// with no entry is rejected with a *MissingError, written as null, or kept,
// as the lookup's on_missing says. On error row is unchanged.
//
// The values Apply puts in row are shared: do not modify them.
func (s *Set) Apply(row map[string]json.RawMessage) error {
	if s == nil {
		return nil
	}
	type replacement struct {
		column string
		value  json.RawMessage
	}
	var buf [4]replacement
	out := buf[:0]
	for _, l := range s.lookups {
		v, ok := row[l.column]
		if !ok {
			continue
		}
		key, null, err := text(v)
		if err != nil {
			return fmt.Errorf("route %s: lookup %s: %w", s.route, l.column, err)
		}
		if null {
			continue
		}
		t := l.table.Load()
		if t == nil {
			return fmt.Errorf("route %s: lookup %s: %w", s.route, l.column, ErrNotLoaded)
		}
		if to, ok := (*t)[key]; ok {
			out = append(out, replacement{l.column, to})
			continue
		}
		switch l.onMissing {
		case Null:
			out = append(out, replacement{l.column, jsonNull})
		case Keep:
		default:
			return &MissingError{Route: s.route, Column: l.column, Value: key}
		}
	}
	for _, r := range out {
		row[r.column] = r.value
	}
	return nil
}

// text returns the text a JSON value is looked up by: a string's content,
// a number's exact text (1.50 stays 1.50), true or false.
func text(v json.RawMessage) (key string, null bool, err error) {
	v = bytes.TrimSpace(v)
	switch {
	case len(v) == 0:
		return "", false, errors.New("empty value")
	case string(v) == "null":
		return "", true, nil
	case v[0] == '"':
		if err := json.Unmarshal(v, &key); err != nil {
			return "", false, fmt.Errorf("value %s: %w", v, err)
		}
		return key, false, nil
	case v[0] == '{' || v[0] == '[':
		return "", false, fmt.Errorf("value %.40s is a JSON object or array; a lookup needs a string or a number", v)
	case !json.Valid(v):
		return "", false, fmt.Errorf("value %.40s is not valid JSON", v)
	}
	return string(v), false, nil
}
