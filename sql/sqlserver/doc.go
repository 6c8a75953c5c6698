// Package sqlserver is Ferry's SQL Server dialect (SQL Server 2016 SP1 or
// newer, or Azure SQL; the driver is github.com/microsoft/go-mssqldb): catalog
// reads, the capture schema and triggers, the outbox cursor, the relay's
// lease, the target's batched upsert and delete with the applier's
// bookkeeping, error classification by number, and the value conversions
// both ways between SQL Server's types and the envelope's neutral forms.
//
// Capture (capture.go) is one AFTER INSERT, UPDATE, DELETE trigger per table
// that writes a whole statement with one INSERT ... SELECT, joining inserted
// and deleted by the capture key: one net change per key and statement
// (design.md, trap 5). Each value of an image is written in a text form of
// its own, with an explicit CONVERT style, that Neutral (values.go) turns
// into the neutral form; images are built by concatenation, not FOR JSON,
// because FOR JSON PATH nests a column whose name holds a dot and does not
// document its float and money formats.
//
// The cursor (outbox.go) reads rows whose rowversion is above the relay's
// position and below MIN_ACTIVE_ROWVERSION(), in rowversion order; the doc
// comment there gives the gap-freedom argument and Microsoft's words it rests
// on. The target (target.go) writes with one MERGE ... WITH (HOLDLOCK) per
// batch, from parameters cast to the columns' types or, for larger batches,
// from a #stage table filled by bulk copy; bind.go refuses every value SQL
// Server would round, truncate or clamp, naming table, column and key.
//
// What ran where. No SQL Server can run where this package was written (no
// Docker engine, no server package), so:
//
//   - every generated statement is in a golden file under testdata/ and is
//     parsed by a real T-SQL grammar (sql/grammar, ANTLR's grammars-v4 T-SQL
//     grammar), which also rejects a set of broken statements;
//   - every value conversion, both ways, is unit-tested here, at the types'
//     extremes, with the image texts taken from Microsoft's documentation of
//     CONVERT's styles (23, 120, 121; 2 for money and binary; 3 for float);
//   - integration_test.go exercises capture, the window (with the
//     out-of-order commit test, under locking and snapshot read committed),
//     purge, backlog, the lease, the target's two paths for every type, error
//     numbers, savepoints, doomed transactions and the bookkeeping, against a
//     real server when FERRY_TEST_MSSQL_DSN is set. It has not run: nothing
//     in this package has been run against SQL Server yet. The points that
//     most need that run are the exact texts of the CONVERT styles (checked
//     by TestIntegrationCaptureEveryType), whether a locking window read waits
//     at the bound (TestIntegrationOutOfOrderCommit), and bulk copy's handling
//     of each type (TestIntegrationTarget).
package sqlserver
