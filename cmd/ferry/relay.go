package main

import (
	"context"
	stdsql "database/sql"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/relay"
	fsql "github.com/ferry-cdc/ferry/sql"
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
	cmd.AddCommand(newRelayResetPosition(g))
	return cmd
}

func newRelayResetPosition(g *globals) *cobra.Command {
	var source string
	cmd := &cobra.Command{
		Use:   "reset-position",
		Short: "Start a source's relay again from the beginning of its outbox",
		Long: `reset-position replaces the source's relay position in Kafka with the
beginning of its outbox. Use it when the relay refuses its position because the
outbox is no longer the one it was reading (the capture schema was created
again, the database was restored to a point in time, or the source failed over
to a standby that had not received everything): the relay then publishes every
change the outbox still holds, in order, after what Kafka already has, and
starts each open snapshot request again. Then run ferry verify --repair for
what the outbox no longer holds.

Stop the source's relays first: the command takes the source's lease while it
writes, and refuses while a relay holds it.`,
		Example: "  ferry relay reset-position -c ferry.yaml --source hq",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			if source == "" {
				return usageError(fmt.Errorf("--source is required: the source whose relay position to reset"))
			}
			src, ok := cfg.Source(source)
			if !ok {
				return usageError(fmt.Errorf("--source %q: no such source in %s", source, cfg.File))
			}
			d, db, err := openSource(src)
			if err != nil {
				return err
			}
			defer db.Close()
			old, err := relay.ResetPosition(cmd.Context(), cfg, src, d, db, slog.Default())
			if err != nil {
				return err
			}
			if old == nil {
				old = []byte("none")
			}
			fmt.Fprintf(cmd.OutOrStdout(), "source %s: the relay position is now the beginning of the outbox (it was %s)\n", src.Name, old)
			return nil
		},
	}
	cmd.Flags().StringVar(&source, "source", "", "the source whose relay position to reset (required)")
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
		d, db, err := openSource(src)
		if err != nil {
			return err
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

// openSource returns src's dialect and a pool for its DSN (not yet
// connected); a dialect or DSN that cannot be is a usage error.
func openSource(src *config.Source) (fsql.SourceDialect, *stdsql.DB, error) {
	d, err := dialects.Source(src.Dialect)
	if err != nil {
		return nil, nil, usageError(fmt.Errorf("source %s: %w", src.Name, err))
	}
	db, err := d.Open(src.DSN.Secret())
	if err != nil {
		return nil, nil, usageError(fmt.Errorf("source %s: %w", src.Name, err))
	}
	return d, db, nil
}
