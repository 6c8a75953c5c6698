package kafkaclient

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/ferry-cdc/ferry/config"
)

// Spec describes a topic Ferry creates: its partitions and replicas,
// extra topic configs, and a max.message.bytes that takes the largest
// message k allows.
func Spec(k config.Kafka, name string, partitions, replication int, configs map[string]string) kafka.TopicSpecification {
	c := map[string]string{"max.message.bytes": strconv.Itoa(TopicMaxMessageBytes(limit(k)))}
	for key, v := range configs {
		c[key] = v
	}
	return kafka.TopicSpecification{Topic: name, NumPartitions: partitions, ReplicationFactor: replication, Config: c}
}

// CreateTopics creates the topics that do not exist yet; one that exists
// is left as it is. A principal without the CREATE ACL is told it may not
// create even a topic that exists: such a topic, created by an
// administrator, is fine; one that does not exist is a permanent error.
func CreateTopics(ctx context.Context, admin *kafka.AdminClient, specs []kafka.TopicSpecification) error {
	if len(specs) == 0 {
		return nil
	}
	res, err := admin.CreateTopics(ctx, specs, kafka.SetAdminOperationTimeout(30*time.Second))
	if err != nil {
		if perm := Permanent(err); perm != nil {
			return perm
		}
		return fmt.Errorf("create topics: %w", err)
	}
	var errs []error
	for _, r := range res {
		switch c := r.Error.Code(); {
		case c == kafka.ErrNoError || c == kafka.ErrTopicAlreadyExists:
		case c == kafka.ErrTopicAuthorizationFailed || c == kafka.ErrClusterAuthorizationFailed:
			if exists(admin, r.Topic) {
				continue
			}
			errs = append(errs, &Error{Cause: "not authorized to create topic " + r.Topic, Err: r.Error,
				Hint: "create it, or grant the principal CREATE on it (README, Least privilege)"})
		default:
			errs = append(errs, fmt.Errorf("create topic %s: %w", r.Topic, r.Error))
		}
	}
	return errors.Join(errs...)
}

// exists reports whether the metadata shows topic.
func exists(admin *kafka.AdminClient, topic string) bool {
	md, err := admin.GetMetadata(&topic, false, 10_000)
	if err != nil {
		return false
	}
	t, ok := md.Topics[topic]
	return ok && t.Error.Code() == kafka.ErrNoError && len(t.Partitions) > 0
}

// MaxMessageBytes returns each topic's max.message.bytes as its brokers
// apply it (the topic's own setting, else the broker's message.max.bytes).
func MaxMessageBytes(ctx context.Context, admin *kafka.AdminClient, topics []string) (map[string]int, error) {
	if len(topics) == 0 {
		return map[string]int{}, nil // DescribeConfigs panics on none
	}
	rs := make([]kafka.ConfigResource, len(topics))
	for i, t := range topics {
		rs[i] = kafka.ConfigResource{Type: kafka.ResourceTopic, Name: t}
	}
	var res []kafka.ConfigResourceResult
	// A topic created a moment ago may not be known yet to the broker that
	// answers (its metadata propagates): ask again for a little while.
	for deadline := time.Now().Add(15 * time.Second); ; {
		var err error
		res, err = admin.DescribeConfigs(ctx, rs, kafka.SetAdminRequestTimeout(30*time.Second))
		if err != nil {
			if perm := Permanent(err); perm != nil {
				return nil, perm
			}
			return nil, fmt.Errorf("describe the configs of %d topics: %w", len(topics), err)
		}
		unknown := slices.ContainsFunc(res, func(r kafka.ConfigResourceResult) bool {
			return r.Error.Code() == kafka.ErrUnknownTopicOrPart
		})
		if !unknown || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(250 * time.Millisecond):
		}
	}
	out := make(map[string]int, len(res))
	for _, r := range res {
		if r.Error.Code() != kafka.ErrNoError {
			if perm := Permanent(r.Error); perm != nil {
				return nil, perm
			}
			return nil, fmt.Errorf("describe the config of topic %s: %w", r.Name, r.Error)
		}
		v, ok := r.Config["max.message.bytes"]
		if !ok {
			return nil, fmt.Errorf("describe the config of topic %s: no max.message.bytes", r.Name)
		}
		n, err := strconv.Atoi(v.Value)
		if err != nil {
			return nil, fmt.Errorf("topic %s: max.message.bytes %q: %w", r.Name, v.Value, err)
		}
		out[r.Name] = n
	}
	return out, nil
}

