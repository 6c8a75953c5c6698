package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	stdsql "database/sql"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/internal/ferrytest"
	"github.com/ferry-cdc/ferry/internal/kafkaclient"
	"github.com/ferry-cdc/ferry/internal/kafkatest"
	"github.com/ferry-cdc/ferry/sql/postgres"
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
	table              string
	password           string // of both users
	dsnPassword        string // in both DSNs; the server trusts the test's role
	path               string // the config file
}

func newSecuredPipeline(t *testing.T, ddl string) *securedPipeline {
	t.Helper()
	s := &securedPipeline{broker: kafkatest.SecureBroker(t), prefix: kafkatest.Prefix(t)}
	src, srcDB := pgtest.NewDB(t)
	tgt, tgtDB := pgtest.NewDB(t)
	// Distinctive secrets, so that a test can look for them in any output.
	s.password, s.dsnPassword = "saslS3cret"+randomHex(t), "dsnS3cret"+randomHex(t)
	// application_name tells Ferry's connections from the test's own.
	s.srcDSN = withPassword(t, pgtest.TLS(t, src), s.dsnPassword) + "&application_name=ferry-secured"
	s.tgtDSN = withPassword(t, pgtest.TLS(t, tgt), s.dsnPassword) + "&application_name=ferry-secured"
	pgtest.Exec(t, srcDB, ddl)
	pgtest.Exec(t, tgtDB, ddl)
	s.src, s.tgt = srcDB, tgtDB
	s.source = "hq_" + s.prefix
	s.relayUser, s.applier = "relay-"+s.prefix, "apply-"+s.prefix
	s.broker.User(t, s.relayUser, s.password)
	s.broker.User(t, s.applier, s.password)
	s.table = strings.Fields(strings.TrimPrefix(ddl, "CREATE TABLE "))[0]
	s.path = s.config(t, s.srcDSN, s.tgtDSN, "")
	return s
}

// config writes the pipeline's config with these DSNs and extra YAML at the
// end, and returns its path.
func (s *securedPipeline) config(t *testing.T, srcDSN, tgtDSN, extra string) string {
	t.Helper()
	table := s.table
	return writeFile(t, "ferry.yaml", fmt.Sprintf(`sources:
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
`, s.source, srcDSN, tgtDSN, s.broker.Brokers, s.prefix, table)+extra)
}

// withPassword returns the URL dsn with password.
func withPassword(t *testing.T, dsn, password string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), password)
	return u.String()
}

func randomHex(t *testing.T) string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
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
	out  *ferrytest.Output
	done chan struct{}
}

func start(t *testing.T, env []string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(ferryBin, args...), out: &ferrytest.Output{}, done: make(chan struct{})}
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

