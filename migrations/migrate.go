package migrations

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing/fstest"

	"github.com/pressly/goose/v3"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// Result is what Up did.
type Result struct {
	Schema  []Migration
	Changes []Change
}

// Up installs what Plan finds missing: the capture schema, then the
// trigger migration. It holds the dialect's migration lock throughout, so
// concurrent runs take turns and the second finds nothing to do.
func (m *Migrator) Up(ctx context.Context) (*Result, error) {
	release, err := m.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer release()

	// Plan before any DDL: a bad table stops the run with the database untouched.
	plan, err := m.Plan(ctx)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	if plan.Empty() {
		return res, nil
	}
	if _, err := m.db.ExecContext(ctx, plan.Prepare); err != nil {
		return nil, fmt.Errorf("create capture schema %s: %w", m.schema, err)
	}
	if len(plan.Schema) > 0 {
		if err := m.gooseUp(ctx, captureVersions, plan.Schema); err != nil {
			return nil, err
		}
		res.Schema = plan.Schema
	}
	if plan.Triggers != nil {
		if err := m.gooseUp(ctx, triggersVersions, []Migration{*plan.Triggers}); err != nil {
			return res, err
		}
		res.Changes = plan.Changes
	}
	return res, nil
}

// lock takes the dialect's migration lock on a connection of its own.
func (m *Migrator) lock(ctx context.Context) (func(), error) {
	if m.catalog != nil {
		return nil, errOffline
	}
	locker, err := m.cap.MigrationLocker()
	if err != nil {
		return nil, err
	}
	conn, err := m.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect to source %s: %w", m.source.Name, err)
	}
	if err := locker.SessionLock(ctx, conn); err != nil {
		conn.Close()
		return nil, fmt.Errorf("take the migration lock on source %s: %w", m.source.Name, err)
	}
	return func() {
		if err := locker.SessionUnlock(context.WithoutCancel(ctx), conn); err != nil {
			m.log.Warn("release the migration lock", "err", err)
		}
		conn.Close()
	}, nil
}

func (m *Migrator) gooseUp(ctx context.Context, table string, migrations []Migration) error {
	p, err := m.provider(table, migrations)
	if err != nil {
		return err
	}
	results, err := p.Up(ctx)
	for _, r := range results {
		if r.Error == nil {
			m.log.Info("applied migration", "table", table, "migration", r.Source.Path, "took", r.Duration)
		}
	}
	if err != nil {
		if !m.dialect.Facts().TransactionalDDL {
			// Each statement committed on its own: the migration stopped part
			// way. Its statements are each safe to run again.
			return fmt.Errorf("apply %s migrations on source %s: %w; %s commits each DDL statement on its own, so the migration "+
				"may be partly applied: fix the cause and run `ferry migrate up` again, which finishes it (every statement is safe to repeat)",
				table, m.source.Name, err, m.dialect.Name())
		}
		return fmt.Errorf("apply %s migrations on source %s: %w", table, m.source.Name, err)
	}
	return nil
}

// provider is a goose provider over in-memory migration files; the lock is
// taken by Up, not by goose. Never Close it: that closes m.db.
func (m *Migrator) provider(table string, migrations []Migration) (*goose.Provider, error) {
	fsys := fstest.MapFS{}
	for _, mg := range migrations {
		fsys[mg.Name] = &fstest.MapFile{Data: []byte(mg.SQL)}
	}
	store, err := m.cap.Store(m.schema, table)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider("", m.db, fsys,
		goose.WithStore(store),
		goose.WithDisableGlobalRegistry(true),
		goose.WithSlog(m.log),
	)
}

// Generate writes the SQL that Up would run into dir, without changing the
// database: prepare.sql, capture/<migration> for the capture schema and
// triggers/<migration> for the trigger migration. It returns the paths
// written, none when Up has nothing to do.
func (m *Migrator) Generate(ctx context.Context, dir string) ([]string, error) {
	plan, err := m.Plan(ctx)
	if err != nil {
		return nil, err
	}
	if plan.Empty() {
		return nil, nil
	}
	files := map[string]string{
		"prepare.sql": "-- Run before the migrations below: goose keeps its version tables\n-- (goose_capture, goose_triggers) in the capture schema.\n" + plan.Prepare + ";\n",
	}
	for _, mg := range plan.Schema {
		files[filepath.Join("capture", mg.Name)] = mg.SQL
	}
	if plan.Triggers != nil {
		files[filepath.Join("triggers", plan.Triggers.Name)] = plan.Triggers.SQL
	}
	var written []string
	for _, name := range slices.Sorted(maps.Keys(files)) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return written, fmt.Errorf("write %s: %w", p, err)
		}
		if err := os.WriteFile(p, []byte(files[name]), 0o644); err != nil {
			return written, fmt.Errorf("write %s: %w", p, err)
		}
		written = append(written, p)
	}
	return written, nil
}

// TableStatus is one table in `migrate status`.
type TableStatus struct {
	Table      string
	Configured bool
	Captured   bool   // in the registry, with every trigger present and in force
	Drift      string // how the table or the config differs from the installed capture; "" when in line
	// Gaps name ways the table's rows can change that capture does not
	// follow (README, "Every way a row can change").
	Gaps []string
}

