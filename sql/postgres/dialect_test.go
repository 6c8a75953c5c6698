package postgres_test

import (
	"strings"
	"testing"

	"github.com/ferry-cdc/ferry/sql/postgres"
)

// TestRedactHidesEverySecret: a DSN shows in messages without its password
// or any secret setting, in whichever form it was written.
func TestRedactHidesEverySecret(t *testing.T) {
	t.Parallel()
	for dsn, want := range map[string]string{
		"postgres://ferry:hunter2@db.example:5433/shop?application_name=x&x_secret=hunter3": "postgres://ferry:xxxxx@db.example:5433/shop?application_name=x&x_secret=xxxxx",
		"host=db port=5432 user=ferry password=hunter2 dbname=shop":                         "postgres://ferry:xxxxx@db:5432/shop",
		"postgres://ferry@db/shop":                  "postgres://ferry@db:5432/shop",
		"postgres://ferry:hunter2@db:notaport/shop": "postgres://(invalid connection string, not shown)",
	} {
		got := postgres.Dialect{}.Redact(dsn)
		if got != want {
			t.Errorf("Redact(%q) = %s, want %s", dsn, got, want)
		}
		if strings.Contains(got, "hunter") {
			t.Errorf("Redact(%q) shows a secret: %s", dsn, got)
		}
	}
}
