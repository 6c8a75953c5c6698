package main

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ferry-cdc/ferry/applier"
	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/internal/kafkaclient"
	"github.com/ferry-cdc/ferry/migrations"
	fsql "github.com/ferry-cdc/ferry/sql"
	"github.com/ferry-cdc/ferry/sql/dialects"
)

func newCheck(g *globals) *cobra.Command {
	var offline bool
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check the config file, and the databases it names when they answer",
		Long: `Check reads the config strictly and prints every problem at once, each with
the file and line. When a source or target database answers, it also checks
that the captured tables, their keys and columns exist and can be carried
exactly, and that routed target tables have the columns written to them,
and warns of captured tables whose rows can be larger than
kafka.max_message_bytes. It connects to Kafka with the config's settings:
wrong credentials or an untrusted certificate are problems. A database or
a Kafka cluster that does not answer is reported and skipped; check then
ends with how many databases were not checked.

Exit codes: 0 all checked and ok; 1 a database was not reachable, so not
checked (and nothing checked was wrong); 2 a problem in the config file, a
DSN that cannot be parsed, or a catalog that does not fit the config.`,
		Example: "  ferry check -c ferry.yaml\n  ferry check -c ferry.yaml --offline",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			path := config.Path(g.configPath)
			cfg, err := config.Load(path)
			if err == nil {
				err = cfg.Validate()
			}
			if err != nil {
				return reportProblems(out, path, err)
			}
			if err := checkDSNs(cfg); err != nil {
				return reportProblems(out, path, err)
			}
			if offline {
				fmt.Fprintf(out, "%s: ok (databases not checked: --offline)\n", path)
				return nil
			}
			unreached, err := checkDatabases(cmd.Context(), out, cfg)
			err = errors.Join(err, checkKafka(cmd.Context(), out, cfg))
			if err != nil {
				return reportProblems(out, path, err)
			}
			if len(unreached) > 0 {
				return fmt.Errorf("%s: %d not reachable, not checked: %s", path, len(unreached), strings.Join(unreached, ", "))
			}
			fmt.Fprintf(out, "%s: ok\n", path)
			return nil
		},
	}
	cmd.Flags().BoolVar(&offline, "offline", false, "check the file only; do not connect to any database")
	return cmd
}

// reportProblems prints each joined error on its own line.
func reportProblems(w io.Writer, path string, err error) error {
	n := 0
	for _, p := range splitJoined(err) {
		fmt.Fprintln(w, p)
		if !strings.HasPrefix(p, " ") { // not an expression's snippet under its problem
			n++
		}
	}
	noun := "problems"
	if n == 1 {
		noun = "problem"
	}
	return usageError(fmt.Errorf("%s: %d %s", path, n, noun))
}

// splitJoined lists the errors of an errors.Join, each line of each one on
// its own; an error wrapping others keeps its own message whole.
func splitJoined(err error) []string {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []string
		for _, e := range j.Unwrap() {
			out = append(out, splitJoined(e)...)
		}
		return out
	}
	return strings.Split(err.Error(), "\n")
}

const pingTimeout = 5 * time.Second

// connect opens a pool and pings it; the caller closes the pool. Its
// errors name the database by the dialect's redaction of the DSN, and say
// so when it did not answer within fsql.ConnectTimeout. The ping runs on
// its own so that ctx's end (a signal) returns even from a driver that
// does not watch ctx.
func connect(ctx context.Context, d fsql.Dialect, dsn config.DSN) (*stdsql.DB, error) {
	db, err := d.Open(dsn.Secret())
	if err != nil {
		return nil, err
	}
	pctx, cancel := context.WithTimeout(ctx, fsql.ConnectTimeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- db.PingContext(pctx) }()
	select {
	case err = <-done:
	case <-pctx.Done():
		err = pctx.Err()
		go db.Close() // Close would wait for the ping
		return nil, connectError(ctx, pctx, d, dsn, err)
	}
	if err != nil {
		db.Close()
		return nil, connectError(ctx, pctx, d, dsn, err)
	}
	return db, nil
}

