package migrations

import (
	"context"
	"fmt"
	"strings"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// Advice is what up's caller should tell the user about the tables it
// changed: a newly captured table that already holds rows has them
// published only by a snapshot, and a table whose key no index serves
// makes each snapshot chunk sort the table.
func (m *Migrator) Advice(ctx context.Context, res *Result) ([]string, error) {
	if res == nil || len(res.Changes) == 0 {
		return nil, nil
	}
	reg, err := m.cap.Registry(ctx, m.db, m.schema)
	if err != nil {
		return nil, err
	}
	snap := m.dialect.Snapshot()
	reqs, err := m.src.Requests(m.db, m.schema).List(ctx, true)
	if err != nil {
		return nil, err
	}
	requested := map[int]bool{}
	for _, q := range reqs {
		if q.Whole() {
			requested[q.TableID] = true
		}
	}
	var out []string
	for _, c := range res.Changes {
		if c.Action == "remove" {
			continue
		}
		var r *fsql.Registered
		for i := range reg {
			if reg[i].String() == c.Table {
				r = &reg[i]
			}
		}
		if r == nil {
			continue
		}
		if c.Action == "install" && !requested[r.ID] {
			rows, err := snap.HasRows(ctx, m.db, r.Schema, r.Name)
			if err != nil {
				return nil, err
			}
			if rows {
				file := ""
				if m.ConfigFile != "" {
					file = " -c " + shellQuote(m.ConfigFile)
				}
				out = append(out, fmt.Sprintf("%s holds rows from before capture, which no change will carry: run `ferry snapshot%s --source %s --table %s` to publish them",
					r, file, shellQuote(m.source.Name), shellQuote(r.String())))
			}
		}
		indexed, err := snap.KeyIndexed(ctx, m.db, r.Schema, r.Name, r.Key)
		if err != nil {
			return nil, err
		}
		if !indexed {
			out = append(out, fmt.Sprintf("no index on the key (%s) of %s: ferry snapshot and ferry verify read tables in key order, and without one each chunk sorts the table",
				strings.Join(r.Key, ", "), r))
		}
	}
	return out, nil
}

// shellQuote quotes s for a POSIX shell where it needs it, so that advice
// naming a table like My Schema.Odd "Tbl" can be pasted as it is printed.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_./:=@%+-", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
