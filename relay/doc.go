// Package relay is `ferry relay`: it moves committed changes from a
// source's outbox into Kafka, exactly once and in commit order per key.
//
// One relay of a source leads at a time, by a lease in the source database;
// the others wait and take over when it dies. The leader reads the outbox
// through the dialect's cursor (sql.Outbox), turns rows into change events
// (package change), and produces each batch together with the cursor's new
// position in one Kafka transaction, under a transactional.id per source.
// A relay killed at any instant therefore leaves either the whole batch and
// its position or neither, and a new leader's InitTransactions fences the
// old one, so two relays never both commit.
//
// The leader also runs the source's snapshot requests (ferry snapshot): it
// reads existing rows in key-ordered chunks and publishes them as op "r"
// between its own watermarks, so that none overtakes a newer change of its
// key (snapshot.go).
package relay
