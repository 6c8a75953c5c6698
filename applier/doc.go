// Package applier will hold `ferry apply`, the daemon that applies changes
// from Kafka to the targets exactly once, with rules and lookups (design.md,
// trap 3). Not implemented yet: the command says so and exits 3.
package applier
