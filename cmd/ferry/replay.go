package main

import (
	"fmt"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/ferry-cdc/ferry/applier"
	"github.com/ferry-cdc/ferry/sql/dialects"
)

func newDLQReplay(g *globals) *cobra.Command {
	var target, table, reason, since, until string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "replay",
		Short: "Replay parked changes through the current rules and lookups, in order",
		Long: `replay sends the DLQ's entries back through each target's routes, with the
rules and lookups as the config has them now, in the order they were first
consumed. An entry that applies leaves the DLQ; when it was its key's last, the
key is released and the applier applies that key's new changes again. An entry
that fails again stays, with one more attempt and the new reason, and the later
entries of its key keep waiting behind it. An entry the filters leave out also
keeps its key's later entries waiting: a key is never replayed out of order.

An entry from before a truncate the applier has applied since is resolved as
superseded, without applying it. A truncate the route rejected is never
applied (it would delete the rows written after it): it is kept, or dismissed
when --reason truncate selects it.

A replay cut short at any point can be run again: what it already applied is
recorded in the target with the rows, and is not applied twice.`,
		Example: "  ferry dlq replay -c ferry.yaml --dry-run\n  ferry dlq replay -c ferry.yaml --table public.emp --reason rule --since 2026-11-20T00:00:00Z\n  ferry dlq replay -c ferry.yaml --reason truncate",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			if err := checkTarget(cfg, target); err != nil {
				return err
			}
			f := applier.Filter{Table: table, Reason: reason}
			for _, t := range []struct {
				flag, v string
				dst     *time.Time
			}{{"--since", since, &f.Since}, {"--until", until, &f.Until}} {
				if t.v == "" {
					continue
				}
				if *t.dst, err = time.Parse(time.RFC3339, t.v); err != nil {
					return usageError(fmt.Errorf("%s %q: want a time like 2026-11-20T15:04:05Z", t.flag, t.v))
				}
			}
			entries, err := readDLQ(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tROUTE\tRESULT\tDETAIL")
			failed := 0
			for i := range cfg.Targets {
				t := &cfg.Targets[i]
				if target != "" && t.Name != target {
					continue
				}
				d, err := dialects.Target(t.Dialect)
				if err != nil {
					return usageError(err)
				}
				db, err := connect(cmd.Context(), d, t.DSN)
				if err != nil {
					return fmt.Errorf("connect to target %s: %w", t.Name, err)
				}
				defer db.Close()
				a := applier.New(cfg, t, d, db, prometheus.NewRegistry(), slog.Default())
				outcomes, err := a.Replay(cmd.Context(), forTarget(entries, t.Name), f, dryRun)
				for _, o := range outcomes {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", o.Entry.ID(), o.Entry.Route, o.Result, o.Detail)
					if o.Result == "failed" || o.Result == "would-fail" {
						failed++
					}
				}
				if err != nil {
					w.Flush()
					return fmt.Errorf("target %s: %w", t.Name, err)
				}
			}
			w.Flush()
			if failed > 0 {
				return fmt.Errorf("%d entries failed again and stay in the DLQ", failed)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&target, "target", "", "replay only this target's entries")
	cmd.Flags().StringVar(&table, "table", "", "replay only entries of this table (schema.table, source or target)")
	cmd.Flags().StringVar(&reason, "reason", "", "replay only entries of this class (rule, lookup, rejected, ...) or whose error contains this text")
	cmd.Flags().StringVar(&since, "since", "", "replay only entries that first failed at or after this time (RFC 3339)")
	cmd.Flags().StringVar(&until, "until", "", "replay only entries that first failed at or before this time (RFC 3339)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "say what would happen; change nothing")
	return cmd
}