// connectError names the database, and says when it did not answer:
// within the bound (pctx's deadline passed), or within the DSN's own
// timeout (the driver's timeout fired first).
func connectError(ctx, pctx context.Context, d fsql.Dialect, dsn config.DSN, err error) error {
	var ne net.Error
	switch {
	case ctx.Err() != nil: // interrupted
	case pctx.Err() != nil:
		err = fmt.Errorf("no answer within %s: %w", fsql.ConnectTimeout, err)
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		err = fmt.Errorf("no answer, timed out: %w", err)
	}
	return fmt.Errorf("connect to %s: %w", d.Redact(dsn.Secret()), err)
}

// checkDSNs parses every source's and target's DSN: one that cannot be
// parsed is a config problem. The dialects' errors never quote the DSN.
func checkDSNs(cfg *config.Config) error {
	var errs []error
	parse := func(kind, name string, line int, dialect fsql.Dialect, err error, dsn config.DSN) {
		if err == nil {
			var db *stdsql.DB
			if db, err = dialect.Open(dsn.Secret()); err == nil {
				db.Close()
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %s %s: %w", cfg.File, line, kind, name, err))
		}
	}
	for _, src := range cfg.Sources {
		d, err := dialects.Source(src.Dialect)
		parse("source", src.Name, src.Line, d, err, src.DSN)
	}
	for _, tgt := range cfg.Targets {
		d, err := dialects.Target(tgt.Dialect)
		parse("target", tgt.Name, tgt.Line, d, err, tgt.DSN)
	}
	return errors.Join(errs...)
}

// checkDatabases checks what the catalog of each reachable database can
// tell, and returns the databases it could not reach.
func checkDatabases(ctx context.Context, out io.Writer, cfg *config.Config) (unreached []string, err error) {
	var errs []error
	sourceTables := map[string]*fsql.Table{} // "source.schema.table" -> table
	sourceNames := map[string]fsql.Names{}   // by source, as its connection resolves them
	for i := range cfg.Sources {
		src := &cfg.Sources[i]
		d, err := dialects.Source(src.Dialect)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: source %s: %w", cfg.File, src.Line, src.Name, err))
			continue
		}
		db, err := connect(ctx, d, src.DSN)
		if err != nil {
			fmt.Fprintf(out, "source %s: not reachable, catalog not checked: %v\n", src.Name, err)
			unreached = append(unreached, "source "+src.Name)
			continue
		}
		m, err := migrations.New(src, d, db, slog.Default())
		if err == nil {
			m.ConfigFile = cfg.File
			err = m.Check(ctx)
		}
		if err != nil {
			errs = append(errs, err)
		}
		names, err := fsql.NamesOf(ctx, d, db)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: source %s: %w", cfg.File, src.Line, src.Name, err))
			db.Close()
			continue
		}
		sourceNames[src.Name] = names
		for _, ref := range src.Resolve(names) {
			if t, err := d.Describe(ctx, db, ref.Schema, ref.Table); err == nil {
				sourceTables[src.Name+"."+t.String()] = t
				if w := sizeWarning(cfg, src, ref, t); w != "" {
					fmt.Fprintln(out, w)
				}
			}
		}
		db.Close()
	}
	for i := range cfg.Targets {
		tgt := &cfg.Targets[i]
		d, err := dialects.Target(tgt.Dialect)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: target %s: %w", cfg.File, tgt.Line, tgt.Name, err))
			continue
		}
		db, err := connect(ctx, d, tgt.DSN)
		if err != nil {
			fmt.Fprintf(out, "target %s: not reachable, catalog not checked: %v\n", tgt.Name, err)
			unreached = append(unreached, "target "+tgt.Name)
			continue
		}
		errs = append(errs, checkRoutes(ctx, out, cfg, tgt, d, db, sourceTables, sourceNames)...)
		db.Close()
	}
	return unreached, errors.Join(errs...)
}

// checkKafka logs in to the brokers as the daemons would.
func checkKafka(ctx context.Context, out io.Writer, cfg *config.Config) error {
	err := kafkaclient.Probe(ctx, cfg.Kafka, pingTimeout)
	switch {
	case errors.Is(err, kafkaclient.ErrUnreachable):
		fmt.Fprintf(out, "kafka: not reachable, not checked: %v\n", err)
		return nil
	case err != nil:
		return fmt.Errorf("%s:%d: %w", cfg.File, cfg.Kafka.Line, err)
	}
	return nil
}

