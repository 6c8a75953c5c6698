package main

import (
	"context"
	stdsql "database/sql"
	"fmt"
	"os"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ferry-cdc/ferry/applier"
	"github.com/ferry-cdc/ferry/applier/bookkeeping"
	"github.com/ferry-cdc/ferry/config"
	fsql "github.com/ferry-cdc/ferry/sql"
	"github.com/ferry-cdc/ferry/sql/dialects"
)

func newRoute(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "route",
		Short: "Pause, resume and list routes at run time",
		Long: `route pauses and resumes routes while the appliers run. A paused route stops
applying within a few seconds, in every applier of its target, without a
restart; its changes wait in Kafka, and the other routes keep flowing. Resumed,
it goes on from the offset stored with the last change it applied: nothing is
lost, nothing applied twice, each key in order. While a route of a target is
paused, no held change of that target's routes runs out of its
foreign_key_wait or unique_wait (the row it waits for may be on the paused
route), and the waits start again when the last pause ends.

The state is kept in the target's ferry schema (route_state), so it survives
restarts; ferry status and the metric ferry_apply_route_paused show it.

ROUTE is a route as "FROM -> TO", or its from (when only one route has it),
or its to, as the config writes them.`,
	}
	cmd.AddCommand(newRouteSet(g, true), newRouteSet(g, false), newRouteList(g))
	return cmd
}

func newRouteSet(g *globals, pause bool) *cobra.Command {
	verb, done := "resume", "resumed"
	if pause {
		verb, done = "pause", "paused"
	}
	var reason string
	cmd := &cobra.Command{
		Use:     verb + " ROUTE",
		Short:   strings.ToUpper(verb[:1]) + verb[1:] + " a route in every applier of its target",
		Example: fmt.Sprintf("  ferry route %s -c ferry.yaml hq.public.employees\n  ferry route %s -c ferry.yaml 'hq.public.employees -> branch.public.staff'", verb, verb),
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			r, err := findRoute(cfg, args[0])
			if err != nil {
				return usageError(err)
			}
			tname, _ := r.SplitTo()
			ctx := cmd.Context()
			db, book, err := openStates(ctx, cfg, tname)
			if err != nil {
				return err
			}
			defer db.Close()
			s := fsql.RouteState{Route: applier.RouteName(r), Paused: pause, By: who(), Reason: reason}
			if err := book.SetRouteState(ctx, db, s); err != nil {
				return fmt.Errorf("target %s: %w", tname, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "route %s %s; running appliers take it within a few seconds\n", s.Route, done)
			return nil
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why, shown by ferry route list and ferry status")
	return cmd
}

func newRouteList(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the routes, paused or running, and who paused them",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			type row struct {
				Route  string    `json:"route"`
				Target string    `json:"target"`
				Paused bool      `json:"paused"`
				Since  time.Time `json:"since,omitzero"`
				By     string    `json:"by,omitempty"`
				Reason string    `json:"reason,omitempty"`
			}
			var out []row
			for _, t := range cfg.Targets {
				db, book, err := openStates(cmd.Context(), cfg, t.Name)
				if err != nil {
					return err
				}
				states, err := book.RouteStates(cmd.Context(), db)
				db.Close()
				if err != nil {
					return fmt.Errorf("target %s: %w", t.Name, err)
				}
				for _, r := range cfg.Routes {
					if tn, _ := r.SplitTo(); tn != t.Name {
						continue
					}
					rw := row{Route: applier.RouteName(r), Target: t.Name}
					for _, s := range states {
						if s.Route == rw.Route {
							rw.Paused, rw.Since, rw.By, rw.Reason = s.Paused, s.Since, s.By, s.Reason
						}
					}
					out = append(out, rw)
				}
			}
			w := cmd.OutOrStdout()
			if asJSON {
				return writeJSON(w, out)
			}
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ROUTE\tTARGET\tSTATE\tSINCE\tBY\tREASON")
			for _, r := range out {
				state, since := "running", "-"
				if r.Paused {
					state = "paused"
				}
				if !r.Since.IsZero() {
					since = r.Since.UTC().Format(time.RFC3339)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Route, r.Target, state, since, dash(r.By), dash(r.Reason))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "write JSON")
	return cmd
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// findRoute finds the route ref names: its whole name, its to, or its from
// when only one route has it.
func findRoute(cfg *config.Config, ref string) (config.Route, error) {
	var byFrom []config.Route
	for _, r := range cfg.Routes {
		if applier.RouteName(r) == ref || r.To == ref {
			return r, nil
		}
		if r.From == ref {
			byFrom = append(byFrom, r)
		}
	}
	switch len(byFrom) {
	case 1:
		return byFrom[0], nil
	case 0:
		var names []string
		for _, r := range cfg.Routes {
			names = append(names, applier.RouteName(r))
		}
		return config.Route{}, fmt.Errorf("no route %q in %s; the routes: %s", ref, cfg.File, strings.Join(names, "; "))
	}
	var tos []string
	for _, r := range byFrom {
		tos = append(tos, r.To)
	}
	return config.Route{}, fmt.Errorf("%s feeds %d routes: name one by its to: %s", ref, len(byFrom), strings.Join(tos, ", "))
}

// openStates connects to a target and makes sure its route states can be kept.
func openStates(ctx context.Context, cfg *config.Config, target string) (*stdsql.DB, *bookkeeping.Store, error) {
	t, ok := cfg.Target(target)
	if !ok {
		return nil, nil, usageError(fmt.Errorf("no target %s in %s", target, cfg.File))
	}
	d, err := dialects.Target(t.Dialect)
	if err != nil {
		return nil, nil, usageError(fmt.Errorf("target %s: %w", t.Name, err))
	}
	db, err := d.Open(t.DSN.Secret())
	if err != nil {
		return nil, nil, usageError(fmt.Errorf("target %s: %w", t.Name, err))
	}
	book := applier.Bookkeeping(cfg, t.Name, d)
	if err := book.Prepare(ctx, db, d.Fold(applier.Schema)); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("target %s: %w", t.Name, err)
	}
	return db, book, nil
}

// who says who paused a route: the OS user and host.
func who() string {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	host, _ := os.Hostname()
	return name + "@" + host
}
