package migrations

import (
	"context"
	"crypto/sha256"
	stdsql "database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"

	"github.com/ferry-cdc/ferry/config"
	fsql "github.com/ferry-cdc/ferry/sql"
)

const (
	captureVersions  = "goose_capture"
	triggersVersions = "goose_triggers"
)

// plainName is what a capture schema may be called: goose puts it into its
// own SQL unquoted.
var plainName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// Migrator brings one source's capture in line with the config.
type Migrator struct {
	// ConfigFile names the config in error messages ("ferry.yaml:12: ...").
	ConfigFile string

	source  *config.Source
	dialect fsql.SourceDialect
	src     fsql.Source
	cap     fsql.Capture
	// schema is the capture schema as the catalog holds it (Oracle folds
	// the config's plain lower-case name to upper case).
	schema string
	db     *stdsql.DB
	log    *slog.Logger
	// catalog, when set, stands for the connection (NewFromCatalog).
	catalog *fsql.CatalogFile
}

// New returns a Migrator for the source. db is a pool for the source's DSN.
func New(source *config.Source, d fsql.SourceDialect, db *stdsql.DB, log *slog.Logger) (*Migrator, error) {
	if !plainName.MatchString(source.CaptureSchema) {
		return nil, fmt.Errorf("source %s: capture_schema %q must be a plain lower-case name ([a-z_][a-z0-9_]*)",
			source.Name, source.CaptureSchema)
	}
	src := d.Source()
	return &Migrator{source: source, dialect: d, src: src, cap: src.Capture(), schema: d.Fold(source.CaptureSchema),
		db: db, log: log.With("source", source.Name)}, nil
}

// Migration is one goose migration file.
type Migration struct {
	Version int64
	Name    string // file name, e.g. 00001_capture_schema.sql
	SQL     string
}

// Change is what a trigger migration does to one table.
type Change struct {
	Table  string // schema.table
	Action string // install, update or remove
	Reason string
}

// Plan is what `up` would run: pending capture-schema migrations, then at
// most one trigger migration.
type Plan struct {
	Prepare  string
	Schema   []Migration
	Triggers *Migration
	Changes  []Change
}

// Empty reports whether up has nothing to do.
func (p *Plan) Empty() bool { return len(p.Schema) == 0 && p.Triggers == nil }

// desired is one configured table, checked against the catalog.
type desired struct {
	ref   config.TableRef
	where string      // the config line and table, for errors
	name  string      // schema.table
	table *fsql.Table // nil when the table cannot be described
	key   []string
	// problems say why the table cannot be captured as configured; gaps
	// name the ways its rows can change that capture cannot follow.
	problems, gaps []string
}

// check describes every configured table and returns all problems at once.
func (m *Migrator) check(ctx context.Context) ([]desired, error) {
	names, err := m.names(ctx)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", m.source.Name, err)
	}
	var out []desired
	var errs []error
	for _, ref := range m.source.Resolve(names) {
		d := desired{ref: ref, name: ref.Schema + "." + ref.Table,
			where: fmt.Sprintf("source %s table %s.%s", m.source.Name, ref.Schema, ref.Table)}
		if ref.Line > 0 {
			d.where = fmt.Sprintf("%s:%d: %s", m.ConfigFile, ref.Line, d.where)
		}
		d.problems = m.checkTable(ctx, &d)
		for _, p := range d.problems {
			errs = append(errs, fmt.Errorf("%s: %s", d.where, p))
		}
		out = append(out, d)
	}
	return out, errors.Join(errs...)
}

