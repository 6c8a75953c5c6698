// Package dialecttest is the dialect contract's tests (sql/dialect.go),
// written once and run against every dialect whose server is reachable.
//
// Each dialect's own test package gives a Harness (open a fresh database,
// create a table from a neutral description, run a statement as the
// application would) and calls Run:
//
//	func TestContract(t *testing.T) { dialecttest.Run(t, harness{}) }
//
// A harness whose server is not reachable skips in NewDB, naming the
// variable that would enable it. The suite tests only what the contract
// says; what one vendor does beyond it stays in that vendor's tests.
package dialecttest
