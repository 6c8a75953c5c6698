// Package relay will hold `ferry relay`, the daemon that moves committed
// changes from each source's outbox into Kafka exactly once, in commit order
// per key (design.md, traps 1 and 2). Not implemented yet: the command says
// so and exits 3.
package relay
