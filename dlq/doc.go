// Package dlq is Ferry's dead-letter queue: the message format (the
// original key and value byte for byte, with headers saying where the change
// came from and why it failed), the writer the applier uses, and the reader
// behind `ferry dlq`.
//
// A DLQ entry is identified by its route and by where its change was
// consumed from (topic, partition and offset; [Entry.ID]), so writing the
// same failure twice (an applier retrying a batch after a crash) is
// recognised as one entry by every reader. A replay that fails again writes
// the entry again with one more attempt; one that succeeds writes a
// resolution marker ([Entry.Resolution]). [Read] applies these rules and
// returns what is still outstanding, in the order a replay must follow.
package dlq
