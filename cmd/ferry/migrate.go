package main

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/migrations"
	"github.com/ferry-cdc/ferry/sql/dialects"
)

func newMigrate(g *globals) *cobra.Command {
	var source string
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Install, inspect and remove change capture on the sources",
		Long: `migrate manages the capture side of each source through goose: the capture
schema (outbox, registry, relay offsets) and one set of statement-level
triggers per configured table, generated from the config and the live catalog.

Every configured table is checked before any DDL runs, and each migration runs
in one transaction: a bad table leaves the database as it was.`,
	}
	cmd.PersistentFlags().StringVar(&source, "source", "", "only this source (default: every source in the config)")

	// each opens every chosen source, then runs fn on each in turn. With
	// checkFirst, every source is checked (Plan) before fn runs on any, and
	// every problem of every source is reported at once.
	each := func(cmd *cobra.Command, checkFirst bool, fn func(ctx context.Context, w io.Writer, src *config.Source, m *migrations.Migrator) error) error {
		cfg, err := g.loadConfig()
		if err != nil {
			return err
		}
		var picked []*config.Source
		for i := range cfg.Sources {
			if source == "" || cfg.Sources[i].Name == source {
				picked = append(picked, &cfg.Sources[i])
			}
		}
		if len(picked) == 0 {
			return usageError(fmt.Errorf("--source %s: no such source in %s", source, cfg.File))
		}
		ctx := cmd.Context()
		ms, closeAll, err := openMigrators(ctx, cfg.File, picked)
		defer closeAll()
		if err != nil {
			return err
		}
		if checkFirst {
			var errs []error
			for _, m := range ms {
				if _, err := m.Plan(ctx); err != nil {
					errs = append(errs, err)
				}
			}
			if len(errs) > 0 {
				return errors.Join(append(errs, errors.New("nothing was changed on any source"))...)
			}
		}
		for i, src := range picked {
			if err := fn(ctx, cmd.OutOrStdout(), src, ms[i]); err != nil {
				return err
			}
		}
		return nil
	}

	up := &cobra.Command{
		Use:   "up",
		Short: "Install or update capture so that it matches the config and the catalog",
		Long: `up applies the capture schema's pending migrations, then one trigger migration
that installs capture on new tables, updates it on tables whose columns, key
or exclusions changed, and removes it from tables no longer in the config.
Running it again with nothing changed does nothing.`,
		Example: "  ferry migrate up -c ferry.yaml\n  ferry migrate up -c ferry.yaml --source hq",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return each(cmd, true, func(ctx context.Context, w io.Writer, src *config.Source, m *migrations.Migrator) error {
				fmt.Fprintf(w, "source %s: checking %d tables\n", src.Name, len(src.Tables))
				res, err := m.Up(ctx)
				if err != nil {
					return err
				}
				for _, mg := range res.Schema {
					fmt.Fprintf(w, "source %s: applied %s\n", src.Name, mg.Name)
				}
				for _, c := range res.Changes {
					fmt.Fprintf(w, "source %s: %s capture of %s (%s)\n", src.Name, c.Action, c.Table, c.Reason)
				}
				if len(res.Schema) == 0 && len(res.Changes) == 0 {
					fmt.Fprintf(w, "source %s: up to date\n", src.Name)
				}
				advice, err := m.Advice(ctx, res)
				for _, a := range advice {
					fmt.Fprintf(w, "source %s: note: %s\n", src.Name, a)
				}
				return err
			})
		},
	}

	var dir, catalog string
	generate := &cobra.Command{
		Use:   "generate",
		Short: "Write the SQL that up would run to files, without changing the database",
		Long: `generate reads the config and the live catalog and writes the exact migrations
that ` + "`up`" + ` would apply, for review: <dir>/<source>/prepare.sql,
capture/<version>_*.sql and triggers/<version>_capture.sql, in goose's format.

With --catalog it connects to nothing: the tables come from a catalog file
(YAML: default_schema, and tables with their columns, types, keys and unique
indexes as the source's catalog holds them), and it writes what up would run
on that source with Ferry not installed yet. One source at a time (--source
when the config has several); SQL Server sources read catalog files.`,
		Example: "  ferry migrate generate -c ferry.yaml --dir review/\n" +
			"  ferry migrate generate -c ferry.yaml --source branch --catalog branch-catalog.yml --dir review/",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			write := func(ctx context.Context, w io.Writer, src *config.Source, m *migrations.Migrator) error {
				files, err := m.Generate(ctx, filepath.Join(dir, src.Name))
				if err != nil {
					return err
				}
				if len(files) == 0 {
					fmt.Fprintf(w, "source %s: up to date, nothing to write\n", src.Name)
				}
				for _, f := range files {
					fmt.Fprintf(w, "source %s: wrote %s\n", src.Name, f)
				}
				return nil
			}
			if catalog == "" {
				return each(cmd, false, write)
			}
			src, m, err := fromCatalog(g, source, catalog)
			if err != nil {
				return err
			}
			return write(cmd.Context(), cmd.OutOrStdout(), src, m)
		},
	}
	generate.Flags().StringVar(&dir, "dir", "ferry-migrations", "directory to write into (one folder per source)")
	generate.Flags().StringVar(&catalog, "catalog", "", "plan from this catalog file instead of the live catalog (connects to nothing)")

	status := &cobra.Command{
		Use:     "status",
		Short:   "Show each table: captured or not, and any drift from the config or catalog",
		Example: "  ferry migrate status -c ferry.yaml",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return each(cmd, false, func(ctx context.Context, w io.Writer, src *config.Source, m *migrations.Migrator) error {
				pending, tables, err := m.Status(ctx)
				tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
				fmt.Fprintf(tw, "SOURCE\tTABLE\tCAPTURED\tDRIFT\n")
				for _, mg := range pending {
					fmt.Fprintf(tw, "%s\t(capture schema)\t-\tpending migration %s\n", src.Name, mg.Name)
				}
				for _, t := range tables {
					captured := "no"
					if t.Captured {
						captured = "yes"
					}
					drift := t.Drift
					if drift == "" {
						drift = "-"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", src.Name, t.Table, captured, drift)
					for _, g := range t.Gaps {
						fmt.Fprintf(tw, "\t\t\tnot captured: %s\n", g)
					}
				}
				tw.Flush()
				return err
			})
		},
	}

	var dropOutbox bool
	down := &cobra.Command{
		Use:   "down",
		Short: "Remove capture triggers and functions; the outbox only with --drop-outbox",
		Long: `down removes Ferry's triggers and functions from every captured table of the
source, in one transaction. Application tables and their rows are never
touched. With --drop-outbox it also drops the capture schema's tables,
including any changes still waiting in the outbox.`,
		Example: "  ferry migrate down -c ferry.yaml\n  ferry migrate down -c ferry.yaml --source hq --drop-outbox",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return each(cmd, false, func(ctx context.Context, w io.Writer, src *config.Source, m *migrations.Migrator) error {
				removed, err := m.Down(ctx, dropOutbox)
				for _, t := range removed {
					fmt.Fprintf(w, "source %s: removed capture of %s\n", src.Name, t)
				}
				if err != nil {
					return err
				}
				if dropOutbox {
					fmt.Fprintf(w, "source %s: dropped the capture schema's tables\n", src.Name)
				}
				return nil
			})
		},
	}
	down.Flags().BoolVar(&dropOutbox, "drop-outbox", false, "also drop the outbox, registry and offsets (changes not yet relayed are lost)")

	cmd.AddCommand(up, down, status, generate)
	return cmd
}

