package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ferry-cdc/ferry/applier"
	"github.com/ferry-cdc/ferry/config"
)

// errDifferences makes verify exit 1 without an error message of its own:
// the report has said what differs.
var errDifferences = errors.New("the targets differ from the sources")

func newVerify(g *globals) *cobra.Command {
	var routes []string
	var repair, asJSON bool
	var chunk, list int
	var recheck, repairTimeout time.Duration
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Compare each routed target table with its source, through the route",
		Long: `verify reads each routed source table and its target table in key order, in
chunks, and compares them through the route as ferry apply applies it
(renamed, dropped and constant columns, lookups; excluded columns are not
compared). It reports per route the rows compared, and those missing in the
target, extra in the target and different (with the columns), and explains
each difference it can by an outstanding DLQ entry, a change held in the
target, or a rule or lookup that keeps the row out. A paused route (ferry
route pause) is said to be paused, and the differences nothing else explains
are explained by the pause: its changes wait in Kafka. A row that differs is
read again after --recheck-after before it counts: a change still in flight
is not a difference.

The text report prints a value or key longer than 200 characters as its
first 200, an ellipsis and its whole length in bytes; --json has every
value whole.

Exit 0 when nothing is unexplained, 1 otherwise.

--repair has the leading ferry relay read the unexplained keys again, with
the snapshot mechanism (ferry snapshot --keys): a missing or different row is
published again, and a key the source no longer has is published as a delete,
each in its place among the live changes. verify then reads the repaired keys
until they match, or --repair-timeout passes. A paused route is not
repaired: its repair would wait behind the pause; resume it, then verify again.`,
		Example: `  ferry verify -c ferry.yaml
  ferry verify -c ferry.yaml --route hq.public.emp --json
  ferry verify -c ferry.yaml --repair`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			if err := checkChunkSize(chunk); err != nil {
				return err
			}
			ctx := cmd.Context()
			p := newProgress(ctx, cmd.ErrOrStderr(), "rows")
			v, err := applier.NewVerifier(ctx, cfg, applier.VerifyOptions{
				Routes: routes, ChunkSize: chunk, RecheckAfter: recheck, Log: slog.Default(),
				Progress: func(route string, rows, estimate int64) { p.update(route, rows, estimate) },
			})
			if err != nil {
				return usageError(err)
			}
			defer v.Close()
			rep, err := v.Run(ctx)
			if err != nil {
				return err
			}
			for _, rr := range rep.Routes {
				state := "done"
				if rr.Error != "" {
					state = "failed"
				}
				p.end(rr.Route, rr.Rows, state)
			}
			p.wait()
			out := verifyOutput{VerifyReport: rep}
			if repair {
				out.Repairs, err = repairRoutes(ctx, cmd.ErrOrStderr(), cfg, v, rep, repairTimeout)
				if err != nil {
					return err
				}
			}
			w := cmd.OutOrStdout()
			if asJSON {
				if err := writeJSON(w, out); err != nil {
					return err
				}
			} else {
				printReport(w, out, list)
			}
			if out.unexplained() > 0 {
				return &exitError{code: exitFailed, err: errDifferences}
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&routes, "route", nil, "verify only this route: its from, its to, or \"from -> to\" (repeatable)")
	cmd.Flags().BoolVar(&repair, "repair", false, "have the relay publish the unexplained keys again, then read them until they match")
	cmd.Flags().BoolVar(&asJSON, "json", false, "write the report as JSON")
	cmd.Flags().IntVar(&chunk, "chunk-size", 50_000, "source rows read per chunk")
	cmd.Flags().IntVar(&list, "list", 20, "differences listed per route and kind in the text report (0: all)")
	cmd.Flags().DurationVar(&recheck, "recheck-after", 3*time.Second, "how long a differing row is given to arrive before it is read again and counts")
	cmd.Flags().DurationVar(&repairTimeout, "repair-timeout", 5*time.Minute, "how long --repair waits for the repaired rows to arrive")
	return cmd
}

// verifyOutput is the report, with what --repair did.
type verifyOutput struct {
	*applier.VerifyReport
	Repairs []*repairResult `json:"repairs,omitempty"`
}

