package oracle

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	fsql "github.com/ferry-cdc/ferry/sql"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or writes it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./sql/oracle -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the generated SQL (review, then go test ./sql/oracle -update):\n%s", path, got)
	}
}

// script joins statements as a SQL*Plus script: each followed by a "/"
// line, as sql/grammar splits PL/SQL files; labels become comments.
type script struct{ b strings.Builder }

func (s *script) add(label, stmt string) {
	fmt.Fprintf(&s.b, "-- %s\n%s\n/\n\n", label, stmt)
}

func (s *script) String() string { return s.b.String() }

// allTypes is a table with a column of every type Ferry carries.
func allTypes() *fsql.Table {
	cols := []struct{ name, typ string }{
		{"ID", "NUMBER(10)"},
		{"N_PLAIN", "NUMBER"},
		{"N_MONEY", "NUMBER(12,2)"},
		{"N_38", "NUMBER(38)"},
		{"N_INTEGER", "NUMBER(*,0)"},
		{"N_HUNDREDS", "NUMBER(5,-2)"},
		{"F_126", "FLOAT(126)"},
		{"F_5", "FLOAT(5)"},
		{"BF", "BINARY_FLOAT"},
		{"BD", "BINARY_DOUBLE"},
		{"D", "DATE"},
		{"TS9", "TIMESTAMP(9)"},
		{"TSTZ", "TIMESTAMP(6) WITH TIME ZONE"},
		{"TSLTZ", "TIMESTAMP(6) WITH LOCAL TIME ZONE"},
		{"IYM", "INTERVAL YEAR(2) TO MONTH"},
		{"IDS", "INTERVAL DAY(2) TO SECOND(6)"},
		{"V", "VARCHAR2(100 CHAR)"},
		{"NV", "NVARCHAR2(50)"},
		{"C", "CHAR(10 BYTE)"},
		{"NC", "NCHAR(5)"},
		{"DOC", "CLOB"},
		{"NDOC", "NCLOB"},
		{"BIN", "BLOB"},
		{"R16", "RAW(16)"},
		{"FLAG", "BOOLEAN"},
		{"J", "JSON"},
	}
	t := &fsql.Table{Schema: "HR", Name: "ALL_TYPES", PrimaryKey: []string{"ID"}}
	for _, c := range cols {
		ty := parseType(c.typ)
		t.Columns = append(t.Columns, fsql.Column{Name: c.name, Type: c.typ, Kind: kindOf(ty), Nullable: c.name != "ID"})
	}
	return t
}

func composite() *fsql.Table {
	return &fsql.Table{Schema: "HR", Name: "POSTINGS", PrimaryKey: []string{"ACCOUNT", "BOOKED_ON", "LINE"}, Columns: []fsql.Column{
		{Name: "ACCOUNT", Type: "VARCHAR2(20 BYTE)", Kind: fsql.KindText},
		{Name: "BOOKED_ON", Type: "DATE", Kind: fsql.KindTimestamp},
		{Name: "LINE", Type: "NUMBER(5)", Kind: fsql.KindInteger},
		{Name: "AMOUNT", Type: "NUMBER(18,4)", Kind: fsql.KindDecimal, Nullable: true},
		{Name: "SSN", Type: "VARCHAR2(11 BYTE)", Kind: fsql.KindText, Nullable: true},
	}}
}

// quoted has names that need quoting: mixed case, spaces, reserved words,
// quotes and comment markers that must stay inside their literal or name.
func quoted() *fsql.Table {
	return &fsql.Table{Schema: "My Schema", Name: "x'); DROP TABLE victim; --", PrimaryKey: []string{"select"}, Columns: []fsql.Column{
		{Name: "select", Type: "NUMBER(10)", Kind: fsql.KindInteger},
		{Name: "DATE", Type: "DATE", Kind: fsql.KindTimestamp, Nullable: true},
		{Name: "it's /* not */ a name", Type: "VARCHAR2(10 BYTE)", Kind: fsql.KindText, Nullable: true},
		{Name: "naïve Ünïcode", Type: "NVARCHAR2(10)", Kind: fsql.KindText, Nullable: true},
	}}
}

var captureCases = map[string]fsql.CaptureSpec{
	"all_types": {CaptureSchema: "ferry", ID: 1, Table: allTypes(), Key: []string{"ID"}},
	"composite": {CaptureSchema: "cdc", ID: 7, Table: composite(), Key: []string{"ACCOUNT", "BOOKED_ON", "LINE"}, Exclude: []string{"SSN"}},
	"quoted":    {CaptureSchema: "ferry", ID: 3, Table: quoted(), Key: []string{"select"}},
}

