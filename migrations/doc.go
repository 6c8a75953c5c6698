// Package migrations installs Ferry's capture side into a source database
// through goose: the capture schema (outbox, registry, relay offsets) from
// the per-dialect files beside this one, and one trigger migration per run
// of `ferry migrate up` that installs, updates or removes table capture to
// match the config and the live catalog.
//
// Two goose version tables live in the capture schema: goose_capture for
// the schema files, goose_triggers for the generated trigger migrations.
// Every table is checked before any DDL runs, and each migration runs in one
// transaction, so a bad config leaves the database as it was.
package migrations