// RaiseCommand is how an administrator raises a topic's max.message.bytes
// to what messages of up to limit bytes need.
func RaiseCommand(k config.Kafka, topic string) string {
	return fmt.Sprintf("kafka-configs.sh --bootstrap-server %s --alter --entity-type topics --entity-name %s --add-config max.message.bytes=%d",
		firstBroker(k), topic, TopicMaxMessageBytes(limit(k)))
}

func firstBroker(k config.Kafka) string {
	if len(k.Brokers) == 0 {
		return "<broker>"
	}
	return k.Brokers[0]
}

// Limits makes sure each topic takes messages of up to k's
// max_message_bytes, and returns the largest message each one is sure to
// take. A topic created earlier with a smaller max.message.bytes (by an
// earlier Ferry with a smaller limit, by an administrator, by the broker's
// auto-creation at its message.max.bytes) is raised to what the limit
// needs where the principal may (ALTER_CONFIGS on the topic); where it may
// not, the topic keeps its limit, the returned limit is that topic's, and a
// warning names the command that raises it. A principal that may not read
// the topics' configs is assumed to have topics that take the limit.
func Limits(ctx context.Context, admin *kafka.AdminClient, k config.Kafka, topics []string, log *slog.Logger) (map[string]int, error) {
	want := TopicMaxMessageBytes(limit(k))
	out := make(map[string]int, len(topics))
	for _, t := range topics {
		out[t] = limit(k)
	}
	have, err := MaxMessageBytes(ctx, admin, topics)
	if perm := Permanent(err); perm != nil {
		log.Warn("cannot read the topics' max.message.bytes; assuming they take kafka.max_message_bytes", "err", perm)
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	var short []kafka.ConfigResource
	for _, t := range topics {
		if have[t] < want {
			short = append(short, kafka.ConfigResource{Type: kafka.ResourceTopic, Name: t, Config: []kafka.ConfigEntry{{
				Name: "max.message.bytes", Value: strconv.Itoa(want), IncrementalOperation: kafka.AlterConfigOpTypeSet,
			}}})
		}
	}
	if len(short) == 0 {
		return out, nil
	}
	res, err := admin.IncrementalAlterConfigs(ctx, short, kafka.SetAdminRequestTimeout(30*time.Second))
	if err != nil && Permanent(err) == nil {
		return nil, fmt.Errorf("raise max.message.bytes of %d topics: %w", len(short), err)
	}
	failed := map[string]error{}
	for _, r := range short {
		failed[r.Name] = err // when the whole request failed
	}
	for _, r := range res {
		if r.Error.Code() == kafka.ErrNoError {
			delete(failed, r.Name)
		} else {
			failed[r.Name] = r.Error
		}
	}
	for _, r := range short {
		t := r.Name
		if cause, ok := failed[t]; ok {
			out[t] = min(out[t], PayloadLimit(have[t]))
			log.Warn("a topic takes smaller messages than kafka.max_message_bytes, and raising its max.message.bytes failed: a larger change will stop the relay",
				"topic", t, "max.message.bytes", have[t], "largest_change", out[t], "kafka.max_message_bytes", limit(k),
				"err", cause, "raise_with", RaiseCommand(k, t))
			continue
		}
		log.Info("raised a topic's max.message.bytes to take kafka.max_message_bytes", "topic", t, "from", have[t], "to", want)
	}
	return out, nil
}