func TestCaptureGolden(t *testing.T) {
	t.Parallel()
	for name, spec := range captureCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			stmts, err := capture{}.Triggers(spec)
			if err != nil {
				t.Fatal(err)
			}
			reg, err := capture{}.Register(spec, "0123456789abcdef")
			if err != nil {
				t.Fatal(err)
			}
			drop, err := capture{}.DropTriggers(spec.CaptureSchema, fsql.Registered{ID: spec.ID, Schema: spec.Table.Schema, Name: spec.Table.Name})
			if err != nil {
				t.Fatal(err)
			}
			var s script
			for i, st := range stmts {
				s.add(fmt.Sprintf("install %d of %d", i+1, len(stmts)), st)
			}
			// The triggers' DDL, which the install runs through EXECUTE
			// IMMEDIATE (createTrigger), for the grammar check.
			c, err := resolveSpec(spec)
			if err != nil {
				t.Fatal(err)
			}
			s.add("trigger text: DML", c.dmlTrigger(triggerName(spec.ID), false))
			s.add("trigger text: TRUNCATE", c.truncateTrigger(truncateTrigger(spec.ID), false))
			s.add("register", reg)
			for i, st := range drop {
				s.add(fmt.Sprintf("remove %d of %d", i+1, len(drop)), st)
			}
			golden(t, "capture_"+name+".sql", s.String())
		})
	}
}

// TestSnapshotGolden writes the reads of snapshot and verify: the chunk
// selects by bounds and the read by keys. The composite case reads in code
// point order on a WE8MSWIN1252 database, so its text key is ordered by its
// AL32UTF8 bytes; the others read in a AL32UTF8 database's byte order,
// which the key's index serves.
func TestSnapshotGolden(t *testing.T) {
	t.Parallel()
	utf8 := readFacts{charset: "AL32UTF8"}
	cases := map[string]struct {
		spec  fsql.ReadSpec
		facts readFacts
	}{
		"all_types": {fsql.ReadSpec{Table: allTypes(), Key: []string{"ID"}}, utf8},
		"composite": {fsql.ReadSpec{Table: composite(), Key: []string{"ACCOUNT", "BOOKED_ON", "LINE"}, Exclude: []string{"SSN"}, CodePointOrder: true},
			readFacts{charset: "WE8MSWIN1252"}},
		"quoted":   {fsql.ReadSpec{Table: quoted(), Key: []string{"select"}}, utf8},
		"raw_keys": {fsql.ReadSpec{Table: rawKeys(), Key: []string{"TENANT", "ID", "AT"}, CodePointOrder: true}, utf8},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r, err := newReader(c.spec, c.facts)
			if err != nil {
				t.Fatal(err)
			}
			var s script
			for b, label := range []string{"first chunk", "chunk after a key", "chunk up to a key", "chunk between two keys"} {
				s.add("snapshot: "+label, r.chunks[b])
			}
			s.add("snapshot: rows of keys", r.keys)
			s.add("snapshot: character set and collations", readFactsSQL)
			golden(t, "snapshot_"+name+".sql", s.String())
		})
	}
}

// rawKeys has a key of a national-character, a RAW and a time-zone column:
// each needs more than one plain placeholder or a conversion to compare.
func rawKeys() *fsql.Table {
	return &fsql.Table{Schema: "HR", Name: "BADGES", PrimaryKey: []string{"TENANT", "ID", "AT"}, Columns: []fsql.Column{
		{Name: "TENANT", Type: "NVARCHAR2(20)", Kind: fsql.KindText},
		{Name: "ID", Type: "RAW(16)", Kind: fsql.KindBinary},
		{Name: "AT", Type: "TIMESTAMP(6) WITH TIME ZONE", Kind: fsql.KindTimestampTZ},
		{Name: "PHOTO", Type: "BLOB", Kind: fsql.KindBinary, Nullable: true},
	}}
}

func TestSchemaGolden(t *testing.T) {
	t.Parallel()
	var s script
	s.add("prepare: checks before any DDL", capture{}.PrepareSchema("FERRY"))
	migs, err := fsql.RenderSchema(capture{}.SchemaFiles(), ident("FERRY"))
	if err != nil {
		t.Fatal(err)
	}
	if len(migs) != 3 || migs[0].Name != "00001_capture_schema.sql" || migs[1].Name != "00002_snapshot_requests.sql" ||
		migs[2].Name != "00003_heartbeat.sql" {
		t.Fatalf("migrations = %+v", migs)
	}
	for _, m := range migs {
		stmts := gooseStatements(m.SQL)
		if len(stmts) == 0 {
			t.Fatalf("%s: no statements", m.Name)
		}
		for i, st := range stmts {
			if !strings.HasPrefix(st, "BEGIN") || !strings.HasSuffix(st, "END;") {
				t.Errorf("%s statement %d is not a PL/SQL block, which goose would send with a semicolon Oracle refuses:\n%s", m.Name, i+1, st)
			}
			s.add(fmt.Sprintf("%s statement %d", m.Name, i+1), st)
		}
	}
	st, err := newStore("FERRY", "goose_capture")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []struct{ label, sql string }{
		{"goose: create", st.sql.create}, {"goose: exists", st.sql.exists}, {"goose: insert", st.sql.insert},
		{"goose: delete", st.sql.delete}, {"goose: get", st.sql.get}, {"goose: latest", st.sql.latest},
		{"goose: list", st.sql.list},
	} {
		s.add(q.label, q.sql)
	}
	s.add("registry: exists", registryExists)
	s.add("registry: read", registryQuery("FERRY"))
	s.add("registry: inspect", inspectQuery)
	s.add("catalog: object", describeObject)
	s.add("catalog: columns", describeColumns)
	s.add("catalog: primary key", describePrimaryKey)
	s.add("catalog: unique indexes", describeUnique)
	golden(t, "schema.sql", s.String())
}

