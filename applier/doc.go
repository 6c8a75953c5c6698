// Package applier is `ferry apply`: it consumes the routed topics in a
// consumer group, maps each change through its route, and applies batches
// of upserts and deletes to the target, exactly once.
//
// Exactly once: the consumed offsets are stored in the target, in the same
// transaction as the rows they cover, and on every assignment the applier
// seeks to them. Each offset moves only from the value the applier read at
// assignment, so an applier that lost its partitions in a rebalance cannot
// commit over the one that took them over.
//
// Failures are sorted: transient ones (lost connection, deadlock, the target
// restarting) retry the whole batch; a change that can never apply as it is
// goes to the DLQ, and every later change of its key follows it there, in
// order, until it is replayed (design.md, trap 4); a change that breaks a
// foreign key (a child before its parent), or a unique value another row
// still holds, is held in the target and retried for foreign_key_wait or
// unique_wait before it counts as a failure (trap 3). If the DLQ cannot be
// written, the applier stops without committing.
//
// A partition can stop at a change that cannot apply yet and wait there
// (stop.go): a truncate waits until every partition of its topic has reached
// it (truncate.go), a change carrying a column the target lacks waits
// schema_wait for it. The routes' target tables are read again whenever the
// target's catalog changes, before anything is declared wrong; Review says
// what each target table's features mean for the applier.
//
// ferry verify lives here too (verify.go, compare.go): it compares routed
// target tables with their sources through the same route resolution,
// mapping, rules and lookups the applier applies.
package applier