// checkTable describes one configured table and lists its problems.
func (m *Migrator) checkTable(ctx context.Context, d *desired) []string {
	ref := d.ref
	t, err := m.describe(ctx, ref.Schema, ref.Table)
	if errors.Is(err, fsql.ErrNoTable) {
		return []string{"table does not exist"}
	}
	if err != nil {
		return []string{err.Error()}
	}
	d.table = t
	var problems []string
	d.key = ref.Key
	if len(d.key) == 0 {
		d.key = t.PrimaryKey
	}
	if len(d.key) == 0 {
		problems = append(problems, "no primary key and no key configured: add `key: [column, ...]` to the table in the config")
	}
	keyOK := true
	for _, c := range ref.Key {
		if _, ok := t.Column(c); !ok {
			problems = append(problems, fmt.Sprintf("key column %s does not exist", c))
			keyOK = false
		}
	}
	for _, c := range ref.Exclude {
		if _, ok := t.Column(c); !ok {
			problems = append(problems, fmt.Sprintf("excluded column %s does not exist", c))
		}
	}
	for _, c := range t.Columns {
		if slices.Contains(ref.Exclude, c.Name) {
			continue
		}
		if err := m.src.CheckType(c); err != nil {
			problems = append(problems, fmt.Sprintf("column %s: %v", c.Name, err))
		}
	}
	if len(d.key) > 0 && keyOK {
		p, gaps := keyProblems(t, d.key)
		problems = append(problems, p...)
		d.gaps = append(d.gaps, gaps...)
	}
	errs, gaps := m.cap.Check(t, d.key, ref.Exclude)
	for _, err := range errs {
		problems = append(problems, err.Error())
	}
	d.gaps = append(d.gaps, gaps...)
	return problems
}

// keyProblems checks that a key identifies one row, always: its columns
// are NOT NULL and a unique index covers them, checked by each statement
// at its end at the latest. Otherwise two rows could share a Kafka key,
// the target would merge them, and per-key order would not follow commit
// order: it rests on the unique index, which makes a transaction wait for
// another that holds the same key value. A deferrable unique constraint is
// checked at the end of each statement unless a transaction defers it
// (its gap is reported by status); one deferred from the start is not.
func keyProblems(t *fsql.Table, key []string) (problems, gaps []string) {
	for _, k := range key {
		if c, _ := t.Column(k); c.Nullable {
			problems = append(problems, fmt.Sprintf("key column %s allows NULL: a key must identify every row; make it NOT NULL or configure another key", k))
		}
	}
	covers := func(u fsql.UniqueIndex) bool {
		return !slices.ContainsFunc(u.Columns, func(c string) bool { return !slices.Contains(key, c) })
	}
	cols := strings.Join(key, ", ")
	immediate := slices.IndexFunc(t.Unique, func(u fsql.UniqueIndex) bool { return covers(u) && !u.Deferrable })
	deferrable := slices.IndexFunc(t.Unique, func(u fsql.UniqueIndex) bool { return covers(u) && !u.InitiallyDeferred })
	deferred := slices.IndexFunc(t.Unique, covers)
	switch {
	case immediate >= 0:
	case deferrable >= 0:
		gaps = append(gaps, fmt.Sprintf("SET CONSTRAINTS %s DEFERRED lets two rows share a key between the statements of a transaction, "+
			"which one change stream per key cannot express", t.Unique[deferrable].Name))
	case deferred >= 0:
		problems = append(problems, fmt.Sprintf("key (%s) is unique only through the constraint %s, which is INITIALLY DEFERRED: "+
			"between the statements of a transaction two rows may share the key, which one change stream per key cannot express; "+
			"make it INITIALLY IMMEDIATE or configure another key", cols, t.Unique[deferred].Name))
	default:
		problems = append(problems, fmt.Sprintf("key (%s) is not backed by a unique index: a key must identify one row, or the target merges rows and their order is lost; "+
			"create a unique index on (%s) or configure another key", cols, cols))
	}
	return problems, gaps
}

// Check describes every configured table and reports every problem at
// once: missing tables, keys, columns and types the envelope cannot carry.
func (m *Migrator) Check(ctx context.Context) error {
	_, err := m.check(ctx)
	return err
}

