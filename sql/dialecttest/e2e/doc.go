// Package e2e is the dialect-neutral end-to-end harness: a source database
// of one dialect, a target database of another (or the same), the real
// ferry binary between them (migrate up, relay, apply) through the real
// Kafka, and the tests of the pipeline's promises that must hold for every
// pair: exactly once through SIGKILLs, commit order per key, outages.
//
// A dialect takes part by giving a Server (its test helper package does:
// sql/postgres/pgtest, sql/sqlserver/mssqltest, sql/oracle/oracletest):
// a fresh database, its column types for the neutral kinds, its
// placeholders, and an audit trigger in its own SQL. Everything else is
// written once here: tables come from dialecttest.Table descriptions,
// rows are written through database/sql with the dialect's placeholders,
// and both sides are read back in the change envelope's neutral forms
// (the dialect's Snapshot reader and Values, as ferry verify reads them)
// and compared exactly.
//
// A Server whose server is not reachable skips in NewDB, naming the
// variable that would enable it, so every pair compiles and runs wherever
// its servers are.
package e2e
