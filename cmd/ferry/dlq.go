package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/dlq"
	"github.com/ferry-cdc/ferry/internal/kafkaclient"
)

func newDLQ(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dlq",
		Short: "List, show and replay changes parked in the dead-letter queue",
		Long: `dlq reads the DLQ topic (apply.dlq_topic, default <topic_prefix>._dlq): the
changes that can never apply as they are, and the later changes of their keys
parked behind them. An entry is named by where its change was consumed from,
topic/partition/offset; written more than once (an applier retrying after a
crash, a replay that failed again) it counts once, and once replayed, not at
all.`,
	}
	cmd.AddCommand(
		newDLQList(g),
		newDLQShow(g),
		newDLQReplay(g),
	)
	return cmd
}

func newDLQList(g *globals) *cobra.Command {
	var target string
	var entries, asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Count parked changes by table and reason, newest first",
		Long: `list counts the outstanding entries of the DLQ by route, class and reason (the
error, cut to 80 characters), the group with the latest first failure first.

--entries lists the entries one by one instead, with the ID that ferry dlq show
takes, in the order a replay follows: by topic, partition and offset.`,
		Example: "  ferry dlq list -c ferry.yaml\n  ferry dlq list -c ferry.yaml --target branch --entries\n  ferry dlq list -c ferry.yaml --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			if err := checkTarget(cfg, target); err != nil {
				return err
			}
			versions, err := readDLQ(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			out := forTarget(dlq.Outstanding(versions), target)
			w := cmd.OutOrStdout()
			topic := cfg.Apply.DLQTopic
			switch {
			case asJSON && entries:
				return writeEntriesJSON(w, topic, out)
			case asJSON:
				return writeGroupsJSON(w, topic, out)
			case len(out) == 0 && target != "":
				_, err := fmt.Fprintf(w, "the DLQ %s holds nothing for target %s\n", topic, target)
				return err
			case len(out) == 0:
				_, err := fmt.Fprintf(w, "the DLQ %s is empty\n", topic)
				return err
			case entries:
				return writeEntries(w, topic, out)
			default:
				return writeGroups(w, topic, out)
			}
		},
	}
	cmd.Flags().StringVar(&target, "target", "", "only the entries of routes to this target")
	cmd.Flags().BoolVar(&entries, "entries", false, "list each entry with its ID, in replay order")
	cmd.Flags().BoolVar(&asJSON, "json", false, "write JSON")
	return cmd
}

