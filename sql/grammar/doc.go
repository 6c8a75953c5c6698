// Package grammar checks the SQL that Ferry generates for SQL Server and
// Oracle with real grammars of those languages: the ANTLR4 T-SQL and PL/SQL
// grammars of the grammars-v4 project, as generated into Go by
// github.com/bytebase/parser. No SQL Server or Oracle server runs where Ferry
// is developed, so this is the check that a generated statement is at least
// well-formed (../../../shared/vendors.md, section 1, has the evaluation).
//
// It is a module of its own because the generated parsers take minutes to
// compile: `go test ./...` at the repository root does not build it, and
// `make test` runs it once, without the race detector.
//
// The files checked are every *.sql under sql/sqlserver/testdata (T-SQL) and
// sql/oracle/testdata (PL/SQL), the dialects' golden files, plus this
// package's own testdata: valid statements that must parse, and broken ones
// that must not, so that the check cannot pass vacuously.
//
// A file holds one or more statements. T-SQL statements are separated by a
// line holding only GO, as sqlcmd and SSMS separate batches, or, in a goose
// migration, by "-- +goose StatementEnd", and each batch is parsed on its own; a batch that creates a trigger, procedure, function
// or view must hold nothing before it, as SQL Server requires. PL/SQL
// statements are separated by a line holding only "/", as SQL*Plus runs
// them; a statement that does not end with ";" gets one before it is parsed,
// because the grammar's sql_script rule wants a terminator (the "/" and that
// ";" are never sent to a server).
//
// Known blind spots of the grammars (vendors.md): a missing comma between
// two column definitions of a T-SQL CREATE TABLE is accepted, and so is a
// PL/SQL JSON_OBJECT entry with an empty value after VALUE; neither is a
// parse bug, the grammar rules are permissive there.
package grammar
