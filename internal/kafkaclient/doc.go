// Package kafkaclient holds what every Kafka client of Ferry shares: the
// librdkafka settings built from the config's kafka section (sized for
// kafka.max_message_bytes, zstd unless the properties say otherwise, the
// properties passed through), the topics Ferry creates and the limits of
// those that already exist, and which client errors are permanent (wrong
// credentials, an untrusted certificate, a missing ACL), so that a daemon
// stops with their cause instead of retrying them forever.
package kafkaclient
