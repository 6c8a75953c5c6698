package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ferry-cdc/ferry/internal/version"
)

// daemon is one relay or applier as the command runs it.
type daemon interface {
	Run(ctx context.Context) error
	State() string
}

// runDaemons runs each daemon until ctx ends or one of them fails, which
// stops the others, visibly: a process that cannot do part of its job
// exits rather than carry on half-working. what names them in errors
// ("relay of source"), names[i] is the i-th's source or target.
func runDaemons(ctx context.Context, what string, names []string, ds []daemon, reg *prometheus.Registry, metricsAddr string) error {
	if metricsAddr != "" {
		srv, err := serveMetrics(metricsAddr, reg, func() map[string]string {
			st := map[string]string{}
			for i, d := range ds {
				st[names[i]] = d.State()
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
	errs := make([]error, len(ds))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for i, d := range ds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if errs[i] = d.Run(ctx); errs[i] != nil {
				errs[i] = fmt.Errorf("%s %s: %w", what, names[i], errs[i])
				cancel()
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
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.Encode(map[string]any{"status": "ok", "sources": states()})
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr %s: %w", addr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return srv, nil
}

func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), version.Collector())
	return reg
}
