package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/relay"
	"github.com/ferry-cdc/ferry/sql/dialects"
)

func newRelay(g *globals) *cobra.Command {
	var source, metricsAddr string
	cmd := &cobra.Command{
		Use:   "relay",
		Short: "Move committed changes from each source's outbox into Kafka (daemon)",
		Long: `relay reads each source's outbox in windows that hold only committed changes
and produces every change to <topic_prefix>.<schema>.<table>, keyed by the
primary key, with the window's position in the same Kafka transaction:
exactly once for read_committed consumers, in commit order per key.

Run two for a source and one leads while the other waits to take over.
SIGTERM or SIGINT finishes the batch in flight and exits 0; a second signal
exits at once.`,
		Example: "  ferry relay -c ferry.yaml\n  ferry relay -c ferry.yaml --source hq --metrics-addr :9464",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			return runRelays(cmd.Context(), cfg, source, metricsAddr)
		},
	}
	cmd.Flags().StringVar(&source, "source", "", "relay only this source (default: every source)")
	cmd.Flags().StringVar(&metricsAddr, "metrics-addr", "", "serve /metrics and /healthz on this address, e.g. :9464")
	return cmd
}

func runRelays(ctx context.Context, cfg *config.Config, only, metricsAddr string) error {
	reg := newRegistry()
	var relays []*relay.Relay
	names := []string{}
	for i := range cfg.Sources {
		src := &cfg.Sources[i]
		if only != "" && src.Name != only {
			continue
		}
		d, err := dialects.Source(src.Dialect)
		if err != nil {
			return usageError(fmt.Errorf("source %s: %w", src.Name, err))
		}
		db, err := d.Open(src.DSN.Secret())
		if err != nil {
			return usageError(fmt.Errorf("source %s: %w", src.Name, err))
		}
		defer db.Close()
		relays = append(relays, relay.New(cfg, src, d, db, reg, slog.Default()))
		names = append(names, src.Name)
	}
	if len(relays) == 0 {
		return usageError(fmt.Errorf("--source %s: no such source in %s", only, cfg.File))
	}
	ds := make([]daemon, len(relays))
	for i, r := range relays {
		ds[i] = r
	}
	return runDaemons(ctx, "relay of source", names, ds, reg, metricsAddr)
}
