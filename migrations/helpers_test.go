package migrations_test

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"testing"

	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/migrations"
	"github.com/ferry-cdc/ferry/sql/postgres"
)

func source(tables ...config.Table) *config.Source {
	return &config.Source{Name: "hq", Dialect: "postgres", CaptureSchema: "ferry", Tables: tables}
}

func migrator(t testing.TB, db *stdsql.DB, src *config.Source) *migrations.Migrator {
	t.Helper()
	m, err := migrations.New(src, postgres.Dialect{}, db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	m.ConfigFile = "test.yaml"
	return m
}

func up(t testing.TB, m *migrations.Migrator) *migrations.Result {
	t.Helper()
	res, err := m.Up(context.Background())
	if err != nil {
		t.Fatalf("migrate up: %v", err)
	}
	return res
}

// outboxRow is one captured change, images decoded without losing digits.
type outboxRow struct {
	Seq     int64
	TableID int
	Op      string
	Before  map[string]json.RawMessage
	After   map[string]json.RawMessage
	Raw     [2]stdsql.NullString
}

func outbox(t testing.TB, db *stdsql.DB) []outboxRow {
	t.Helper()
	rows, err := db.Query(`SELECT seq, table_id, op::text, before::text, after::text FROM ferry.outbox_changes ORDER BY seq, change`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []outboxRow
	for rows.Next() {
		var r outboxRow
		if err := rows.Scan(&r.Seq, &r.TableID, &r.Op, &r.Raw[0], &r.Raw[1]); err != nil {
			t.Fatal(err)
		}
		for i, dst := range []*map[string]json.RawMessage{&r.Before, &r.After} {
			if r.Raw[i].Valid {
				if err := json.Unmarshal([]byte(r.Raw[i].String), dst); err != nil {
					t.Fatalf("outbox row %d image is not JSON: %v: %s", r.Seq, err, r.Raw[i].String)
				}
			}
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
