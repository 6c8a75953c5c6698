// Package dlq is Ferry's dead-letter queue: the message format (the
// original key and value byte for byte, with headers saying where the change
// came from and why it failed), the writer the applier uses, and what
// `ferry dlq` reads.
//
// A DLQ message is identified by its original topic, partition and offset,
// so writing the same failure twice (an applier retrying a batch after a
// crash) is recognised as one entry by every reader.
package dlq