// converge waits until table holds the same rows in tgt as in src, and
// fails the test with the daemons' output if it does not within 2 minutes.
func converge(t *testing.T, src, tgt *stdsql.DB, table string, relay, apply *process) {
	t.Helper()
	rows := `SELECT coalesce(string_agg(r::text, ' ' ORDER BY r::text), '') FROM ` + table + ` r`
	want := pgtest.QueryValue[string](t, src, rows)
	deadline := time.Now().Add(2 * time.Minute)
	for pgtest.QueryValue[string](t, tgt, rows) != want {
		if time.Now().After(deadline) {
			t.Fatalf("the target did not converge\nrelay:\n%s\napply:\n%s", relay.out, apply.out)
		}
		time.Sleep(200 * time.Millisecond)
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

	converge(t, src, tgt, "emp", relay, apply)
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

// otherCA writes a CA certificate that signed nothing the brokers present.
func otherCA(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Not the Ferry test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, "other-ca.crt", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
}

// TestWrongCredentialsAnUntrustedCertificateAndAMissingACLStopFerry: each
// of these stops the relay, the applier or a command within seconds, with
// exit code 1 (2 for check, which reports problems), naming the cause and
// what to check, instead of retrying it forever.
func TestWrongCredentialsAnUntrustedCertificateAndAMissingACLStopFerry(t *testing.T) {
	t.Parallel()
	s := newSecuredPipeline(t, `CREATE TABLE emp (id int PRIMARY KEY, name text)`)
	// Each user lacks one ACL: the relay its transactional id, the applier its group.
	relayACLs := slices.DeleteFunc(s.relayACLs(), func(a kafkatest.ACL) bool { return a.Resource == kafkatest.ResourceTransactional })
	applierACLs := slices.DeleteFunc(s.applierACLs("emp"), func(a kafkatest.ACL) bool { return a.Resource == kafka.ResourceGroup })
	s.broker.Allow(t, s.relayUser, relayACLs...)
	s.broker.Allow(t, s.applier, applierACLs...)
	// The relay cannot create it: an administrator has.
	s.broker.CreateTopic(t, s.prefix+".public.emp", 3, nil)
	if out, errOut, code := ferry(t, s.env(s.relayUser, s.password), "migrate", "up", "-c", s.path); code != 0 {
		t.Fatalf("migrate up: exit %d\n%s%s", code, out, errOut)
	}
	untrusted := append(s.env(s.relayUser, s.password), "FERRY_KAFKA_CA="+otherCA(t))
	wrong := s.env(s.relayUser, "not-"+s.password)
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		code int
		want []string
	}{
		{"relay, wrong password", wrong, []string{"relay"}, 1, []string{"authentication failed", "invalid credentials", "sasl.password"}},
		{"apply, wrong password", s.env(s.applier, "not-"+s.password), []string{"apply"}, 1, []string{"authentication failed", "sasl.password"}},
		{"dlq list, wrong password", wrong, []string{"dlq", "list"}, 1, []string{"authentication failed", "sasl.password"}},
		{"check, wrong password", wrong, []string{"check"}, 2, []string{"authentication failed", "sasl.password"}},
		{"relay, untrusted certificate", untrusted, []string{"relay"}, 1, []string{"certificate is not trusted", "certificate verify failed", "ssl.ca.location"}},
		{"apply, untrusted certificate", untrusted, []string{"apply"}, 1, []string{"certificate is not trusted", "ssl.ca.location"}},
		{"relay without its transactional id", s.env(s.relayUser, s.password), []string{"relay"}, 1, []string{"not authorized", "Transactional Id authorization failed", "transactional id"}},
		{"apply without its group", s.env(s.applier, s.password), []string{"apply"}, 1, []string{"not authorized", "Group authorization failed", "consumer group"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := start(t, tc.env, append(tc.args, "-c", s.path, "--log-format", "text")...)
			// librdkafka would retry these every few seconds, forever.
			code := p.exited(30 * time.Second)
			out := p.out.String()
			t.Logf("exit %d:\n%s", code, out)
			if code != tc.code {
				t.Fatalf("exit %d within 30s, want %d:\n%s", code, tc.code, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("the output does not say %q:\n%s", w, out)
				}
			}
			// One error from Ferry, and what librdkafka logged of the
			// attempts it made in the meantime: a few lines, not a storm.
			if n := strings.Count(out, "\n"); n > 8 {
				t.Errorf("%d lines of output:\n%s", n, out)
			}
		})
	}
}

// TestATopicTooSmallThatTheRelayMayNotRaise: an administrator made the
// topic with a max.message.bytes of 300,000, and the relay may not alter
// topic configs. The relay warns at start, naming the topic and the command
// that raises it; publishes a 200 kB change, which the topic takes; then
// stops at a 400 kB one, naming the topic and the command. Once the
// administrator has raised it, a restarted relay publishes the rest.
func TestATopicTooSmallThatTheRelayMayNotRaise(t *testing.T) {
	t.Parallel()
	s := newSecuredPipeline(t, `CREATE TABLE docs (id int PRIMARY KEY, body text)`)
	s.broker.Allow(t, s.relayUser, s.relayACLs()...)
	topic := s.prefix + ".public.docs"
	s.broker.CreateTopic(t, topic, 1, map[string]string{"max.message.bytes": "300000"})
	env := s.env(s.relayUser, s.password)
	if out, errOut, code := ferry(t, env, "migrate", "up", "-c", s.path); code != 0 {
		t.Fatalf("migrate up: exit %d\n%s%s", code, out, errOut)
	}
	pgtest.Exec(t, s.src, `INSERT INTO docs VALUES (1, repeat('a', 200000))`, `INSERT INTO docs VALUES (2, repeat('b', 400000))`)

	relay := start(t, env, "relay", "-c", s.path, "--log-format", "text")
	if code := relay.exited(time.Minute); code != 1 {
		t.Fatalf("relay: exit %d, want 1:\n%s", code, relay.out)
	}
	out := relay.out.String()
	need := strconv.Itoa(kafkaclient.TopicMaxMessageBytes(16 << 20))
	fits := strconv.Itoa(kafkaclient.PayloadLimit(300_000))
	raise := "kafka-configs.sh --bootstrap-server " + s.broker.Brokers + " --alter --entity-type topics --entity-name " + topic +
		" --add-config max.message.bytes=" + need
	for _, want := range []string{
		"level=WARN", "raising its max.message.bytes failed", "topic=" + topic, "max.message.bytes=300000", "largest_change=" + fits,
		`key {"id":2}`, "more than topic " + topic + " takes (" + fits + " bytes", raise,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the relay does not say %q:\n%s", want, out)
		}
	}
	// A committed transaction's marker is written after the commit
	// returns, so a read_committed read just after the relay exited may not
	// see it yet: read until it does.
	var msgs []kafkatest.Message
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		if msgs = s.broker.ReadAll(t, []string{topic}); len(msgs) > 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(msgs) != 1 || string(msgs[0].Key) != `{"id":1}` {
		t.Fatalf("the topic holds %d messages, want the 200 kB change only", len(msgs))
	}

	s.broker.SetTopicConfig(t, topic, "max.message.bytes", need)
	relay = start(t, env, "relay", "-c", s.path, "--log-format", "text")
	deadline := time.Now().Add(time.Minute)
	for len(s.broker.ReadAll(t, []string{topic})) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the 400 kB change did not arrive:\n%s", relay.out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if code := relay.stop(); code != 0 {
		t.Errorf("relay exited %d:\n%s", code, relay.out)
	}
}

