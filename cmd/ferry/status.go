package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ferry-cdc/ferry/applier"
	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/dlq"
	"github.com/ferry-cdc/ferry/internal/kafkaclient"
	"github.com/ferry-cdc/ferry/internal/kafkaread"
	"github.com/ferry-cdc/ferry/relay"
	fsql "github.com/ferry-cdc/ferry/sql"
	"github.com/ferry-cdc/ferry/sql/dialects"
)

func newStatus(g *globals) *cobra.Command {
	var asJSON, watch bool
	var every time.Duration
	cmd := &cobra.Command{
		Use:   "status",
		Short: "One screen for the whole pipeline, from the databases and Kafka",
		Long: `status reads the state of every source and route from the databases and
Kafka alone; no relay or applier need be running, or reachable.

Per source: the leading relay (the session holding its lease, from pg_locks
and pg_stat_activity), the outbox backlog after the position the relay last
committed to Kafka, and the age of its oldest change.

Per route: paused or running, the lag from the heartbeats applied (how far
the target is behind the source: near the pipeline's latency while
heartbeats flow, growing from one relay.heartbeat after any stage stalls),
the consumer lag (offsets between what the target stored and the end of each
partition), when a change was last applied, the changes held in the target,
and the outstanding DLQ entries.

--json writes the same as JSON; a route's paused_since, paused_by and reason
are there only while it is paused.

--watch draws the screen again every --interval until interrupted; when
stdout is not a terminal it clears nothing and writes each report after the
last, under a line with its time, a blank line between. The exit
code is 1 when a part could not be read (it says which), else 0.`,
		Example: "  ferry status -c ferry.yaml\n  ferry status -c ferry.yaml --watch\n  ferry status -c ferry.yaml --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			if watch && asJSON {
				return usageError(fmt.Errorf("--watch and --json: choose one"))
			}
			if every <= 0 {
				return usageError(fmt.Errorf("--interval %s: want more than 0", every))
			}
			w := cmd.OutOrStdout()
			if !watch {
				rep := readStatus(cmd.Context(), cfg)
				if asJSON {
					if err := writeJSON(w, rep); err != nil {
						return err
					}
				} else {
					rep.write(w)
				}
				if len(rep.Errors) > 0 {
					return &exitError{code: exitFailed, err: fmt.Errorf("%d parts of the pipeline could not be read", len(rep.Errors))}
				}
				return nil
			}
			// On a terminal the screen is drawn again in place; into a file
			// or a pipe, the reports follow one another, each under its time.
			term := isTerminal(w)
			for first := true; ; first = false {
				rep := readStatus(cmd.Context(), cfg)
				if cmd.Context().Err() != nil {
					return nil
				}
				var b strings.Builder
				switch {
				case term:
					b.WriteString("\033[H\033[2J") // home, clear the screen
					fmt.Fprintf(&b, "ferry status -c %s  every %s  (Ctrl-C to stop)\n\n", cfg.File, every)
				case !first:
					b.WriteString("\n")
					fallthrough
				default:
					fmt.Fprintf(&b, "ferry status at %s\n\n", rep.At.Format(time.RFC3339))
				}
				rep.write(&b)
				io.WriteString(w, b.String())
				select {
				case <-cmd.Context().Done():
					return nil
				case <-time.After(every):
				}
			}
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "write JSON")
	cmd.Flags().BoolVar(&watch, "watch", false, "draw the screen again every --interval")
	cmd.Flags().DurationVar(&every, "interval", 2*time.Second, "how often --watch reads and draws")
	return cmd
}

// statusReport is what ferry status prints.
type statusReport struct {
	At      time.Time             `json:"at"`
	Sources []sourceStatus        `json:"sources"`
	Routes  []applier.RouteStatus `json:"routes"`
	Errors  []string              `json:"errors,omitempty"`
}

type sourceStatus struct {
	Source string            `json:"source"`
	Leader *fsql.LeaseHolder `json:"leader"`
	// Backlog counts the outbox's committed changes not yet in Kafka;
	// Oldest is when the oldest of them was written.
	Backlog int64     `json:"backlog"`
	Oldest  time.Time `json:"oldest,omitzero"`
	Error   string    `json:"error,omitempty"`
}

// leaseHolder is what status needs from a source to say who leads.
type leaseHolder interface {
	LeaseHolder(ctx context.Context, q fsql.Querier, captureSchema, source string) (*fsql.LeaseHolder, error)
}

