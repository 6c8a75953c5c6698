// Package postgres is Ferry's PostgreSQL dialect: catalog reads, the
// outbox and registry schema, and the statement-level capture triggers.
//
// Capture uses statement-level AFTER triggers with transition tables: one
// INSERT ... SELECT into the outbox per statement, not one per row, which
// is what keeps bulk statements within about half of their uncaptured speed;
// a statement of more than one row writes its changes in chunks, one
// outbox row per chunk of up to 1,000 (capture.go, schema/00005).
// Each outbox row records pg_current_xact_id() and a sequence number taken
// after the row's lock, which is what the relay needs for a gap-free,
// commit-ordered cursor (design.md, traps 1 and 2).
//
// Snapshots and verify read tables in key order with the triggers' own
// image expression and pinned settings (snapshot.go), keep their requests
// in the capture schema (requests.go), and use snapshots of the xid space
// as the relay's high watermarks (watermark.go).
package postgres
