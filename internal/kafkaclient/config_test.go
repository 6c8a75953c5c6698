package kafkaclient

import (
	"strconv"
	"testing"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/ferry-cdc/ferry/config"
)

// TestTheLimitsAreInverse: a topic made for a limit takes that limit back,
// and never more than it, whatever the limit.
func TestTheLimitsAreInverse(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1024, 1000, 65537, 1 << 20, 16 << 20, 16<<20 + 1, 100_000_007, config.MaxMaxMessageBytes} {
		topic := TopicMaxMessageBytes(n)
		if got := PayloadLimit(topic); got < n || got > n+1 {
			t.Errorf("limit %d: topic %d takes %d back", n, topic, got)
		}
		// The topic has room for the worst compressor expansion and framing.
		if topic < n+n/255+1024 {
			t.Errorf("limit %d: topic %d leaves too little room", n, topic)
		}
	}
	if PayloadLimit(1000) != 0 {
		t.Errorf("a topic smaller than the framing takes %d", PayloadLimit(1000))
	}
}

func TestClientSettings(t *testing.T) {
	t.Parallel()
	k := config.Kafka{Brokers: []string{"a:1", "b:2"}, MaxMessageBytes: 100 << 20,
		Properties: map[string]string{"compression.type": "lz4", "linger.ms": "5", "fetch.max.bytes": "209715200", "sasl.username": "u"}}
	p := Producer(k)
	for key, want := range map[string]kafka.ConfigValue{
		"bootstrap.servers": "a:1,b:2", "compression.type": "lz4", "linger.ms": "5",
		"message.max.bytes": TopicMaxMessageBytes(100 << 20), "batch.size": 1_000_000, "sasl.username": "u",
	} {
		if p[key] != want {
			t.Errorf("producer %s = %v, want %v", key, p[key], want)
		}
	}
	c := ConsumerProperties(k)
	if _, ok := c["linger.ms"]; ok {
		t.Error("a producer setting reached the consumer")
	}
	fetch, _ := strconv.Atoi(c["fetch.max.bytes"])
	receive, _ := strconv.Atoi(c["receive.message.max.bytes"])
	partition, _ := strconv.Atoi(c["max.partition.fetch.bytes"])
	if fetch != 209715200 || receive < fetch+512 || partition < TopicMaxMessageBytes(100<<20) {
		t.Errorf("consumer fetch %d, receive %d, partition %d: librdkafka wants receive >= fetch + 512, and a partition fetch takes the largest message", fetch, receive, partition)
	}
	if d := Producer(config.Kafka{}); d["message.max.bytes"] != TopicMaxMessageBytes(config.DefaultMaxMessageBytes) {
		t.Errorf("a config built in code gets message.max.bytes %v, want the default's", d["message.max.bytes"])
	}
}

func TestPermanent(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want string
	}{
		{kafka.NewError(kafka.ErrAuthentication, "SASL authentication error", false), "authentication failed"},
		{kafka.NewError(kafka.ErrSsl, "SSL handshake failed: certificate verify failed", false), "the broker's TLS certificate is not trusted"},
		{kafka.NewError(kafka.ErrSsl, "SSL handshake failed: wrong version number", false), "TLS handshake failed"},
		{kafka.NewError(kafka.ErrTopicAuthorizationFailed, "Topic authorization failed", false), "not authorized"},
		{kafka.NewError(kafka.ErrTransactionalIDAuthorizationFailed, "Transactional Id authorization failed", true), "not authorized"},
		{kafka.NewError(kafka.ErrTransport, "Disconnected", false), ""},
		{kafka.NewError(kafka.ErrAllBrokersDown, "1/1 brokers are down", false), ""},
		{nil, ""},
	} {
		got := Permanent(tc.err)
		switch {
		case tc.want == "" && got != nil:
			t.Errorf("%v: permanent (%v), want retriable", tc.err, got)
		case tc.want != "" && (got == nil || got.Cause != tc.want):
			t.Errorf("%v: %v, want cause %q", tc.err, got, tc.want)
		}
	}
}