// readStatus reads every part it can; what it cannot is in Errors.
func readStatus(ctx context.Context, cfg *config.Config) *statusReport {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	rep := &statusReport{At: time.Now().UTC()}
	fail := func(format string, args ...any) string {
		msg := fmt.Sprintf(format, args...)
		rep.Errors = append(rep.Errors, msg)
		return msg
	}
	for i := range cfg.Sources {
		src := &cfg.Sources[i]
		ss := sourceStatus{Source: src.Name, Backlog: -1}
		if err := readSource(ctx, cfg, src, &ss); err != nil {
			ss.Error = fail("source %s: %v", src.Name, err)
		}
		rep.Sources = append(rep.Sources, ss)
	}
	brokers := strings.Join(cfg.Kafka.Brokers, ",")
	props := kafkaclient.ConsumerProperties(cfg.Kafka)
	marks := func(ctx context.Context, topics []string) ([]kafkaread.Watermark, error) {
		return kafkaread.ReadWatermarks(ctx, brokers, topics, kafkaread.Options{Props: props})
	}
	for i := range cfg.Targets {
		t := &cfg.Targets[i]
		rs, err := readTarget(ctx, cfg, t, marks)
		if err != nil {
			fail("target %s: %v", t.Name, err)
		}
		rep.Routes = append(rep.Routes, rs...)
	}
	entries, err := dlq.Read(ctx, brokers, props, cfg.Apply.DLQTopic)
	if err != nil {
		fail("%v", err)
		return rep
	}
	for i := range rep.Routes {
		r := &rep.Routes[i]
		r.DLQ = 0
		for _, e := range entries {
			if e.Route == r.Route {
				r.DLQ++
			}
		}
	}
	return rep
}

func readSource(ctx context.Context, cfg *config.Config, src *config.Source, ss *sourceStatus) error {
	d, err := dialects.Source(src.Dialect)
	if err != nil {
		return err
	}
	db, err := d.Open(src.DSN.Secret())
	if err != nil {
		return err
	}
	defer db.Close()
	if lh, ok := d.Source().(leaseHolder); ok {
		if ss.Leader, err = lh.LeaseHolder(ctx, db, d.Fold(src.CaptureSchema), src.Name); err != nil {
			return err
		}
	}
	ss.Backlog, ss.Oldest, err = relay.Backlog(ctx, cfg, src, d, db)
	return err
}

func readTarget(ctx context.Context, cfg *config.Config, t *config.Target, marks func(context.Context, []string) ([]kafkaread.Watermark, error)) ([]applier.RouteStatus, error) {
	d, err := dialects.Target(t.Dialect)
	if err != nil {
		return nil, err
	}
	db, err := d.Open(t.DSN.Secret())
	if err != nil {
		return nil, err
	}
	defer db.Close()
	// A target no applier has run on yet has no tables to read.
	if err := applier.Bookkeeping(cfg, t.Name, d).Prepare(ctx, db, d.Fold(applier.Schema)); err != nil {
		return nil, err
	}
	return applier.Status(ctx, cfg, t, d, db, marks)
}

func (rep *statusReport) write(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tLEADING RELAY\tLEADS SINCE\tBACKLOG\tOLDEST")
	for _, s := range rep.Sources {
		leader, since, backlog, oldest := "none", "-", "?", "-"
		if l := s.Leader; l != nil {
			leader = fmt.Sprintf("%s (pid %d", dash(l.Application), l.PID)
			if l.Client != "" {
				leader += " from " + l.Client
			}
			leader += ")"
			if !l.Since.IsZero() {
				since = l.Since.UTC().Format(time.RFC3339)
			}
		}
		if s.Backlog >= 0 {
			backlog = fmt.Sprint(s.Backlog)
		}
		if s.Backlog > 0 && !s.Oldest.IsZero() {
			oldest = age(rep.At.Sub(s.Oldest))
		}
		if s.Error != "" {
			leader = "? (" + s.Error + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Source, leader, since, backlog, oldest)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ROUTE\tTARGET\tSTATE\tLAG\tCONSUMER LAG\tLAST CHANGE APPLIED\tHELD\tDLQ")
	for _, r := range rep.Routes {
		state, lag, clag, last, dlqCount := "running", "?", "?", "-", "?"
		if r.Paused {
			state = "paused"
			if r.Reason != "" {
				state += " (" + r.Reason + ")"
			}
		}
		if r.Lag != nil {
			lag = age(*r.Lag)
		}
		if r.ConsumerLag >= 0 {
			clag = fmt.Sprint(r.ConsumerLag)
		}
		if !r.LastChange.IsZero() {
			last = r.LastChange.UTC().Format(time.RFC3339) + " (" + age(rep.At.Sub(r.LastChange)) + " ago)"
		}
		if r.DLQ >= 0 {
			dlqCount = fmt.Sprint(r.DLQ)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", r.Route, r.Target, state, lag, clag, last, r.Held, dlqCount)
	}
	tw.Flush()
	for _, e := range rep.Errors {
		fmt.Fprintln(w, "error:", e)
	}
}

// age prints a duration for a person: 120ms, 3.4s, 5m10s, 2h3m.
func age(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	case d < time.Hour:
		return d.Round(time.Second).String()
	}
	return d.Round(time.Minute).String()
}
