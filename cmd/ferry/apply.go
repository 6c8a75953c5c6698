package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

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

SIGHUP reads the config file again and, when it is valid (every route's
table read, its rules compiled, its lookups loaded), the running appliers
take its routes' rules, lookups and mappings from their next batch on; an
invalid file is refused, its errors logged, and the rules in force keep
running. Routes added or removed, and other settings, wait for a restart.

SIGTERM or SIGINT finishes the batch in flight and exits 0.`,
		Example: "  ferry apply -c ferry.yaml\n  ferry apply -c ferry.yaml --target branch --metrics-addr :9465",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			return runAppliers(cmd.Context(), cfg, config.Path(g.configPath), target, metricsAddr)
		},
	}
	cmd.Flags().StringVar(&target, "target", "", "apply only to this target (default: every target)")
	cmd.Flags().StringVar(&metricsAddr, "metrics-addr", "", "serve /metrics and /healthz on this address, e.g. :9465")
	return cmd
}

func runAppliers(ctx context.Context, cfg *config.Config, path, only, metricsAddr string) error {
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
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				reload(ctx, path, appliers)
			}
		}
	}()
	return runDaemons(ctx, "applier of target", names, ds, reg, metricsAddr)
}

// reload reads the config file again and has every applier take its
// routes, or, if any part of it is invalid, none.
func reload(ctx context.Context, path string, appliers []*applier.Applier) {
	log := slog.Default().With("file", path)
	refuse := func(err error) {
		for _, a := range appliers {
			a.CountReload(false)
		}
		log.Error("SIGHUP: the config is invalid; the rules in force keep running", "err", err)
	}
	cfg, err := config.Load(path)
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		refuse(err)
		return
	}
	var prepared []*applier.Reload
	var errs []error
	for _, a := range appliers {
		rl, err := a.PrepareReload(ctx, cfg)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		prepared = append(prepared, rl)
	}
	if len(errs) > 0 {
		for _, rl := range prepared {
			rl.Discard()
		}
		refuse(errors.Join(errs...))
		return
	}
	for i, a := range appliers {
		for _, n := range prepared[i].Notes {
			log.Warn("SIGHUP: not taken until a restart", "note", n)
		}
		if !a.Take(prepared[i], 10*time.Second) {
			log.Info("SIGHUP: an applier not consuming now takes the routes when it starts again")
		}
		a.CountReload(true)
	}
	log.Info("SIGHUP: reloaded the routes' rules and lookups")
}
