package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ferry-cdc/ferry/config"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = ""

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
		newVersion(),
	)
	return root
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
		Short: "Print ferry's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := version
			if v == "" {
				v = "devel"
				if bi, ok := debug.ReadBuildInfo(); ok {
					for _, s := range bi.Settings {
						if s.Key == "vcs.revision" {
							v += " " + s.Value
						}
					}
				}
			}
			fmt.Fprintln(cmd.OutOrStdout(), "ferry", strings.TrimSpace(v))
			return nil
		},
	}
}
