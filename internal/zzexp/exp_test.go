package zzexp

import (
	"log/slog"
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/internal/kafkaclient"
	"github.com/ferry-cdc/ferry/internal/kafkaread"
	"github.com/ferry-cdc/ferry/internal/kafkatest"
)

func TestExp(t *testing.T) {
	s := kafkatest.SecureBroker(t)
	user := "probe-" + kafkatest.Prefix(t)
	start := time.Now()
	s.User(t, user, "pw-good")
	t.Logf("user made in %s", time.Since(start))
	k := config.Kafka{Brokers: []string{s.Brokers}, Properties: s.Props(user, "pw-good")}
	start = time.Now()
	t.Logf("good: %v (%s)", kafkaclient.Probe(context.Background(), k, 10*time.Second), time.Since(start))
	k.Properties = s.Props(user, "pw-bad")
	start = time.Now()
	t.Logf("bad pw: %v (%s)", kafkaclient.Probe(context.Background(), k, 10*time.Second), time.Since(start))
	dir := t.TempDir()
	out, err := exec.Command("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=other", "-keyout", filepath.Join(dir, "k"), "-out", filepath.Join(dir, "ca.crt")).CombinedOutput()
	if err != nil {
		t.Fatal(string(out))
	}
	k.Properties = s.Props(user, "pw-good")
	k.Properties["ssl.ca.location"] = filepath.Join(dir, "ca.crt")
	start = time.Now()
	t.Logf("bad ca: %v (%s)", kafkaclient.Probe(context.Background(), k, 10*time.Second), time.Since(start))
	k.Properties = s.Props(user, "pw-good")
	k.Properties["security.protocol"] = "PLAINTEXT"
	start = time.Now()
	t.Logf("plaintext to ssl: %v (%s)", kafkaclient.Probe(context.Background(), k, 10*time.Second), time.Since(start))

	// kafkaread with topic READ but no group ACL
	topic := "zz" + kafkatest.Prefix(t)
	s.Allow(t, user, kafkatest.ACL{Resource: kafka.ResourceTopic, Name: topic, Operation: kafka.ACLOperationRead},
		kafkatest.ACL{Resource: kafka.ResourceTopic, Name: topic, Operation: kafka.ACLOperationCreate},
		kafkatest.ACL{Resource: kafka.ResourceTopic, Name: topic, Operation: kafka.ACLOperationWrite})
	k.Properties = s.Props(user, "pw-good")
	cm := kafkaclient.Producer(k)
	p, _ := kafka.NewProducer(&cm)
	a, _ := kafka.NewAdminClientFromProducer(p)
	err = kafkaclient.CreateTopics(context.Background(), a, []kafka.TopicSpecification{kafkaclient.Spec(k, topic, 1, 1, nil)})
	t.Logf("create: %v", err)
	l, err := kafkaclient.Limits(context.Background(), a, k, []string{topic}, slog.Default())
	t.Logf("limits: %v %v", l, err)
	p.Produce(&kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: 0}, Value: []byte("x")}, nil)
	t.Logf("flush %d", p.Flush(10000))
	start = time.Now()
	n := 0
	err = kafkaread.ToEnd(context.Background(), s.Brokers, []string{topic}, kafkaread.Options{Props: k.Properties, Stall: 10 * time.Second}, func(*kafka.Message) error { n++; return nil })
	t.Logf("read %d: %v (%s)", n, err, time.Since(start))
}