type repairResult struct {
	Route     string               `json:"route"`
	Request   int64                `json:"request"`
	Keys      int                  `json:"keys"`
	Remaining []applier.Difference `json:"remaining,omitempty"` // unexplained after the repair
	// Paused: the route is paused, so its differences were not repaired
	// (a repair would wait in Kafka behind the pause).
	Paused bool   `json:"paused,omitempty"`
	Error  string `json:"error,omitempty"`
}

// unexplained counts what still differs: after a repair, what the repair
// did not mend.
func (o verifyOutput) unexplained() int64 {
	if o.Repairs == nil {
		return o.VerifyReport.Unexplained()
	}
	repaired := map[string]*repairResult{}
	for _, r := range o.Repairs {
		repaired[r.Route] = r
	}
	var n int64
	for _, rr := range o.Routes {
		r := repaired[rr.Route]
		switch {
		case rr.Error != "":
			n++
		case r == nil:
			n += rr.Unexplained
		case r.Error != "":
			n += max(rr.Unexplained, 1)
		default:
			n += int64(len(r.Remaining))
		}
	}
	return n
}

// repairRoutes asks for a re-read of each route's unexplained keys, waits
// for the relay to publish them, and reads them until they match.
func repairRoutes(ctx context.Context, note io.Writer, cfg *config.Config, v *applier.Verifier, rep *applier.VerifyReport, timeout time.Duration) ([]*repairResult, error) {
	var results []*repairResult
	var items []*waitItem
	var srcs []*sourceConn
	defer func() { closeSources(srcs) }()
	byRoute := map[*repairResult][]json.RawMessage{}
	for _, rr := range rep.Routes {
		if rr.Paused != nil && rr.Error == "" && len(rr.Differences) > 0 {
			results = append(results, &repairResult{Route: rr.Route, Keys: len(rr.Differences), Paused: true})
			fmt.Fprintf(note, "repair: route %s is paused: its %d differing keys are not repaired, a repair would wait behind the pause; ferry route resume, then verify again\n",
				rr.Route, len(rr.Differences))
			continue
		}
		var keys [][]byte
		var raw []json.RawMessage
		for _, d := range rr.Differences {
			if d.Explained == "" {
				keys, raw = append(keys, d.Key), append(raw, d.Key)
			}
		}
		if len(keys) == 0 || rr.Error != "" {
			continue
		}
		res := &repairResult{Route: rr.Route, Keys: len(keys)}
		results = append(results, res)
		from, _, _ := strings.Cut(rr.Route, " -> ")
		sname, sref := config.Route{From: from}.SplitFrom()
		s, err := openSources(ctx, cfg, sname)
		if err != nil {
			res.Error = err.Error()
			continue
		}
		srcs = append(srcs, s...)
		picked, err := s[0].pick([]string{sref})
		if err == nil && len(picked) == 0 {
			err = fmt.Errorf("source %s does not capture %s", sname, sref)
		}
		if err != nil {
			res.Error = err.Error()
			continue
		}
		it, err := s[0].request(ctx, note, picked[0], keys, defaultChunkSize, 0)
		if err != nil {
			res.Error = err.Error()
			continue
		}
		res.Request = it.id
		fmt.Fprintf(note, "repair: route %s: request %d: %s\n", rr.Route, it.id, it.what())
		items = append(items, it)
		byRoute[res] = raw
	}
	if len(items) == 0 {
		return results, nil
	}
	if err := waitRequests(ctx, note, items); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(timeout)
	for res, keys := range byRoute {
		for {
			diffs, err := v.Recheck(ctx, res.Route, keys)
			if err != nil {
				return nil, err
			}
			res.Remaining = res.Remaining[:0]
			for _, d := range diffs {
				if d.Explained == "" {
					res.Remaining = append(res.Remaining, d)
				}
			}
			if len(res.Remaining) == 0 || time.Now().After(deadline) {
				break
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Second):
			}
		}
		fmt.Fprintf(note, "repair: route %s: %d of %d keys now match\n", res.Route, res.Keys-len(res.Remaining), res.Keys)
	}
	return results, nil
}

// clipAt is how many characters of a value the text report prints.
const clipAt = 200

