package relay_test

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/internal/ferrytest"
	"github.com/ferry-cdc/ferry/internal/kafkatest"
	"github.com/ferry-cdc/ferry/migrations"
	"github.com/ferry-cdc/ferry/relay"
	"github.com/ferry-cdc/ferry/sql/postgres"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// env is one source database with captured tables and a Kafka topic prefix
// of its own.
type env struct {
	t       testing.TB
	dsn     string
	db      *stdsql.DB
	brokers string
	cfg     *config.Config
	tables  []string
}

func newEnv(t testing.TB, tables ...string) *env {
	t.Helper()
	var ddl []string
	var cfg []config.Table
	for _, name := range tables {
		ddl = append(ddl, fmt.Sprintf(`CREATE TABLE %s (id int PRIMARY KEY, v int NOT NULL, note text)`, name))
		cfg = append(cfg, config.Table{Name: name})
	}
	return newEnvWith(t, ddl, cfg...)
}

// newEnvWith is newEnv with tables of the test's own: ddl creates them,
// tables configures their capture (keys, exclusions).
func newEnvWith(t testing.TB, ddl []string, tables ...config.Table) *env {
	t.Helper()
	brokers := kafkatest.Brokers(t)
	dsn, db := pgtest.NewDB(t)
	db.SetMaxOpenConns(30)
	pgtest.Exec(t, db, ddl...)
	e := &env{t: t, dsn: dsn, db: db, brokers: brokers}
	prefix := kafkatest.Prefix(t)
	e.cfg = &config.Config{
		File:  "test.yaml",
		Kafka: config.Kafka{Brokers: []string{brokers}, TopicPrefix: prefix},
		Relay: config.Relay{PurgeSchedule: "@every 1h", BatchSize: 2000},
	}
	src := config.Source{Name: "src_" + prefix, Dialect: "postgres", DSN: config.DSN(dsn), CaptureSchema: "ferry"}
	for _, tb := range tables {
		src.Tables = append(src.Tables, config.Table{Name: tb.Name})
		e.tables = append(e.tables, strings.TrimPrefix(tb.Name, "public."))
	}
	e.cfg.Sources = []config.Source{src}
	reparse(t, e.cfg)
	e.cfg.Sources[0].Tables = tables // keys and exclusions, which yamlOf leaves out
	m, err := migrations.New(&e.cfg.Sources[0], postgres.Dialect{}, db, quiet())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e
}

// reparse fills the defaults the way Load does, by a round trip through YAML.
func reparse(t testing.TB, cfg *config.Config) {
	t.Helper()
	text := yamlOf(cfg)
	parsed, err := config.Parse("test.yaml", []byte(text))
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	if err := parsed.Validate(); err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	*cfg = *parsed
}