// Plan checks the config against the catalog and works out what up would
// run. It reads the database and changes nothing.
func (m *Migrator) Plan(ctx context.Context) (*Plan, error) {
	want, err := m.check(ctx)
	if err != nil {
		return nil, err
	}
	capture := m.cap
	schema := m.schema
	plan := &Plan{Prepare: capture.PrepareSchema(schema)}

	plan.Schema, err = m.pendingSchema(ctx)
	if err != nil {
		return nil, err
	}

	registered, err := m.registry(ctx)
	if err != nil {
		return nil, err
	}
	byName := make(map[string]fsql.Registered, len(registered))
	nextID := 1
	for _, r := range registered {
		byName[r.String()] = r
		nextID = max(nextID, r.ID+1)
	}

	var stmts []string
	for _, w := range want {
		name := w.table.String()
		r, known := byName[name]
		delete(byName, name)
		id := r.ID
		if !known {
			id = nextID
			nextID++
		}
		spec, ddl, hash, err := m.capture(w, id)
		if err != nil {
			return nil, err
		}
		var reason string
		if known {
			in, err := capture.Inspect(ctx, m.db, schema, r)
			if err != nil {
				return nil, err
			}
			drift := driftOf(r, spec, hash, in)
			if in.Table == name && len(drift) == 0 {
				continue
			}
			reason = strings.Join(drift, "; ")
			if reason == "" {
				reason = "its capture is on " + in.Table // the config names a new table by the old name
			}
		}
		reg, err := capture.Register(spec, hash)
		if err != nil {
			return nil, err
		}
		stmts = append(stmts, ddl...)
		stmts = append(stmts, reg)
		if known {
			plan.Changes = append(plan.Changes, Change{Table: name, Action: "update", Reason: reason})
		} else {
			plan.Changes = append(plan.Changes, Change{Table: name, Action: "install", Reason: "not captured yet"})
		}
	}
	gone := make([]fsql.Registered, 0, len(byName))
	for _, r := range byName {
		gone = append(gone, r)
	}
	slices.SortFunc(gone, func(a, b fsql.Registered) int { return a.ID - b.ID })
	for _, r := range gone {
		drop, err := capture.DropTriggers(schema, r)
		if err != nil {
			return nil, err
		}
		stmts = append(stmts, drop...)
		plan.Changes = append(plan.Changes, Change{Table: r.String(), Action: "remove", Reason: "no longer in the config"})
	}
	if len(stmts) == 0 {
		return plan, nil
	}

	version, err := m.latestVersion(ctx, triggersVersions)
	if err != nil {
		return nil, err
	}
	version++
	plan.Triggers = &Migration{
		Version: version,
		Name:    fmt.Sprintf("%05d_capture.sql", version),
		SQL:     triggerFile(m.source.Name, plan.Changes, stmts),
	}
	return plan, nil
}

// capture is what capturing one configured table as registry id installs:
// its spec, its DDL, and the hash that identifies them.
func (m *Migrator) capture(w desired, id int) (fsql.CaptureSpec, []string, string, error) {
	spec := fsql.CaptureSpec{CaptureSchema: m.schema, ID: id, Table: w.table, Key: w.key, Exclude: w.ref.Exclude}
	ddl, err := m.cap.Triggers(spec)
	if err != nil {
		return spec, nil, "", fmt.Errorf("source %s table %s: %w", m.source.Name, w.table, err)
	}
	hash, err := hashOf(ddl, spec)
	return spec, ddl, hash, err
}

