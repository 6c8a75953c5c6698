package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/ferry-cdc/ferry/applier"
	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/sql/dialects"
)

func newApply(g *globals) *cobra.Command {
	var target, metricsAddr string
	cmd := &cobra.Command{
		Use:   "apply",
		Short: "Apply changes from Kafka to the targets (daemon)",
		Long: `apply consumes the topics routed to each target in a consumer group
(<apply.group_id>-<target>; run more than one to share the work), maps each
change through its route and applies batches of upserts and deletes, with the
consumed offsets written to the target in the same transaction: exactly once.

A change that can never apply goes to the DLQ topic with the reason, and later
changes of its key follow it there until it is replayed. A child that arrives
before its parent is held in the target for apply.foreign_key_wait, a change
that takes a unique value another row still holds for apply.unique_wait, and
a partition whose change carries a column the target lacks waits
apply.schema_wait for it, reading the target's catalog again.

A truncate of a source table is applied once every partition of its topic
has reached it, as the route's truncate: says (delete, truncate or reject).

Rules (reject, skip, hold) and lookups (inline or a query on the target,
refreshed on a schedule) are checked per route before a change is applied.

SIGTERM or SIGINT finishes the batch in flight and exits 0.`,
		Example: "  ferry apply -c ferry.yaml\n  ferry apply -c ferry.yaml --target branch --metrics-addr :9465",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			return runAppliers(cmd.Context(), cfg, target, metricsAddr)
		},
	}
	cmd.Flags().StringVar(&target, "target", "", "apply only to this target (default: every target)")
	cmd.Flags().StringVar(&metricsAddr, "metrics-addr", "", "serve /metrics and /healthz on this address, e.g. :9465")
	return cmd
}

func runAppliers(ctx context.Context, cfg *config.Config, only, metricsAddr string) error {
	reg := newRegistry()
	var appliers []*applier.Applier
	var names []string
	for i := range cfg.Targets {
		t := &cfg.Targets[i]
		if only != "" && t.Name != only {
			continue
		}
		d, err := dialects.Target(t.Dialect)
		if err != nil {
			return usageError(fmt.Errorf("target %s: %w", t.Name, err))
		}
		db, err := d.Open(t.DSN.Secret())
		if err != nil {
			return usageError(fmt.Errorf("target %s: %w", t.Name, err))
		}
		defer db.Close()
		appliers = append(appliers, applier.New(cfg, t, d, db, reg, slog.Default()))
		names = append(names, t.Name)
	}
	if len(appliers) == 0 {
		return usageError(fmt.Errorf("no target to apply to in %s (--target %q)", cfg.File, only))
	}
	ds := make([]daemon, len(appliers))
	for i, a := range appliers {
		ds[i] = a
	}
	return runDaemons(ctx, "applier of target", names, ds, reg, metricsAddr)
}
