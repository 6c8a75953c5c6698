// Package dlq will hold the dead-letter queue's message format, the writer
// the applier uses, and `ferry dlq list|show|replay` (design.md, trap 4).
// Not implemented yet: the commands say so and exit 3.
package dlq
