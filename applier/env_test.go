package applier_test

import (
	"context"
	stdsql "database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ferry-cdc/ferry/applier"
	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/internal/kafkatest"
	"github.com/ferry-cdc/ferry/migrations"
	"github.com/ferry-cdc/ferry/relay"
	fsql "github.com/ferry-cdc/ferry/sql"
	"github.com/ferry-cdc/ferry/sql/postgres"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// pipeline is a source and a target database with the same tables, a relay
// and an applier between them, all real.
type pipeline struct {
	t        testing.TB
	src, tgt *stdsql.DB
	srcDSN   string
	tgtDSN   string
	brokers  string
	cfg      *config.Config
	yaml     string
	tables   []string
	target   fsql.TargetDialect
}

// newPipeline creates each table (from its DDL) in both databases and
// captures it; routes go table to table of the same name.
func newPipeline(t testing.TB, ddl ...string) *pipeline {
	t.Helper()
	return newPipelineWith(t, options{}, ddl...)
}

// options vary a pipeline: a route's extra YAML (rules, lookups, columns)
// by table, the target's own DDL for a table, and statements to run in the
// target after its tables exist.
type options struct {
	table     map[string]string // extra YAML for a source table (exclude, key)
	route     map[string]string
	targetDDL map[string]string
	targetSQL []string
	// target is the target's dialect, PostgreSQL's when nil.
	target fsql.TargetDialect
	relay  string // extra YAML of the relay section
}

func newPipelineWith(t testing.TB, o options, ddl ...string) *pipeline {
	t.Helper()
	p := &pipeline{t: t, brokers: kafkatest.Brokers(t), target: o.target}
	if p.target == nil {
		p.target = postgres.Dialect{}
	}
	p.srcDSN, p.src = pgtest.NewDB(t)
	p.tgtDSN, p.tgt = pgtest.NewDB(t)
	p.src.SetMaxOpenConns(20)
	prefix := kafkatest.Prefix(t)
	var y strings.Builder
	// Names unique to the test: the relay's transactional.id and the
	// applier's consumer group derive from them, and tests run side by side.
	fmt.Fprintf(&y, "sources:\n  - name: hq_%s\n    dialect: postgres\n    dsn: %q\n    tables:\n", prefix, p.srcDSN)
	for _, d := range ddl {
		name := strings.Fields(strings.TrimPrefix(d, "CREATE TABLE "))[0]
		pgtest.Exec(t, p.src, d)
		if td, ok := o.targetDDL[name]; ok {
			pgtest.Exec(t, p.tgt, td)
		} else {
			pgtest.Exec(t, p.tgt, d)
		}
		p.tables = append(p.tables, name)
		fmt.Fprintf(&y, "      - name: public.%s\n", name)
		y.WriteString(o.table[name])
	}
	fmt.Fprintf(&y, "targets:\n  - name: branch\n    dialect: postgres\n    dsn: %q\n", p.tgtDSN)
	fmt.Fprintf(&y, "kafka:\n  brokers: [%q]\n  topic_prefix: %s\nroutes:\n", p.brokers, prefix)
	for _, n := range p.tables {
		fmt.Fprintf(&y, "  - from: hq_%s.public.%s\n    to: branch.public.%s\n", prefix, n, n)
		y.WriteString(o.route[n])
	}
	for _, s := range o.targetSQL {
		pgtest.Exec(t, p.tgt, s)
	}
	fmt.Fprintf(&y, "relay:\n  purge_schedule: \"@every 1h\"\n%sapply:\n  foreign_key_wait: 30s\n  group_id: %s\n", o.relay, prefix)
	cfg, err := config.Parse("test.yaml", []byte(y.String()))
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		t.Fatalf("%v\n%s", err, y.String())
	}
	p.cfg = cfg
	p.yaml = y.String()
	m, err := migrations.New(&cfg.Sources[0], postgres.Dialect{}, p.src, quiet())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(context.Background()); err != nil {
		t.Fatal(err)
	}
	return p
}

func quiet() *slog.Logger {
	if os.Getenv("FERRY_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func (p *pipeline) topic(table string) string {
	return relay.TopicName(p.cfg.Kafka.TopicPrefix, "public", table)
}

// run starts the relay and the applier in this process until the test ends.
func (p *pipeline) run() {
	p.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	r := relay.New(p.cfg, &p.cfg.Sources[0], postgres.Dialect{}, p.src, prometheus.NewRegistry(), quiet())
	a := p.applier()
	wg.Add(2)
	go func() { defer wg.Done(); r.Run(ctx) }()
	go func() {
		defer wg.Done()
		if err := a.Run(ctx); err != nil {
			p.t.Errorf("applier: %v", err)
		}
	}()
	p.t.Cleanup(func() { cancel(); wg.Wait() })
}

func (p *pipeline) applier() *applier.Applier {
	return applier.New(p.cfg, &p.cfg.Targets[0], p.target, p.tgt, prometheus.NewRegistry(), quiet())
}

// rows returns a table's rows as text, ordered, for comparing databases.
func rows(t testing.TB, db *stdsql.DB, table string) []string {
	t.Helper()
	r, err := db.Query(fmt.Sprintf(`SELECT t::text FROM %s t ORDER BY 1`, table))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []string
	for r.Next() {
		var s string
		r.Scan(&s)
		out = append(out, s)
	}
	return out
}

// converge waits until every table in the target equals the source.
func (p *pipeline) converge(timeout time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		diff := ""
		for _, tb := range p.tables {
			s, g := rows(p.t, p.src, tb), rows(p.t, p.tgt, tb)
			if strings.Join(s, "\n") != strings.Join(g, "\n") {
				diff = fmt.Sprintf("table %s: source has %d rows, target %d", tb, len(s), len(g))
				for i := range min(len(s), len(g)) {
					if s[i] != g[i] {
						diff += fmt.Sprintf("\n source: %s\n target: %s", s[i], g[i])
						break
					}
				}
				break
			}
		}
		if diff == "" {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("the target did not converge: %s", diff)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
