package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
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
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	var relays []*relay.Relay
	names := []string{}
	for i := range cfg.Sources {
		src := &cfg.Sources[i]
		if only != "" && src.Name != only {
			continue
		}
		d, err := dialects.Lookup(src.Dialect)
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
	if metricsAddr != "" {
		srv, err := serveMetrics(metricsAddr, reg, func() map[string]string {
			st := map[string]string{}
			for i, r := range relays {
				st[names[i]] = r.State()
			}
			return st
		})
		if err != nil {
			return err
		}
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			srv.Shutdown(sctx)
		}()
	}
	var wg sync.WaitGroup
	errs := make([]error, len(relays))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for i, r := range relays {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if errs[i] = r.Run(ctx); errs[i] != nil {
				errs[i] = fmt.Errorf("relay of source %s: %w", names[i], errs[i])
				cancel() // one relay that cannot go on stops the process, visibly
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// serveMetrics serves Prometheus metrics and a health document.
func serveMetrics(addr string, reg *prometheus.Registry, states func() map[string]string) (*http.Server, error) {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"status": "ok", "sources": states()})
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr %s: %w", addr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return srv, nil
}
