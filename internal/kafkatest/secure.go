package kafkatest

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// Secure is the second broker that scripts/kafka-secure.sh runs beside the
// plain one: SASL_SSL only (SCRAM-SHA-512 over TLS), with ACLs on and
// nothing allowed without one. A test makes its own users, with passwords
// of its own, and gives them only the ACLs it means to test.
type Secure struct {
	// Brokers is the SASL_SSL listener, host:port.
	Brokers string
	// CA is the file of the CA that signed the broker's certificate.
	CA    string
	admin *kafka.AdminClient
	// props log in as the super user.
	props map[string]string
}

// SecureBroker returns the secured test broker, or skips the test:
// FERRY_TEST_KAFKA_SECURE_BROKERS names it, FERRY_TEST_KAFKA_SECURE_CA its
// CA and FERRY_TEST_KAFKA_SECURE_ADMIN_PASSWORD_FILE the file holding the
// password of its super user, admin (make test sets all three).
func SecureBroker(tb testing.TB) *Secure {
	tb.Helper()
	s := &Secure{Brokers: os.Getenv("FERRY_TEST_KAFKA_SECURE_BROKERS"), CA: os.Getenv("FERRY_TEST_KAFKA_SECURE_CA")}
	pwFile := os.Getenv("FERRY_TEST_KAFKA_SECURE_ADMIN_PASSWORD_FILE")
	if s.Brokers == "" || s.CA == "" || pwFile == "" {
		if os.Getenv("CI") != "" {
			tb.Fatal("FERRY_TEST_KAFKA_SECURE_BROKERS is not set under CI: run the tests with `make test`, which starts the secured broker")
		}
		tb.Skip("set FERRY_TEST_KAFKA_SECURE_BROKERS, _CA and _ADMIN_PASSWORD_FILE (make test does) to run tests against a SASL_SSL Kafka")
	}
	pw, err := os.ReadFile(pwFile)
	if err != nil {
		tb.Fatalf("read the secured broker's admin password: %v", err)
	}
	cm := kafka.ConfigMap{"bootstrap.servers": s.Brokers}
	s.props = s.Props("admin", strings.TrimSpace(string(pw)))
	for k, v := range s.props {
		cm[k] = v
	}
	if s.admin, err = kafka.NewAdminClient(&cm); err != nil {
		tb.Fatalf("admin client for the secured broker: %v", err)
	}
	tb.Cleanup(s.admin.Close)
	return s
}

// Props are the librdkafka settings that log in as user with password.
func (s *Secure) Props(user, password string) map[string]string {
	return map[string]string{
		"security.protocol": "SASL_SSL", "sasl.mechanisms": "SCRAM-SHA-512",
		"sasl.username": user, "sasl.password": password, "ssl.ca.location": s.CA,
	}
}

// User makes a SCRAM-SHA-512 user with password and waits until the
// broker accepts it.
func (s *Secure) User(tb testing.TB, name, password string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := s.admin.AlterUserScramCredentials(ctx, []kafka.UserScramCredentialUpsertion{{
		User:                name,
		ScramCredentialInfo: kafka.ScramCredentialInfo{Mechanism: kafka.ScramMechanismSHA512, Iterations: 4096},
		Password:            []byte(password),
	}}, nil)
	if err != nil {
		tb.Fatalf("make user %s: %v", name, err)
	}
	if e := res.Errors[name]; e.Code() != kafka.ErrNoError {
		tb.Fatalf("make user %s: %v", name, e)
	}
	cm := kafka.ConfigMap{"bootstrap.servers": s.Brokers}
	for k, v := range s.Props(name, password) {
		cm[k] = v
	}
	for {
		// The credential reaches the broker with the metadata, soon after.
		a, err := kafka.NewAdminClient(&cm)
		if err != nil {
			tb.Fatal(err)
		}
		_, err = a.GetMetadata(nil, false, 2000)
		a.Close()
		if err == nil {
			return
		}
		if ctx.Err() != nil {
			tb.Fatalf("user %s cannot log in a minute after it was made: %v", name, err)
		}
	}
}