func yamlOf(cfg *config.Config) string {
	var b strings.Builder
	b.WriteString("sources:\n")
	for _, s := range cfg.Sources {
		fmt.Fprintf(&b, "  - name: %s\n    dialect: postgres\n    dsn: %q\n    capture_schema: %s\n    tables:\n", s.Name, s.DSN.Secret(), s.CaptureSchema)
		for _, t := range s.Tables {
			fmt.Fprintf(&b, "      - name: %q\n", t.Name)
			if len(t.Key) > 0 {
				fmt.Fprintf(&b, "        key: [%s]\n", strings.Join(t.Key, ", "))
			}
		}
	}
	fmt.Fprintf(&b, "kafka:\n  brokers: [%q]\n  topic_prefix: %s\n", cfg.Kafka.Brokers[0], cfg.Kafka.TopicPrefix)
	if cfg.Kafka.MaxMessageBytes != 0 {
		fmt.Fprintf(&b, "  max_message_bytes: %d\n", cfg.Kafka.MaxMessageBytes)
	}
	r := cfg.Relay
	b.WriteString("relay:\n")
	if r.PurgeSchedule != "" {
		fmt.Fprintf(&b, "  purge_schedule: %q\n", r.PurgeSchedule)
	}
	if r.BatchSize != 0 {
		fmt.Fprintf(&b, "  batch_size: %d\n", r.BatchSize)
	}
	if r.PollInterval != 0 {
		fmt.Fprintf(&b, "  poll_interval: %s\n", r.PollInterval)
	}
	if r.LeaseRetry != 0 {
		fmt.Fprintf(&b, "  lease_retry: %s\n", r.LeaseRetry)
	}
	return b.String()
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func (e *env) source() *config.Source { return &e.cfg.Sources[0] }

func (e *env) topics() []string {
	var out []string
	for _, t := range e.tables {
		out = append(out, relay.TopicName(e.cfg.Kafka.TopicPrefix, "public", t))
	}
	return out
}

// start runs a relay in this process until the test ends; it returns a
// function that stops it and reports its error.
func (e *env) start() func() error {
	e.t.Helper()
	r := relay.New(e.cfg, e.source(), postgres.Dialect{}, e.db, prometheus.NewRegistry(), quiet())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var once sync.Once
	var err error
	stop := func() error {
		once.Do(func() { cancel(); err = <-done })
		return err
	}
	e.t.Cleanup(func() { stop() })
	return stop
}

// change is one message as the tests check it.
type change struct {
	topic     string
	partition int32
	key       string
	seq       int64
	op        string
	after     map[string]json.RawMessage
	tombstone bool
}

func decode(t *testing.T, msgs []kafkatest.Message) []change {
	t.Helper()
	var out []change
	for _, m := range msgs {
		c := change{topic: m.Topic, partition: m.Partition, key: string(m.Key), tombstone: m.Value == nil}
		c.seq, _ = strconv.ParseInt(m.Headers["ferry.seq"], 10, 64)
		if m.Value != nil {
			var env struct {
				Op    string                     `json:"op"`
				After map[string]json.RawMessage `json:"after"`
			}
			if err := json.Unmarshal(m.Value, &env); err != nil {
				t.Fatalf("message %s/%d/%d is not an envelope: %v", m.Topic, m.Partition, m.Offset, err)
			}
			c.op, c.after = env.Op, env.After
		}
		out = append(out, c)
	}
	return out
}

// expected counts the messages the outbox must produce: one per change, and
// a tombstone after each delete.
func (e *env) expected() int {
	return pgtest.QueryValue[int](e.t, e.db, `SELECT count(*) + count(*) FILTER (WHERE op = 'd') FROM ferry.outbox_changes WHERE op <> 'h'`)
}

// checkExactlyOnceInOrder checks every change of the outbox arrived once,
// and each key's changes in seq order within its partition. A chunk's
// changes share its seq and each has its own key (one change per key and
// statement), so a change is its seq and its key.
func (e *env) checkExactlyOnceInOrder(got []change) {
	e.t.Helper()
	seen := map[int64]map[string]int{}
	lastSeq := map[string]int64{}
	for _, c := range got {
		if !c.tombstone {
			if seen[c.seq] == nil {
				seen[c.seq] = map[string]int{}
			}
			seen[c.seq][c.topic+"|"+c.key]++
		}
		k := c.topic + "|" + c.key
		if c.seq < lastSeq[k] {
			e.t.Fatalf("key %s: seq %d after seq %d", k, c.seq, lastSeq[k])
		}
		lastSeq[k] = c.seq
	}
	rows, err := e.db.Query(`SELECT seq, count(*) FROM ferry.outbox_changes WHERE op <> 'h' GROUP BY seq ORDER BY seq`)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var seq int64
		var changes int
		rows.Scan(&seq, &changes)
		n++
		for key, times := range seen[seq] {
			if times != 1 {
				e.t.Fatalf("outbox seq %d: key %s arrived %d times", seq, key, times)
			}
		}
		if len(seen[seq]) != changes {
			e.t.Fatalf("outbox seq %d holds %d changes, %d arrived", seq, changes, len(seen[seq]))
		}
		delete(seen, seq)
	}
	if len(seen) > 0 {
		e.t.Fatalf("%d changes arrived that the outbox does not hold", len(seen))
	}
	if n == 0 {
		e.t.Fatal("the outbox is empty: the test wrote nothing")
	}
}

// process is a `ferry relay` child process.
type process struct {
	*ferrytest.Process
	cmd *exec.Cmd
	out *ferrytest.Output
}

func (e *env) spawn(extra ...string) *process {
	e.t.Helper()
	return e.spawnWith(e.writeConfig(""), extra...)
}

// writeConfig writes the env's config, with extra YAML replacing its relay
// section when given, and returns the file's path.
func (e *env) writeConfig(relaySection string) string {
	e.t.Helper()
	text := yamlOf(e.cfg)
	if relaySection != "" {
		text = text[:strings.Index(text, "relay:\n")] + relaySection
	}
	path := filepath.Join(e.t.TempDir(), "ferry.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		e.t.Fatal(err)
	}
	return path
}

func (e *env) spawnWith(path string, extra ...string) *process {
	e.t.Helper()
	fp := ferrytest.Start(e.t, append([]string{"relay", "-c", path, "--log-format", "text", "--log-level", "debug"}, extra...)...)
	return &process{Process: fp, cmd: fp.Cmd, out: fp.Out}
}

// kill sends SIGKILL.
func (p *process) kill() { p.Kill() }

// exited waits up to a minute for a relay that must stop by itself, and
// returns what it said.
func (p *process) exited(t *testing.T) string {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatalf("the relay kept running:\n%s", p.out)
	}
	return p.out.String()
}

// stop sends SIGINT and returns the exit code.
func (p *process) stop(t *testing.T) int { return p.Stop() }

var _ = time.Second
