// Package change turns outbox rows into change events, and envelope values
// back into Go values.
//
// An event's value is Debezium's change envelope (before, after, source, op,
// ts_ms) and its key is the primary key's columns as a JSON object, so that
// tools that read Debezium topics can read Ferry's, and Ferry's applier can
// read Debezium's. Values travel exactly, each in its kind's neutral form
// (package sql, values.go: decimals as strings with every digit, binary as
// base64, JSON columns as their JSON text in a string, NULL apart from the
// empty string), into which the source dialect's Values turns its images'
// values; this package walks the images, leaves out excluded columns and
// makes the key canonical, the same for every dialect.
//
// The relay calls FromRow for every outbox row, so the conversion reads
// each image's tokens with jsontext's Decoder and builds the envelope's
// bytes rather than going through encoding/json's reflection: one pass over
// each image, two allocations per row.
package change