// Status reports each configured table, and each captured one that the
// config no longer names, with any drift. It changes nothing.
func (m *Migrator) Status(ctx context.Context) (pendingSchema []Migration, tables []TableStatus, err error) {
	if m.catalog != nil {
		return nil, nil, errOffline
	}
	capture := m.cap
	pendingSchema, err = m.pendingSchema(ctx)
	if err != nil {
		return nil, nil, err
	}
	registered, err := capture.Registry(ctx, m.db, m.schema)
	if err != nil {
		return nil, nil, err
	}
	byName := make(map[string]fsql.Registered, len(registered))
	for _, r := range registered {
		byName[r.String()] = r
	}
	want, checkErr := m.check(ctx)
	for _, w := range want {
		st := TableStatus{Table: w.name, Configured: true, Gaps: w.gaps}
		r, ok := byName[w.name]
		delete(byName, w.name)
		var drift []string
		if ok {
			in, err := capture.Inspect(ctx, m.db, m.schema, r)
			if err != nil {
				return nil, nil, err
			}
			st.Captured = in.Table == w.name && len(in.Problems) == 0
			if in.Table != "" && in.Table != w.name {
				drift = append(drift, fmt.Sprintf("its capture is on %s now (renamed?)", in.Table))
			}
			if len(w.problems) == 0 {
				spec, _, hash, err := m.capture(w, r.ID)
				if err != nil {
					return nil, nil, err
				}
				drift = append(drift, driftOf(r, spec, hash, in)...)
			} else {
				drift = append(drift, in.Problems...)
			}
		}
		drift = append(drift, w.problems...)
		if !ok && len(w.problems) == 0 {
			drift = append(drift, "not captured")
		}
		if len(drift) > 0 {
			action := "run `ferry migrate up`"
			if len(w.problems) > 0 {
				action = "fix the config or the table, then run `ferry migrate up`"
			}
			st.Drift = strings.Join(drift, "; ") + ": " + action
		}
		tables = append(tables, st)
	}
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		r := byName[name]
		in, err := capture.Inspect(ctx, m.db, m.schema, r)
		if err != nil {
			return nil, nil, err
		}
		drift := "captured but not in the config: `ferry migrate up` removes its capture"
		switch {
		case in.Table != "" && in.Table != name && slices.ContainsFunc(want, func(w desired) bool { return w.name == in.Table }):
			drift = fmt.Sprintf("renamed to %s: `ferry migrate up` captures it under the new name "+
				"(a new table id; its topic follows the name unless the table sets topic:)", in.Table)
		case in.Table != "" && in.Table != name:
			drift = fmt.Sprintf("captured, now as %s (renamed?), but not in the config under either name: "+
				"put the new name in the config and run `ferry migrate up`", in.Table)
		}
		tables = append(tables, TableStatus{Table: name, Captured: in.Table != "" && len(in.Problems) == 0, Drift: drift})
	}
	return pendingSchema, tables, checkErr
}

// Down removes capture from every table in the registry, in one
// transaction. With dropOutbox it also removes the capture schema's tables,
// the outbox with whatever it still holds among them, and goose's version
// tables. Application tables are never touched.
func (m *Migrator) Down(ctx context.Context, dropOutbox bool) (removed []string, err error) {
	release, err := m.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer release()

	capture := m.cap
	registered, err := capture.Registry(ctx, m.db, m.schema)
	if err != nil {
		return nil, err
	}
	if len(registered) > 0 {
		err := m.inTx(ctx, func(tx *stdsql.Tx) error {
			for _, r := range registered {
				stmts, err := capture.DropTriggers(m.schema, r)
				if err != nil {
					return err
				}
				for _, s := range stmts {
					if _, err := tx.ExecContext(ctx, s); err != nil {
						return fmt.Errorf("remove capture of %s: %w", r, err)
					}
				}
				removed = append(removed, r.String())
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if !dropOutbox {
		return removed, nil
	}
	all, err := m.schemaMigrations()
	if err != nil {
		return removed, err
	}
	applied, err := m.appliedVersions(ctx, captureVersions)
	if err != nil {
		return removed, err
	}
	if len(applied) > 0 {
		p, err := m.provider(captureVersions, all)
		if err != nil {
			return removed, err
		}
		if _, err := p.DownTo(ctx, 0); err != nil {
			return removed, fmt.Errorf("remove the capture schema of source %s: %w", m.source.Name, err)
		}
	}
	err = m.inTx(ctx, func(tx *stdsql.Tx) error {
		for _, t := range []string{captureVersions, triggersVersions} {
			if _, err := tx.ExecContext(ctx, fsql.DropTableIfExists(m.dialect, m.dialect.Quote(m.schema, m.dialect.Fold(t)))); err != nil {
				return fmt.Errorf("drop %s: %w", m.versionTable(t), err)
			}
		}
		return nil
	})
	return removed, err
}

func (m *Migrator) inTx(ctx context.Context, fn func(*stdsql.Tx) error) error {
	tx, err := m.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin on source %s: %w", m.source.Name, err)
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}