// ACL is one permission: an operation on a resource, by literal name or
// by prefix.
type ACL struct {
	Resource  kafka.ResourceType
	Name      string
	Prefixed  bool
	Operation kafka.ACLOperation
}

// Resource types librdkafka names differently from Kafka: the cluster is
// its "broker" type, and it has no constant for transactional ids.
const (
	ResourceCluster       = kafka.ResourceBroker
	ResourceTransactional = kafka.ResourceType(5)
)

// Allow gives user the ACLs and waits until the broker applies them.
func (s *Secure) Allow(tb testing.TB, user string, acls ...ACL) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	bindings := make(kafka.ACLBindings, len(acls))
	for i, a := range acls {
		pattern := kafka.ResourcePatternTypeLiteral
		if a.Prefixed {
			pattern = kafka.ResourcePatternTypePrefixed
		}
		bindings[i] = kafka.ACLBinding{Type: a.Resource, Name: a.Name, ResourcePatternType: pattern,
			Principal: "User:" + user, Host: "*", Operation: a.Operation, PermissionType: kafka.ACLPermissionTypeAllow}
	}
	res, err := s.admin.CreateACLs(ctx, bindings)
	if err != nil {
		tb.Fatalf("create ACLs for %s: %v", user, err)
	}
	for i, r := range res {
		if r.Error.Code() != kafka.ErrNoError {
			tb.Fatalf("create ACL %+v for %s: %v", acls[i], user, r.Error)
		}
	}
	for {
		// The broker answers DescribeAcls from the authorizer it checks with.
		d, err := s.admin.DescribeACLs(ctx, kafka.ACLBindingFilter{Type: kafka.ResourceAny, ResourcePatternType: kafka.ResourcePatternTypeAny,
			Principal: "User:" + user, Operation: kafka.ACLOperationAny, PermissionType: kafka.ACLPermissionTypeAny})
		if err == nil && len(d.ACLBindings) >= len(acls) {
			return
		}
		if ctx.Err() != nil {
			tb.Fatalf("the ACLs of %s do not show a minute after they were made: %v", user, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// CreateTopic creates a topic as the super user, as an administrator
// would before Ferry runs.
func (s *Secure) CreateTopic(tb testing.TB, name string, partitions int, configs map[string]string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := s.admin.CreateTopics(ctx, []kafka.TopicSpecification{{Topic: name, NumPartitions: partitions, ReplicationFactor: 1, Config: configs}})
	if err != nil {
		tb.Fatalf("create topic %s: %v", name, err)
	}
	if c := res[0].Error.Code(); c != kafka.ErrNoError && c != kafka.ErrTopicAlreadyExists {
		tb.Fatalf("create topic %s: %v", name, res[0].Error)
	}
}

// SetTopicConfig sets one config of a topic as the super user.
func (s *Secure) SetTopicConfig(tb testing.TB, topic, name, value string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := s.admin.IncrementalAlterConfigs(ctx, []kafka.ConfigResource{{Type: kafka.ResourceTopic, Name: topic,
		Config: []kafka.ConfigEntry{{Name: name, Value: value, IncrementalOperation: kafka.AlterConfigOpTypeSet}}}})
	if err != nil {
		tb.Fatalf("set %s of topic %s: %v", name, topic, err)
	}
	if res[0].Error.Code() != kafka.ErrNoError {
		tb.Fatalf("set %s of topic %s: %v", name, topic, res[0].Error)
	}
}

// ReadAll reads topics as the super user, as the package's ReadAll does.
func (s *Secure) ReadAll(tb testing.TB, topics []string) []Message {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	msgs, err := readAllWith(ctx, s.Brokers, topics, false, s.props)
	if err != nil {
		tb.Fatal(err)
	}
	return msgs
}