// clip is a value as the text report prints it: whole when it is short,
// else its first clipAt characters (valid UTF-8), an ellipsis and its whole
// length in bytes, so that a large text column does not make a large report.
func clip(v json.RawMessage) string {
	n := 0
	for i := range string(v) {
		if n == clipAt {
			return strings.ToValidUTF8(string(v[:i]), "\uFFFD") + fmt.Sprintf("… (%d bytes)", len(v))
		}
		n++
	}
	return string(v)
}

// prefixed is s between before and after, or nothing when s is empty.
func prefixed(before, s string, after ...string) string {
	if s == "" {
		return ""
	}
	return before + s + strings.Join(after, "")
}

func printReport(w io.Writer, out verifyOutput, list int) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ROUTE\tROWS\tMATCHED\tMISSING\tEXTRA\tDIFFERENT\tEXPLAINED\tUNEXPLAINED\tSECONDS")
	for _, rr := range out.Routes {
		if rr.Error != "" {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\t-\t-\t-\n", rr.Route)
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%.1f\n", rr.Route, rr.Rows, rr.Matched, rr.Missing, rr.Extra,
			rr.Different, rr.Explained, rr.Unexplained, rr.Seconds)
	}
	tw.Flush()
	for _, rr := range out.Routes {
		if rr.Error != "" {
			fmt.Fprintf(w, "\n%s: not verified: %s\n", rr.Route, rr.Error)
			continue
		}
		if p := rr.Paused; p != nil {
			fmt.Fprintf(w, "\n%s: PAUSED since %s%s%s: its changes wait in Kafka, so the differences nothing else explains are explained by the pause; ferry route resume, then verify again\n",
				rr.Route, p.Since.UTC().Format(time.RFC3339), prefixed(" by ", p.By), prefixed(" (", p.Reason, ")"))
		}
		if len(rr.Differences) == 0 {
			continue
		}
		if rr.Paused == nil {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s:", rr.Route)
		if rr.InFlight > 0 {
			fmt.Fprintf(w, " (%d rows differed at first and matched when read again)", rr.InFlight)
		}
		if len(rr.Columns) > 0 {
			var cols []string
			for c, n := range rr.Columns {
				cols = append(cols, fmt.Sprintf("%s %d", c, n))
			}
			fmt.Fprintf(w, " differing columns: %s", strings.Join(cols, ", "))
		}
		fmt.Fprintln(w)
		for _, explained := range []bool{false, true} {
			shown := map[string]int{}
			for _, d := range rr.Differences {
				if (d.Explained != "") != explained {
					continue
				}
				shown[d.Kind]++
				if list > 0 && shown[d.Kind] > list {
					continue
				}
				line := fmt.Sprintf("  %-9s %s", d.Kind, clip(d.Key))
				for _, c := range d.Columns {
					line += fmt.Sprintf("  %s: %s at the source, %s in the target", c, clip(d.Source[c]), clip(d.Target[c]))
				}
				if explained {
					line += "  (explained: " + d.Explained + ")"
				} else {
					line += "  UNEXPLAINED"
				}
				fmt.Fprintln(w, line)
			}
			for kind, n := range shown {
				if list > 0 && n > list {
					fmt.Fprintf(w, "  ... and %d more %s (--list 0 or --json lists them all)\n", n-list, kind)
				}
			}
		}
		if rr.Truncated {
			fmt.Fprintln(w, "  (the list of differences stops at 100000; the counts are complete)")
		}
	}
	for _, r := range out.Repairs {
		switch {
		case r.Error != "":
			fmt.Fprintf(w, "\nrepair of %s failed: %s\n", r.Route, r.Error)
		case r.Paused:
			fmt.Fprintf(w, "\nrepair of %s waits: the route is paused, so its %d differing keys were not repaired (ferry route resume, then verify again)\n", r.Route, r.Keys)
		default:
			fmt.Fprintf(w, "\nrepair of %s (request %d): %d of %d keys match now\n", r.Route, r.Request, r.Keys-len(r.Remaining), r.Keys)
			for _, d := range r.Remaining {
				fmt.Fprintf(w, "  still %-9s %s\n", d.Kind, d.Key)
			}
		}
	}
	n := out.unexplained()
	if n == 0 {
		fmt.Fprintln(w, "\nverify: nothing unexplained")
	} else {
		fmt.Fprintf(w, "\nverify: %d unexplained\n", n)
	}
}
