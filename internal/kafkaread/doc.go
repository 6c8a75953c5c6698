// Package kafkaread reads Kafka topics from the beginning to where they end
// at the time of the read: what `ferry dlq` shows and what integration tests
// check. It is assigned the partitions rather than subscribing and commits
// nothing, so a read leaves no consumer group and no offsets on the broker.
//
// A partition has been read to its end when the consumer has passed the end
// offset the broker gave when the read started, or when the broker reports
// the end of the partition (a partition EOF), whichever comes first. For
// read_committed both are the last stable offset: a transaction still open
// neither shows up nor holds the read back. The EOF is what ends most
// transactional partitions, since a commit or abort marker, never delivered,
// holds their last offset.
package kafkaread