func newDLQShow(g *globals) *cobra.Command {
	var target string
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show one parked change, decoded",
		Long: `show prints a DLQ entry, named topic/partition/offset as ferry dlq list
--entries prints it: where it sits in the DLQ, every header, the key, and the
value (JSON indented; other text quoted; anything else in hex). An entry
already replayed is shown as resolved, with the last version that failed.

Two targets fed by the same topic can each have an entry with the same ID:
show prints both, or the one of --target.`,
		Example: "  ferry dlq show -c ferry.yaml hq.public.emp/0/1734",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			topic, partition, offset, err := dlq.ParseID(args[0])
			if err != nil {
				return usageError(err)
			}
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			if err := checkTarget(cfg, target); err != nil {
				return err
			}
			versions, err := readDLQ(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			var mine []*dlq.Entry
			for _, v := range forTarget(versions, target) {
				if v.Topic == topic && v.Partition == partition && v.Offset == offset {
					mine = append(mine, v)
				}
			}
			newest := dlq.Newest(mine)
			if len(newest) == 0 {
				where := ""
				if target != "" {
					where = " for target " + target
				}
				return fmt.Errorf("no entry %s in the DLQ %s%s (ferry dlq list --entries prints the IDs)", args[0], cfg.Apply.DLQTopic, where)
			}
			w := cmd.OutOrStdout()
			for i, e := range newest {
				if i > 0 {
					fmt.Fprintln(w)
				}
				if err := writeEntry(w, cfg.Apply.DLQTopic, e, mine); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&target, "target", "", "only the entry of the route to this target")
	return cmd
}

func checkTarget(cfg *config.Config, target string) error {
	if _, ok := cfg.Target(target); target != "" && !ok {
		return usageError(fmt.Errorf("--target %s: no such target in %s", target, cfg.File))
	}
	return nil
}

func readDLQ(ctx context.Context, cfg *config.Config) ([]*dlq.Entry, error) {
	// A cluster that does not answer, or refuses the login, is said in
	// seconds, rather than after the read's minute without progress.
	if err := kafkaclient.Probe(ctx, cfg.Kafka, 10*time.Second); err != nil {
		return nil, fmt.Errorf("read dlq %s: %w", cfg.Apply.DLQTopic, err)
	}
	return dlq.ReadVersions(ctx, strings.Join(cfg.Kafka.Brokers, ","), kafkaclient.ConsumerProperties(cfg.Kafka), cfg.Apply.DLQTopic)
}

func forTarget(entries []*dlq.Entry, target string) []*dlq.Entry {
	if target == "" {
		return entries
	}
	var out []*dlq.Entry
	for _, e := range entries {
		if e.Target() == target {
			out = append(out, e)
		}
	}
	return out
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func writeGroups(w io.Writer, topic string, entries []*dlq.Entry) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ROUTE\tCLASS\tCOUNT\tNEWEST\tOLDEST\tREASON")
	for _, g := range dlq.Summarize(entries) {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", g.Route, g.Class, g.Count, stamp(g.Newest), stamp(g.Oldest), g.Reason)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "total: %d outstanding in the DLQ %s\n", len(entries), topic)
	return err
}

func writeEntries(w io.Writer, topic string, entries []*dlq.Entry) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tROUTE\tCLASS\tATTEMPTS\tFIRST FAILURE\tREASON")
	for _, e := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", e.ID(), e.Route, e.Class, e.Attempts, stamp(e.First), dlq.Reason(e.Error))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "total: %d outstanding in the DLQ %s\n", len(entries), topic)
	return err
}

func writeGroupsJSON(w io.Writer, topic string, entries []*dlq.Entry) error {
	groups := dlq.Summarize(entries)
	if groups == nil {
		groups = []dlq.Group{}
	}
	return writeJSON(w, struct {
		Topic  string      `json:"topic"`
		Total  int         `json:"total"`
		Groups []dlq.Group `json:"groups"`
	}{topic, len(entries), groups})
}

type entryJSON struct {
	ID           string    `json:"id"`
	Topic        string    `json:"topic"`
	Partition    int32     `json:"partition"`
	Offset       int64     `json:"offset"`
	Route        string    `json:"route"`
	Class        string    `json:"class"`
	Error        string    `json:"error"`
	Rule         string    `json:"rule,omitempty"`
	FirstFailure time.Time `json:"first_failure"`
	Attempts     int       `json:"attempts"`
	DLQPartition int32     `json:"dlq_partition"`
	DLQOffset    int64     `json:"dlq_offset"`
}

func writeEntriesJSON(w io.Writer, topic string, entries []*dlq.Entry) error {
	out := make([]entryJSON, len(entries))
	for i, e := range entries {
		out[i] = entryJSON{
			ID: e.ID(), Topic: e.Topic, Partition: e.Partition, Offset: e.Offset,
			Route: e.Route, Class: e.Class, Error: e.Error, Rule: e.Rule,
			FirstFailure: e.First, Attempts: e.Attempts,
			DLQPartition: e.DLQPartition, DLQOffset: e.DLQOffset,
		}
	}
	return writeJSON(w, struct {
		Topic   string      `json:"topic"`
		Total   int         `json:"total"`
		Entries []entryJSON `json:"entries"`
	}{topic, len(entries), out})
}

// writeEntry prints newest, the newest version of an entry, and if that is
// a resolution, the last version that failed, from versions.
func writeEntry(w io.Writer, topic string, newest *dlq.Entry, versions []*dlq.Entry) error {
	e := newest
	status := "outstanding"
	if newest.Resolved {
		status = fmt.Sprintf("resolved (marker at partition %d offset %d)", newest.DLQPartition, newest.DLQOffset)
		var failed []*dlq.Entry
		for _, v := range versions {
			if v.Route == newest.Route && !v.Resolved {
				failed = append(failed, v)
			}
		}
		if last := dlq.Newest(failed); len(last) > 0 {
			e = last[0]
		}
	}
	n := 0
	for _, v := range versions {
		if v.Route == newest.Route {
			n++
		}
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "entry\t%s\n", e.ID())
	fmt.Fprintf(tw, "status\t%s\n", status)
	fmt.Fprintf(tw, "in the DLQ\t%s partition %d offset %d (%d version%s)\n", topic, e.DLQPartition, e.DLQOffset, n, plural(n))
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "headers:")
	tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	for _, h := range e.Headers {
		fmt.Fprintf(tw, "  %s\t%s\n", h.Key, text(h.Value))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "key:")
	fmt.Fprintln(w, indent(decoded(e.Key)))
	fmt.Fprintln(w, "value:")
	_, err := fmt.Fprintln(w, indent(decoded(e.Value)))
	return err
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// decoded renders bytes for a reader: JSON indented, other text quoted,
// anything else as a hex dump.
func decoded(b []byte) string {
	switch {
	case b == nil:
		return "(none)"
	case json.Valid(b):
		var buf bytes.Buffer
		if err := json.Indent(&buf, b, "", "  "); err == nil {
			return buf.String()
		}
	case utf8.Valid(b):
		return strconv.Quote(string(b))
	}
	return strings.TrimRight(hex.Dump(b), "\n")
}

// text renders a header value: as it is when it is printable on one line,
// else quoted, else in hex.
func text(b []byte) string {
	switch {
	case len(b) == 0:
		return `""`
	case !utf8.Valid(b):
		return "hex " + hex.EncodeToString(b)
	case strings.IndexFunc(string(b), func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		return strconv.Quote(string(b))
	}
	return string(b)
}

func indent(s string) string { return "  " + strings.ReplaceAll(s, "\n", "\n  ") }