// sizeWarning warns about a captured table whose changes can be larger
// than kafka.max_message_bytes: one such change would stop the relay. A
// change carries the row twice (before and after) with its column names.
func sizeWarning(cfg *config.Config, src *config.Source, ref config.TableRef, t *fsql.Table) string {
	limit := kafkaclient.Limit(cfg.Kafka)
	var unbounded []string
	var bound int64 = 1024 // the source block, the key, the headers
	for _, c := range t.Columns {
		if slices.Contains(ref.Exclude, c.Name) {
			continue
		}
		if c.MaxBytes == fsql.Unbounded {
			unbounded = append(unbounded, fmt.Sprintf("%s (%s)", c.Name, c.Type))
			continue
		}
		bound += 2 * (c.MaxBytes + int64(len(c.Name)) + 4)
	}
	where := fmt.Sprintf("warning: %s:%d: source %s table %s", cfg.File, ref.Line, src.Name, t)
	switch {
	case len(unbounded) > 0:
		return fmt.Sprintf("%s: columns without a size limit: %s; a row whose change exceeds kafka.max_message_bytes (%d bytes) "+
			"will stop the relay until the limit is raised: make sure its rows stay smaller, or raise the limit, or exclude the columns",
			where, strings.Join(unbounded, ", "), limit)
	case bound > int64(limit):
		return fmt.Sprintf("%s: a change can take up to %d bytes, more than kafka.max_message_bytes (%d bytes); "+
			"such a change will stop the relay until the limit is raised", where, bound, limit)
	}
	return ""
}

// checkRoutes checks that each route into tgt names an existing table with
// every column the route writes, and reviews what else the table has: it
// prints how the applier handles each thing (identity and generated
// columns, deferrable keys, unique and check constraints, triggers, ...)
// and returns what cannot work.
func checkRoutes(ctx context.Context, out io.Writer, cfg *config.Config, tgt *config.Target, d fsql.Dialect, db fsql.Querier,
	sources map[string]*fsql.Table, sourceNames map[string]fsql.Names) []error {
	var errs []error
	tnames, err := fsql.NamesOf(ctx, d, db)
	if err != nil {
		return []error{fmt.Errorf("%s:%d: target %s: %w", cfg.File, tgt.Line, tgt.Name, err)}
	}
	for _, r := range cfg.Routes {
		name, table := r.SplitTo()
		if name != tgt.Name {
			continue
		}
		schema, tname := config.Table{Name: table}.Qualified(tnames)
		where := fmt.Sprintf("%s:%d: route to %s", cfg.File, r.Line, r.To)
		t, err := d.Describe(ctx, db, schema, tname)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
			continue
		}
		src, srcTable := r.SplitFrom()
		s, ok := cfg.Source(src)
		if !ok {
			continue
		}
		ct, ok := s.Table(srcTable)
		if !ok {
			continue
		}
		var from *fsql.Table // nil when the source was not reached
		if names, ok := sourceNames[src]; ok {
			ss, sn := ct.Qualified(names)
			from = sources[src+"."+ss+"."+sn]
		}
		problems, notes := applier.Review(r, t, from, ct.Exclude)
		for _, n := range notes {
			fmt.Fprintf(out, "note: %s: %s\n", where, n)
		}
		for _, p := range problems {
			errs = append(errs, fmt.Errorf("%s: %w", where, p))
		}
		if from == nil {
			continue // source not reachable: its columns are unknown
		}
		for _, c := range from.Columns {
			if slices.Contains(ct.Exclude, c.Name) || slices.Contains(r.Drop, c.Name) {
				continue
			}
			to := c.Name
			if renamed, ok := r.Columns[c.Name]; ok {
				to = renamed
			}
			if _, ok := t.Column(to); !ok {
				errs = append(errs, fmt.Errorf("%s: target table has no column %s (for source column %s; rename it with `columns:` or drop it with `drop:`)", where, to, c.Name))
			}
		}
		for _, c := range slices.Sorted(maps.Keys(r.Constants)) {
			if _, ok := t.Column(c); !ok {
				errs = append(errs, fmt.Errorf("%s: target table has no column %s (a constant)", where, c))
			}
		}
	}
	return errs
}