// openMigrators connects to each source and builds its Migrator. It tries
// every source and reports every one it cannot open, each by name.
func openMigrators(ctx context.Context, file string, sources []*config.Source) ([]*migrations.Migrator, func(), error) {
	var dbs []*stdsql.DB
	closeAll := func() {
		for _, db := range dbs {
			db.Close()
		}
	}
	var ms []*migrations.Migrator
	var errs []error
	usage := false
	for _, src := range sources {
		d, err := dialects.Source(src.Dialect)
		if err != nil {
			errs, usage = append(errs, fmt.Errorf("source %s: %w", src.Name, err)), true
			continue
		}
		db, err := connect(ctx, d, src.DSN)
		if err != nil {
			errs = append(errs, fmt.Errorf("connect to source %s: %w", src.Name, err))
			continue
		}
		dbs = append(dbs, db)
		m, err := migrations.New(src, d, db, slog.Default())
		if err != nil {
			errs, usage = append(errs, err), true
			continue
		}
		m.ConfigFile = file
		ms = append(ms, m)
	}
	err := errors.Join(errs...)
	if usage {
		err = usageError(err)
	}
	return ms, closeAll, err
}

// fromCatalog builds the Migrator of the one chosen source from a catalog
// file.
func fromCatalog(g *globals, source, file string) (*config.Source, *migrations.Migrator, error) {
	cfg, err := g.loadConfig()
	if err != nil {
		return nil, nil, err
	}
	var src *config.Source
	for i := range cfg.Sources {
		if source == "" || cfg.Sources[i].Name == source {
			if src != nil {
				return nil, nil, usageError(fmt.Errorf("--catalog describes one source: name it with --source"))
			}
			src = &cfg.Sources[i]
		}
	}
	if src == nil {
		return nil, nil, usageError(fmt.Errorf("--source %s: no such source in %s", source, cfg.File))
	}
	d, err := dialects.Source(src.Dialect)
	if err != nil {
		return nil, nil, usageError(fmt.Errorf("source %s: %w", src.Name, err))
	}
	cat, err := migrations.ReadCatalogFile(file, d)
	if err != nil {
		return nil, nil, usageError(err)
	}
	m, err := migrations.NewFromCatalog(src, d, cat, slog.Default())
	if err != nil {
		return nil, nil, usageError(err)
	}
	m.ConfigFile = cfg.File
	return src, m, nil
}
