package kafkaclient

import (
	"strconv"
	"strings"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/ferry-cdc/ferry/config"
)

// frame is what a record batch adds to the records in it, with room to spare.
const frame = 64 << 10

// overhead is what a message of n bytes may grow by on its way into the
// log: the record batch's framing, and the compressor's worst case for data
// that does not compress (zstd and lz4 add less than n/255).
func overhead(n int) int { return (n+127)/128 + frame }

// TopicMaxMessageBytes is the max.message.bytes a topic needs so that every
// message of up to limit bytes fits, compressed or not; it is also the
// producers' message.max.bytes.
func TopicMaxMessageBytes(limit int) int { return limit + overhead(limit) }

// PayloadLimit is the largest message, in bytes before compression, that a
// topic whose max.message.bytes is topicMax is sure to accept: the inverse
// of TopicMaxMessageBytes.
func PayloadLimit(topicMax int) int { return max(0, (topicMax-frame)*128/129) }

// limit is the config's max_message_bytes, or its default when the config
// was built in code rather than parsed.
func limit(k config.Kafka) int {
	if k.MaxMessageBytes > 0 {
		return k.MaxMessageBytes
	}
	return config.DefaultMaxMessageBytes
}

// Limit is the largest message Ferry produces under k.
func Limit(k config.Kafka) int { return limit(k) }

// Producer returns the settings every producer starts from: the brokers,
// zstd, sizes for the largest message, then the config's properties, which
// win. The caller adds what its own guarantees need (transactions,
// idempotence) after.
func Producer(k config.Kafka) kafka.ConfigMap {
	n := limit(k)
	cm := kafka.ConfigMap{
		"bootstrap.servers": strings.Join(k.Brokers, ","),
		"compression.type":  "zstd",
		// librdkafka refuses, at Produce, a message above message.max.bytes,
		// and bounds a produce request by it.
		"message.max.bytes": TopicMaxMessageBytes(n),
		// A batch may take more messages only while it stays under
		// batch.size, so no batch outgrows what the topics allow.
		"batch.size":             min(1_000_000, n),
		"go.logs.channel.enable": false,
	}
	for key, v := range k.Properties {
		if key != "bootstrap.servers" {
			cm[key] = v
		}
	}
	return cm
}

// producerOnly are the settings a consumer refuses.
var producerOnly = map[string]bool{
	"linger.ms": true, "compression.type": true, "batch.size": true, "acks": true,
	"queue.buffering.max.messages": true, "queue.buffering.max.kbytes": true,
	"transaction.timeout.ms": true, "enable.idempotence": true, "transactional.id": true,
	"delivery.timeout.ms": true, "message.timeout.ms": true, "retries": true,
	"batch.num.messages": true, "compression.codec": true, "message.max.bytes": true,
}

// ConsumerProperties returns the settings every consumer starts from,
// without the brokers: fetch sizes that take the largest message whole,
// then the config's properties, which win, less the producer settings a
// consumer refuses, so that one kafka.properties section serves both sides.
func ConsumerProperties(k config.Kafka) map[string]string {
	topic := TopicMaxMessageBytes(limit(k))
	// Fetch limits are soft since Kafka 0.10.1 (a batch larger than them
	// still comes, alone); sized to the largest message, one fetch brings
	// it whole. receive.message.max.bytes is hard: the largest response
	// librdkafka reads, at least fetch.max.bytes and a little framing.
	fetch := max(52_428_800, topic)
	out := map[string]string{
		"max.partition.fetch.bytes": strconv.Itoa(max(1_048_576, topic)),
		"fetch.max.bytes":           strconv.Itoa(fetch),
		"receive.message.max.bytes": strconv.Itoa(max(100_000_000, fetch+1<<20)),
	}
	for key, v := range ConsumerOnly(k.Properties) {
		out[key] = v
	}
	// A fetch.max.bytes raised in the properties raises the response limit
	// with it, unless they set that too.
	if _, set := k.Properties["receive.message.max.bytes"]; !set {
		if f, err := strconv.Atoi(out["fetch.max.bytes"]); err == nil && f+1<<20 > max(100_000_000, fetch+1<<20) {
			out["receive.message.max.bytes"] = strconv.Itoa(f + 1<<20)
		}
	}
	return out
}

// ConsumerOnly returns props without the producer settings a consumer refuses.
func ConsumerOnly(props map[string]string) map[string]string {
	out := make(map[string]string, len(props))
	for k, v := range props {
		if !producerOnly[k] && k != "bootstrap.servers" {
			out[k] = v
		}
	}
	return out
}

// Consumer returns ConsumerProperties as a ConfigMap with the brokers.
func Consumer(k config.Kafka) kafka.ConfigMap {
	cm := kafka.ConfigMap{"bootstrap.servers": strings.Join(k.Brokers, ","), "go.logs.channel.enable": false}
	for key, v := range ConsumerProperties(k) {
		cm[key] = v
	}
	return cm
}
