// Package rule holds a route's business rules: expressions in expr-lang
// (github.com/expr-lang/expr) over a change's columns, compiled once when the
// applier starts and checked on every change, in order, the first that fires
// deciding what happens to the change (reject, skip or hold).
package rule
