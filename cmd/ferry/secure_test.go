package main

import (
	"bytes"
	stdsql "database/sql"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/ferry-cdc/ferry/internal/kafkatest"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// securedPipeline is a source and a target reached over TLS with
// sslmode=verify-full, and the SASL_SSL broker, on which the relay and the
// applier each log in as a user of their own with only the ACLs their
// work needs (README, Least privilege).
type securedPipeline struct {
	broker             *kafkatest.Secure
	prefix, source     string
	srcDSN, tgtDSN     string
	src, tgt           *stdsql.DB // the test's own connections, not encrypted
	relayUser, applier string
	password           string // of both users
	path               string // the config file
}

func newSecuredPipeline(t *testing.T, ddl string) *securedPipeline {
	t.Helper()
	s := &securedPipeline{broker: kafkatest.SecureBroker(t), prefix: kafkatest.Prefix(t)}
	src, srcDB := pgtest.NewDB(t)
	tgt, tgtDB := pgtest.NewDB(t)
	// application_name tells Ferry's connections from the test's own.
	s.srcDSN = pgtest.TLS(t, src) + "&application_name=ferry-secured"
	s.tgtDSN = pgtest.TLS(t, tgt) + "&application_name=ferry-secured"
	pgtest.Exec(t, srcDB, ddl)
	pgtest.Exec(t, tgtDB, ddl)
	s.src, s.tgt = srcDB, tgtDB
	s.source = "hq_" + s.prefix
	s.relayUser, s.applier = "relay-"+s.prefix, "apply-"+s.prefix
	s.password = "pw-" + s.prefix
	s.broker.User(t, s.relayUser, s.password)
	s.broker.User(t, s.applier, s.password)
	table := strings.Fields(strings.TrimPrefix(ddl, "CREATE TABLE "))[0]
	s.path = writeFile(t, "ferry.yaml", fmt.Sprintf(`sources:
  - name: %[1]s
    dialect: postgres
    dsn: %[2]q
    tables: [{name: public.%[6]s}]
targets:
  - name: branch
    dialect: postgres
    dsn: %[3]q
kafka:
  brokers: [%[4]s]
  topic_prefix: %[5]s
  properties:
    security.protocol: SASL_SSL
    sasl.mechanisms: SCRAM-SHA-512
    sasl.username: ${FERRY_KAFKA_USER}
    sasl.password: ${FERRY_KAFKA_PASSWORD}
    ssl.ca.location: ${FERRY_KAFKA_CA}
routes:
  - from: %[1]s.public.%[6]s
    to: branch.public.%[6]s
apply:
  group_id: %[5]s
`, s.source, s.srcDSN, s.tgtDSN, s.broker.Brokers, s.prefix, table))
	return s
}

// relayACLs are what the relay needs: to create, write and describe the
// topics under its prefix (with their configs, to see their size limit),
// to read back its position, and its transactional id. Not ALTER_CONFIGS:
// raising a topic's limit is left to an administrator.
func (s *securedPipeline) relayACLs() []kafkatest.ACL {
	p := s.prefix + "."
	return []kafkatest.ACL{
		{Resource: kafka.ResourceTopic, Name: p, Prefixed: true, Operation: kafka.ACLOperationCreate},
		{Resource: kafka.ResourceTopic, Name: p, Prefixed: true, Operation: kafka.ACLOperationWrite},
		{Resource: kafka.ResourceTopic, Name: p, Prefixed: true, Operation: kafka.ACLOperationDescribe},
		{Resource: kafka.ResourceTopic, Name: p, Prefixed: true, Operation: kafka.ACLOperationDescribeConfigs},
		{Resource: kafka.ResourceTopic, Name: s.prefix + "._relay_offsets", Operation: kafka.ACLOperationRead},
		{Resource: kafkatest.ResourceTransactional, Name: "ferry-relay-" + s.source, Operation: kafka.ACLOperationWrite},
		{Resource: kafkatest.ResourceTransactional, Name: "ferry-relay-" + s.source, Operation: kafka.ACLOperationDescribe},
	}
}

// applierACLs are what the applier needs: its consumer group, to read the
// routed topic, and to create, describe, write and read the DLQ.
func (s *securedPipeline) applierACLs(table string) []kafkatest.ACL {
	dlq := s.prefix + "._dlq"
	return []kafkatest.ACL{
		{Resource: kafka.ResourceGroup, Name: s.prefix + "-branch", Operation: kafka.ACLOperationRead},
		{Resource: kafka.ResourceTopic, Name: s.prefix + ".public." + table, Operation: kafka.ACLOperationRead},
		{Resource: kafka.ResourceTopic, Name: dlq, Operation: kafka.ACLOperationCreate},
		{Resource: kafka.ResourceTopic, Name: dlq, Operation: kafka.ACLOperationWrite},
		{Resource: kafka.ResourceTopic, Name: dlq, Operation: kafka.ACLOperationRead},
		{Resource: kafka.ResourceTopic, Name: dlq, Operation: kafka.ACLOperationDescribeConfigs},
	}
}

// env is the environment of a process logging in as user.
func (s *securedPipeline) env(user, password string) []string {
	return []string{"FERRY_KAFKA_USER=" + user, "FERRY_KAFKA_PASSWORD=" + password, "FERRY_KAFKA_CA=" + s.broker.CA}
}

// process is a running ferry command.
type process struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func start(t *testing.T, env []string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(ferryBin, args...), out: &syncBuffer{}, done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// exited waits up to d for the process to end and returns its exit code,
// or -1 if it still runs.
func (p *process) exited(d time.Duration) int {
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(d):
		return -1
	}
}

// stop sends SIGTERM and returns the exit code.
func (p *process) stop() int {
	p.cmd.Process.Signal(syscall.SIGTERM)
	<-p.done
	return p.cmd.ProcessState.ExitCode()
}

// TestThePipelineOverSASLSSLAndTLS: migrate, relay and apply with the
// databases over TLS (sslmode=verify-full) and Kafka over SASL_SSL with
// SCRAM-SHA-512, the relay and the applier each with only its own ACLs.
// Every row arrives, and every connection Ferry made to the databases is
// encrypted.
func TestThePipelineOverSASLSSLAndTLS(t *testing.T) {
	t.Parallel()
	s := newSecuredPipeline(t, `CREATE TABLE emp (id int PRIMARY KEY, name text, pay numeric(10,2))`)
	s.broker.Allow(t, s.relayUser, s.relayACLs()...)
	s.broker.Allow(t, s.applier, s.applierACLs("emp")...)
	if out, errOut, code := ferry(t, s.env(s.relayUser, s.password), "migrate", "up", "-c", s.path); code != 0 {
		t.Fatalf("migrate up: exit %d\n%s%s", code, out, errOut)
	}
	src, tgt := s.src, s.tgt
	pgtest.Exec(t, src, `INSERT INTO emp SELECT g, 'n' || g, g * 1.5 FROM generate_series(1, 100) g`)
	relay := start(t, s.env(s.relayUser, s.password), "relay", "-c", s.path, "--log-format", "text")
	apply := start(t, s.env(s.applier, s.password), "apply", "-c", s.path, "--log-format", "text")
	pgtest.Exec(t, src, `UPDATE emp SET pay = pay + 1 WHERE id % 3 = 0`, `DELETE FROM emp WHERE id % 10 = 0`)

	want := pgtest.QueryValue[string](t, src, `SELECT string_agg(e::text, ' ' ORDER BY id) FROM emp e`)
	deadline := time.Now().Add(2 * time.Minute)
	for pgtest.QueryValue[string](t, tgt, `SELECT coalesce(string_agg(e::text, ' ' ORDER BY id), '') FROM emp e`) != want {
		if time.Now().After(deadline) {
			t.Fatalf("the target did not converge\nrelay:\n%s\napply:\n%s", relay.out, apply.out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Ferry's connections: a pool each for the relay and the applier.
	encrypted := `SELECT count(*) FILTER (WHERE ssl), count(*) FILTER (WHERE NOT ssl)
		FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) WHERE application_name = 'ferry-secured' AND datname = current_database()`
	for name, db := range map[string]*stdsql.DB{"source": src, "target": tgt} {
		var yes, no int
		if err := db.QueryRow(encrypted).Scan(&yes, &no); err != nil {
			t.Fatal(err)
		}
		if yes == 0 || no != 0 {
			t.Errorf("%s: %d of Ferry's connections encrypted, %d not", name, yes, no)
		}
	}
	if code := relay.stop(); code != 0 {
		t.Errorf("relay exited %d:\n%s", code, relay.out)
	}
	if code := apply.stop(); code != 0 {
		t.Errorf("apply exited %d:\n%s", code, apply.out)
	}
}
