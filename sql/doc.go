// Package sql is the contract between Ferry and a database product: the
// catalog types it reads, and the Dialect interface that each product's
// package (sql/postgres, later sql/sqlserver and sql/oracle) implements.
//
// Nothing outside sql/ names a vendor: code asks sql/dialects for a Dialect
// by the name in the config and works through this interface.
package sql
