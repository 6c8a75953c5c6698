package postgres

import (
	"path/filepath"
	"strings"
	"testing"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// TestUpsertGolden: the statements that write rows into target tables as
// real schemas have them.
func TestUpsertGolden(t *testing.T) {
	t.Parallel()
	cols := func(cs ...fsql.Column) []fsql.Column { return cs }
	id := fsql.Column{Name: "id", Kind: fsql.KindInteger}
	v := fsql.Column{Name: "v", Kind: fsql.KindText, Nullable: true}
	for name, c := range map[string]struct {
		table   fsql.Table
		key     []string
		columns []string
	}{
		"upsert_plain": {fsql.Table{Schema: "public", Name: "emp", Columns: cols(id, v)}, []string{"id"}, []string{"id", "v"}},
		"upsert_identity": {fsql.Table{Schema: "public", Name: "emp", Columns: cols(
			fsql.Column{Name: "id", Kind: fsql.KindInteger, Identity: fsql.IdentityAlways}, v,
			fsql.Column{Name: "n", Kind: fsql.KindInteger, Identity: fsql.IdentityAlways})}, []string{"id"}, []string{"id", "v", "n"}},
		"upsert_deferrable": {fsql.Table{Schema: "public", Name: "order", KeyDeferrable: true, Columns: cols(
			fsql.Column{Name: "a", Kind: fsql.KindInteger}, fsql.Column{Name: "b", Kind: fsql.KindText}, v)},
			[]string{"a", "b"}, []string{"a", "b", "v"}},
		"upsert_deferrable_key_only": {fsql.Table{Schema: "public", Name: "tag", KeyDeferrable: true, Columns: cols(id)}, []string{"id"}, []string{"id"}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			golden(t, filepath.Join("testdata", name+".golden.sql"), upsertSQL(&c.table, c.key, c.columns)+";\n")
			// The same upsert after deletes, in one statement.
			write := "write" + strings.TrimPrefix(name, "upsert")
			golden(t, filepath.Join("testdata", write+".golden.sql"), writeSQL(&c.table, c.key, c.columns)+";\n")
		})
	}
}

// TestBookkeepingGolden: the applier's tables and statements, which
// applier/bookkeeping runs (and its tests run against the server).
func TestBookkeepingGolden(t *testing.T) {
	t.Parallel()
	golden(t, filepath.Join("testdata", "bookkeeping.golden.sql"), fsql.BookkeepingText(target{}.Bookkeeping("ferry"), ";"))
}
