// Command load is the workload, the live view and the final checks of
// `make demo` (demo/demo.sh), which runs it while ferry relay and ferry apply
// run in the background:
//
//	load run    writes a mixed workload to demo_source for -duration and
//	            shows, once a second, what the pipeline has done with it
//	load drain  waits until the pipeline has drained: every captured change
//	            in Kafka, every Kafka message applied, in the DLQ or held
//	load check  reads the report of `ferry verify --json` (-verify) and
//	            checks that each kind of change the workload made ended
//	            where the config sends it
//
// The comparison of the two databases is ferry verify's; load only reads
// the same metrics, tables and report an operator would.
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

	// drain, check
	timeout    time.Duration
	verifyFile string
}

func main() {
	cmds := map[string]func(context.Context, *opts) error{"run": run, "drain": drainCmd, "check": check}
	if len(os.Args) < 2 || cmds[os.Args[1]] == nil {
		fmt.Fprintln(os.Stderr, "usage: load run|drain|check [flags]   (see demo/demo.sh)")
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
	fs.StringVar(&o.stateFile, "state", "demo/.run/workload.json", "where run records what it did, for check")
	fs.BoolVar(&o.rules, "rules", true, "the config has the rules and the lookup (false: DEMO_NO_RULES=1)")
	fs.DurationVar(&o.duration, "duration", 30*time.Second, "run: how long the workload writes")
	fs.IntVar(&o.rate, "rate", 200, "run: statements per second, all workers together")
	fs.IntVar(&o.workers, "workers", 4, "run: concurrent writers")
	fs.DurationVar(&o.timeout, "timeout", 3*time.Minute, "drain: the longest to wait for the pipeline to drain")
	fs.StringVar(&o.verifyFile, "verify", "demo/.run/verify.json", "check: the report of ferry verify --json")
	fs.Parse(os.Args[2:])
	if o.sourceDSN == "" || o.targetDSN == "" || o.prefix == "" || o.applyGroup == "" {
		fmt.Fprintln(os.Stderr, "load: -source, -target, -prefix and -apply-group are required")
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := cmds[cmd](ctx, &o)
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

var errVerifyFailed = errors.New("check failed")