// hashOf identifies what a capture installs: its DDL and the registry facts
// (columns, key, exclusions) that the relay reads. A column added to the
// table changes the hash even where the DDL stays the same, so up records it.
func hashOf(ddl []string, s fsql.CaptureSpec) (string, error) {
	cols, err := fsql.ColumnsJSON(s.Table.Columns)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, part := range append(slices.Clone(ddl), cols, strings.Join(s.Key, "\x00"), strings.Join(s.Exclude, "\x00")) {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// driftOf says how an installed capture differs from what the config and
// the catalog want: what the catalog shows missing or out of force, and
// what changed in the table or the config.
func driftOf(r fsql.Registered, s fsql.CaptureSpec, hash string, in fsql.Installed) []string {
	drift := slices.Clone(in.Problems)
	if hash != r.Hash {
		if d := describeDrift(r, s); d != "trigger definition changed" || len(drift) == 0 {
			drift = append(drift, d)
		}
	}
	return drift
}

// describeDrift says why an installed capture no longer matches.
func describeDrift(r fsql.Registered, s fsql.CaptureSpec) string {
	var parts []string
	added, removed, changed := diffColumns(r.Columns, s.Table.Columns)
	if len(added) > 0 {
		parts = append(parts, "columns added: "+strings.Join(added, ", "))
	}
	if len(removed) > 0 {
		parts = append(parts, "columns removed: "+strings.Join(removed, ", "))
	}
	if len(changed) > 0 {
		parts = append(parts, "column types changed: "+strings.Join(changed, ", "))
	}
	if !slices.Equal(r.Key, s.Key) {
		parts = append(parts, fmt.Sprintf("key %v -> %v", r.Key, s.Key))
	}
	if !slices.Equal(r.Exclude, s.Exclude) && len(r.Exclude)+len(s.Exclude) > 0 {
		parts = append(parts, fmt.Sprintf("excluded %v -> %v", r.Exclude, s.Exclude))
	}
	if len(parts) == 0 {
		return "trigger definition changed"
	}
	return strings.Join(parts, "; ")
}

// diffColumns compares the registry's columns with the catalog's.
func diffColumns(had, has []fsql.Column) (added, removed, changed []string) {
	old := make(map[string]string, len(had))
	for _, c := range had {
		old[c.Name] = c.Type
	}
	for _, c := range has {
		t, ok := old[c.Name]
		switch {
		case !ok:
			added = append(added, c.Name)
		case t != c.Type:
			changed = append(changed, fmt.Sprintf("%s %s -> %s", c.Name, t, c.Type))
		}
		delete(old, c.Name)
	}
	for _, c := range had {
		if _, ok := old[c.Name]; ok {
			removed = append(removed, c.Name)
		}
	}
	return added, removed, changed
}

// triggerFile writes statements as one goose migration. Each statement is
// its own goose statement block, because function bodies hold semicolons.
func triggerFile(source string, changes []Change, stmts []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "-- Ferry capture triggers for source %s, generated by `ferry migrate`.\n", source)
	for _, c := range changes {
		fmt.Fprintf(&b, "--   %s %s: %s\n", c.Action, c.Table, c.Reason)
	}
	b.WriteString("-- `ferry migrate down` removes capture; this migration has no down section.\n\n-- +goose Up\n")
	for _, s := range stmts {
		// A PL/SQL block (Oracle's statements) ends with its own semicolon.
		if !strings.HasSuffix(s, ";") {
			s += ";"
		}
		fmt.Fprintf(&b, "-- +goose StatementBegin\n%s\n-- +goose StatementEnd\n\n", s)
	}
	return b.String()
}

// schemaMigrations renders the capture schema's files for this dialect.
func (m *Migrator) schemaMigrations() ([]Migration, error) {
	migs, err := fsql.RenderSchema(m.cap.SchemaFiles(), m.dialect.Quote(m.schema))
	if err != nil {
		return nil, fmt.Errorf("capture schema migrations of dialect %s: %w", m.dialect.Name(), err)
	}
	out := make([]Migration, len(migs))
	for i, mg := range migs {
		out[i] = Migration(mg)
	}
	return out, nil
}

// pendingSchema is the capture-schema migrations not applied yet.
func (m *Migrator) pendingSchema(ctx context.Context) ([]Migration, error) {
	all, err := m.schemaMigrations()
	if err != nil {
		return nil, err
	}
	applied, err := m.appliedVersions(ctx, captureVersions)
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, mg := range all {
		if !applied[mg.Version] {
			out = append(out, mg)
		}
	}
	return out, nil
}

// versionTable is the goose version table's name, as goose wants it.
func (m *Migrator) versionTable(name string) string { return m.schema + "." + name }

// appliedVersions reads a goose version table without creating it.
func (m *Migrator) appliedVersions(ctx context.Context, table string) (map[int64]bool, error) {
	applied := map[int64]bool{}
	if m.catalog != nil {
		return applied, nil // never installed
	}
	// The version table's name as the catalog holds it (Oracle: upper case).
	_, err := m.dialect.Describe(ctx, m.db, m.schema, m.dialect.Fold(table))
	if errors.Is(err, fsql.ErrNoTable) {
		return applied, nil
	}
	if err != nil {
		return nil, err
	}
	store, err := m.cap.Store(m.schema, table)
	if err != nil {
		return nil, err
	}
	rows, err := store.ListMigrations(ctx, m.db)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", m.versionTable(table), err)
	}
	seen := map[int64]bool{}
	for _, r := range rows { // newest first: the first row of a version is its state
		if !seen[r.Version] {
			seen[r.Version] = true
			applied[r.Version] = r.IsApplied
		}
	}
	return applied, nil
}

// latestVersion is the highest version recorded in a goose version table.
func (m *Migrator) latestVersion(ctx context.Context, table string) (int64, error) {
	applied, err := m.appliedVersions(ctx, table)
	if err != nil {
		return 0, err
	}
	var v int64
	for k := range applied {
		v = max(v, k)
	}
	return v, nil
}
