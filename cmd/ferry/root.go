package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/internal/version"
)

type globals struct {
	configPath string
	logFormat  string
	logLevel   string
}

func newRoot() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "ferry",
		Short: "Keep tables in one database in step with another, through Kafka",
		Long: `Ferry captures every insert, update and delete on source tables with triggers
into an outbox, relays the outbox into Kafka exactly once and in commit order
per key, and applies the changes to target tables, checked against rules.

Exit codes: 0 done, 1 failed, 2 bad usage or config.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return g.setupLogging(cmd.ErrOrStderr())
		},
	}
	root.PersistentFlags().StringVarP(&g.configPath, "config", "c", "", "config file (default $FERRY_CONFIG, else ferry.yaml)")
	root.PersistentFlags().StringVar(&g.logFormat, "log-format", "auto", "log format: auto (text on a terminal, else json), text or json")
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(err) })

	root.AddCommand(
		newCheck(g),
		newMigrate(g),
		newRelay(g),
		newApply(g),
		newDLQ(g),
		newSnapshot(g),
		newVerify(g),
		newRoute(g),
		newStatus(g),
		newVersion(),
	)
	strictArgs(root)
	return root
}

// strictArgs makes every misuse of arguments a usage error (exit 2): a
// command that only groups others refuses to run without one it knows (a
// command that also runs itself, like snapshot, refuses what its own Args
// refuse), and
// a command's extra or missing arguments are refused, so that `ferry
// migrate upp && deploy` stops at the typo.
func strictArgs(cmd *cobra.Command) {
	if cmd.HasSubCommands() && cmd.RunE == nil && cmd.Run == nil {
		cmd.Args = cobra.ArbitraryArgs
		cmd.RunE = func(cmd *cobra.Command, args []string) error {
			cmd.SetOut(cmd.ErrOrStderr())
			cmd.Usage()
			if len(args) == 0 {
				var names []string
				for _, c := range cmd.Commands() {
					if c.IsAvailableCommand() {
						names = append(names, c.Name())
					}
				}
				return usageError(fmt.Errorf("%s: name a command: %s", cmd.CommandPath(), strings.Join(names, ", ")))
			}
			msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
			cmd.SuggestionsMinimumDistance = 2
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				msg += fmt.Sprintf(" (did you mean %s?)", strings.Join(s, " or "))
			}
			return usageError(errors.New(msg))
		}
	} else if check := cmd.Args; check != nil {
		cmd.Args = func(cmd *cobra.Command, args []string) error {
			if err := check(cmd, args); err != nil {
				if !strings.Contains(err.Error(), cmd.CommandPath()) {
					err = fmt.Errorf("%s: %w", cmd.CommandPath(), err)
				}
				return usageError(err)
			}
			return nil
		}
	}
	for _, c := range cmd.Commands() {
		strictArgs(c)
	}
}

func (g *globals) setupLogging(w io.Writer) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(g.logLevel)); err != nil {
		return usageError(fmt.Errorf("--log-level %q: want debug, info, warn or error", g.logLevel))
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	switch g.logFormat {
	case "text":
		h = slog.NewTextHandler(w, opts)
	case "json":
		h = slog.NewJSONHandler(w, opts)
	case "auto":
		if isTerminal(w) {
			h = slog.NewTextHandler(w, opts)
		} else {
			h = slog.NewJSONHandler(w, opts)
		}
	default:
		return usageError(fmt.Errorf("--log-format %q: want auto, text or json", g.logFormat))
	}
	slog.SetDefault(slog.New(h))
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// loadConfig reads and validates the config; every problem is a usage error.
func (g *globals) loadConfig() (*config.Config, error) {
	cfg, err := config.Load(config.Path(g.configPath))
	if err != nil {
		return nil, usageError(err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, usageError(err)
	}
	return cfg, nil
}

func newVersion() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print ferry's version, commit and Go version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), "ferry", version.Get())
			return nil
		},
	}
}

// writeJSON writes v indented, with <, > and & as they are: routes are
// "a -> b", and every JSON output of the CLI goes through here.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
