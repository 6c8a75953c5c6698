// Command load is the workload, the live view and the final check of
// `make demo` (demo/demo.sh), which runs it twice while ferry relay and
// ferry apply run in the background:
//
//	load run     writes a mixed workload to demo_source for -duration and
//	             shows, once a second, what the pipeline has done with it
//	load verify  waits for the pipeline to drain, then compares the target
//	             with the source, table by table, and explains every key
//	             that differs by its DLQ entry or its held change
//
// It is a demo tool, not part of ferry; it reads the same metrics, tables
// and DLQ topic an operator would.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// opts are the flags both subcommands take.
type opts struct {
	sourceDSN, targetDSN string
	brokers, prefix      string
	applyGroup           string
	relayMetrics         string
	applyMetrics         string
	stateFile            string
	rules                bool

	// run
	duration time.Duration
	rate     int
	workers  int

	// verify
	timeout  time.Duration
	list     int
	diffFile string
}

func main() {
	if len(os.Args) < 2 || (os.Args[1] != "run" && os.Args[1] != "verify") {
		fmt.Fprintln(os.Stderr, "usage: load run|verify [flags]   (see demo/demo.sh)")
		os.Exit(2)
	}
	cmd := os.Args[1]
	var o opts
	fs := flag.NewFlagSet("load "+cmd, flag.ExitOnError)
	fs.StringVar(&o.sourceDSN, "source", "", "source database DSN")
	fs.StringVar(&o.targetDSN, "target", "", "target database DSN")
	fs.StringVar(&o.brokers, "brokers", "127.0.0.1:59092", "Kafka bootstrap servers")
	fs.StringVar(&o.prefix, "prefix", "", "the config's kafka.topic_prefix")
	fs.StringVar(&o.applyGroup, "apply-group", "", "the applier's group: <apply.group_id>-<target>")
	fs.StringVar(&o.relayMetrics, "relay-metrics", "", "URL of ferry relay's /metrics")
	fs.StringVar(&o.applyMetrics, "apply-metrics", "", "URL of ferry apply's /metrics")
	fs.StringVar(&o.stateFile, "state", "demo/.run/workload.json", "where run records what it did, for verify")
	fs.BoolVar(&o.rules, "rules", true, "the config has the rules and the lookup (false: DEMO_NO_RULES=1)")
	fs.DurationVar(&o.duration, "duration", 30*time.Second, "run: how long the workload writes")
	fs.IntVar(&o.rate, "rate", 200, "run: statements per second, all workers together")
	fs.IntVar(&o.workers, "workers", 4, "run: concurrent writers")
	fs.DurationVar(&o.timeout, "timeout", 3*time.Minute, "verify: the longest to wait for the pipeline to drain")
	fs.IntVar(&o.list, "list", 40, "verify: the most differing keys listed per explanation (0: all)")
	fs.StringVar(&o.diffFile, "diff-file", "demo/.run/differences.txt", "verify: where to write every differing key with its explanation")
	fs.Parse(os.Args[2:])
	if o.sourceDSN == "" || o.targetDSN == "" || o.prefix == "" || o.applyGroup == "" {
		fmt.Fprintln(os.Stderr, "load: -source, -target, -prefix and -apply-group are required")
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if cmd == "run" {
		err = run(ctx, &o)
	} else {
		err = verify(ctx, &o)
	}
	switch {
	case ctx.Err() != nil:
		fmt.Fprintln(os.Stderr, "\nload: interrupted")
		os.Exit(130)
	case errors.Is(err, errVerifyFailed):
		os.Exit(1)
	case err != nil:
		fmt.Fprintf(os.Stderr, "load %s: %s\n", cmd, strings.TrimSpace(err.Error()))
		os.Exit(1)
	}
}

var errVerifyFailed = errors.New("verify failed")