// gooseStatements are the statements of a goose file's up and down
// sections, each between StatementBegin and StatementEnd.
func gooseStatements(file string) []string {
	var out []string
	var b strings.Builder
	in := false
	for _, line := range strings.Split(file, "\n") {
		switch strings.TrimSpace(line) {
		case "-- +goose StatementBegin":
			in = true
			b.Reset()
			continue
		case "-- +goose StatementEnd":
			in = false
			out = append(out, strings.TrimSpace(b.String()))
			continue
		}
		if in {
			b.WriteString(line + "\n")
		}
	}
	return out
}

func TestOutboxGolden(t *testing.T) {
	t.Parallel()
	q := newOutboxSQL("FERRY")
	var s script
	s.add("low-water mark, single instance", q.lowWater)
	s.add("low-water mark, RAC", q.lowWaterRAC)
	s.add("window", q.rows)
	s.add("purge", q.purge)
	s.add("backlog", q.backlog)
	s.add("current SCN (snapshot mark)", q.currentSCN)
	s.add("probe", q.probeOutbox)
	s.add("oldest open transaction, single instance", q.oldest[0][1])
	s.add("oldest open transaction, single instance, without V$SESSION", q.oldest[0][0])
	s.add("oldest open transaction, RAC", q.oldest[1][1])
	s.add("oldest open transaction, RAC, without GV$SESSION", q.oldest[1][0])
	s.add("lease: request", lockRequest)
	s.add("lease: release", lockRelease)
	golden(t, "outbox.sql", s.String())
}

func TestTargetGolden(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		table *fsql.Table
		key   []string
	}{
		"all_types": {allTypes(), []string{"ID"}},
		"composite": {composite(), []string{"account", "booked_on", "line"}},
		"quoted":    {quoted(), []string{"select"}},
		"key_only":  {&fsql.Table{Schema: "HR", Name: "TAGS", Columns: []fsql.Column{{Name: "TAG", Type: "VARCHAR2(30 BYTE)"}}}, []string{"TAG"}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var cols []string
			for _, col := range c.table.Columns {
				cols = append(cols, col.Name)
			}
			if name == "composite" {
				cols = []string{"account", "booked_on", "line", "amount"} // config names, folded
			}
			p, err := newWritePlan(c.table, c.key, cols, BindOptions{}, false)
			if err != nil {
				t.Fatal(err)
			}
			var s script
			s.add("upsert, array binding", p.mergeSQL())
			s.add("upsert, JSON_TABLE", p.mergeJSONSQL())
			s.add("delete, array binding", p.deleteSQL())
			s.add("delete, JSON_TABLE", p.deleteJSONSQL())
			golden(t, "target_"+name+".sql", s.String())
		})
	}
}

func TestBookkeepingGolden(t *testing.T) {
	t.Parallel()
	var s script
	s.b.WriteString(strings.ReplaceAll(fsql.BookkeepingText(target{}.Bookkeeping("FERRY_APPLY"), "/"), "\n/\n", "\n/\n\n"))
	for _, q := range []struct{ label, sql string }{
		{"savepoint", must(savepointSQL("SAVEPOINT ", "ferry_change"))},
		{"rollback to savepoint", must(savepointSQL("ROLLBACK TO SAVEPOINT ", "ferry_change"))},
		{"immediate", immediateSQL},
		{"truncate", truncateSQL(allTypes())},
		{"catalog version", catalogVersion},
		{"session settings", sessionSettings},
		{"drop a table if it exists (migrate down --drop-outbox)", fsql.DropTableIfExists(Dialect{}, ident("FERRY", "GOOSE_DB_VERSION"))},
	} {
		s.add(q.label, q.sql)
	}
	golden(t, "bookkeeping.sql", s.String())
}

func TestRequestsGolden(t *testing.T) {
	t.Parallel()
	q := requestsSQL("FERRY")
	var s script
	for _, r := range []struct{ label, sql string }{
		{"exists", q.Exists}, {"insert", q.Insert}, {"list", q.List}, {"list open", q.ListOpen},
		{"keys", q.Keys}, {"cancel", q.Cancel}, {"record", q.Record},
		{"snapshot: estimate", estimateSQL}, {"snapshot: key indexed", keyIndexedSQL},
		{"heartbeat", heartbeatSQL("FERRY")},
	} {
		s.add(r.label, r.sql)
	}
	golden(t, "requests.sql", s.String())
}

func must(s string, err error) string {
	if err != nil {
		panic(err)
	}
	return s
}