// TestPostgresCertificateIsVerified: with sslmode=verify-full and a CA that
// did not sign the server's certificate, Ferry refuses to connect, saying so.
func TestPostgresCertificateIsVerified(t *testing.T) {
	t.Parallel()
	s := newSecuredPipeline(t, `CREATE TABLE emp (id int PRIMARY KEY)`)
	other := otherCA(t)
	path := s.config(t, strings.Replace(s.srcDSN, url.QueryEscape(os.Getenv("FERRY_TEST_PG_CA")), url.QueryEscape(other), 1), s.tgtDSN, "")
	out, errOut, code := ferry(t, s.env(s.relayUser, s.password), "migrate", "up", "-c", path)
	if code != 1 || !strings.Contains(errOut, "certificate signed by unknown authority") {
		t.Fatalf("migrate up against an untrusted server: exit %d, want 1 naming the certificate\n%s%s", code, out, errOut)
	}
	if n := pgtest.QueryValue[int](t, s.src, `SELECT count(*) FROM pg_namespace WHERE nspname = 'ferry'`); n != 0 {
		t.Error("migrate up installed capture over a connection it should have refused")
	}
}

// TestATopicTooSmallThatTheRelayCannotSee: as above, but the relay may not
// even read the topic's configs, and the large change does not compress
// under the topic's limit. It warns that it assumes the topic takes
// kafka.max_message_bytes; when the broker then refuses a change as too
// large, it stops, saying so and what to raise, instead of retrying the
// batch forever.
func TestATopicTooSmallThatTheRelayCannotSee(t *testing.T) {
	t.Parallel()
	s := newSecuredPipeline(t, `CREATE TABLE docs (id int PRIMARY KEY, body text)`)
	s.broker.Allow(t, s.relayUser, slices.DeleteFunc(s.relayACLs(), func(a kafkatest.ACL) bool {
		return a.Operation == kafka.ACLOperationDescribeConfigs
	})...)
	topic := s.prefix + ".public.docs"
	s.broker.CreateTopic(t, topic, 1, map[string]string{"max.message.bytes": "300000"})
	env := s.env(s.relayUser, s.password)
	if out, errOut, code := ferry(t, env, "migrate", "up", "-c", s.path); code != 0 {
		t.Fatalf("migrate up: exit %d\n%s%s", code, out, errOut)
	}
	// Random hex: zstd halves it, no more, so the 800 kB change stays
	// larger than the topic takes once compressed.
	pgtest.Exec(t, s.src,
		`INSERT INTO docs SELECT 1, string_agg(md5(random()::text), '') FROM generate_series(1, 3125)`,
		`INSERT INTO docs SELECT 2, string_agg(md5(random()::text), '') FROM generate_series(1, 25000)`)
	relay := start(t, env, "relay", "-c", s.path, "--log-format", "text", "--log-level", "debug")
	if code := relay.exited(time.Minute); code != 1 {
		t.Fatalf("relay: exit %d, want 1:\n%s", code, relay.out)
	}
	out := relay.out.String()
	t.Logf("%s", out)
	for _, want := range []string{
		"cannot read the topics' max.message.bytes; assuming they take kafka.max_message_bytes",
		"kafka refused a message of this batch as larger than its topic takes", "Message size too large",
		"--add-config max.message.bytes=" + strconv.Itoa(kafkaclient.TopicMaxMessageBytes(16<<20)),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the relay does not say %q:\n%s", want, out)
		}
	}
	if n := len(s.broker.ReadAll(t, []string{topic})); n != 0 {
		t.Errorf("the topic holds %d messages: the batch with the refused change was committed", n)
	}
}

