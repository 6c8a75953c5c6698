// Package config reads ferry.yaml: the sources whose tables are captured, the
// targets changes are applied to, the Kafka cluster in between and the routes
// from source tables to target tables.
//
// Loading follows the parse, adjust, validate order: Load (or Parse) reads the
// YAML, expands ${VAR} references, decodes strictly so that a misspelt key
// is an error with its line, reads dsn_file secrets and fills in defaults;
// Validate then reports every semantic problem at once, each with the file
// and line to fix. Nothing here knows a database vendor: dialect names and
// default schemas come from the caller.
//
// A DSN never prints its password: String, Format, GoString and the YAML,
// JSON, text and slog encodings all redact it. Only DSN.Secret returns it.
package config