// TestAStandbyRelayWithAWrongPasswordStops: while another relay holds the
// source's lease, a relay with a wrong Kafka password still stops within
// seconds, exit code 1, naming the cause, instead of waiting to take over
// with a config that can never work.
func TestAStandbyRelayWithAWrongPasswordStops(t *testing.T) {
	t.Parallel()
	s := newSecuredPipeline(t, `CREATE TABLE emp (id int PRIMARY KEY, name text)`)
	s.broker.Allow(t, s.relayUser, s.relayACLs()...)
	if out, errOut, code := ferry(t, s.env(s.relayUser, s.password), "migrate", "up", "-c", s.path); code != 0 {
		t.Fatalf("migrate up: exit %d\n%s%s", code, out, errOut)
	}
	// The leading relay's lease, held by the test.
	lease := postgres.Dialect{}.Source().Leader(s.src, config.DefaultCaptureSchema, s.source)
	if ok, err := lease.TryAcquire(context.Background()); !ok || err != nil {
		t.Fatalf("take the lease: %t %v", ok, err)
	}
	t.Cleanup(func() { lease.Release(context.Background()) })

	p := start(t, s.env(s.relayUser, "not-"+s.password), "relay", "-c", s.path, "--log-format", "text")
	code := p.exited(30 * time.Second)
	out := p.out.String()
	if code != 1 || !strings.Contains(out, "authentication failed") || !strings.Contains(out, "sasl.password") {
		t.Fatalf("the standby relay: exit %d within 30s, want 1 naming the password:\n%s", code, out)
	}
	if strings.Contains(out, "waiting to take over") {
		t.Errorf("the relay waited for the lease before checking Kafka:\n%s", out)
	}
}
