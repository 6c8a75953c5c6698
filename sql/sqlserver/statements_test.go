package sqlserver

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// The golden files below hold every statement the dialect sends, so that
// each is reviewed like code and parsed by sql/grammar's T-SQL grammar.

func TestOutboxGolden(t *testing.T) {
	t.Parallel()
	o := newOutboxSQL("ferry")
	golden(t, "outbox.sql", batches(
		"-- window: the bound, then the rows below it\n"+o.Window,
		"-- purge\n"+o.Purge,
		"-- backlog\n"+o.Backlog,
		"-- snapshot mark\n"+o.Mark,
		"-- the oldest open transaction holding the bound back\n"+strings.TrimSpace(oldestTransaction),
	))
}

func TestCatalogGolden(t *testing.T) {
	t.Parallel()
	golden(t, "catalog.sql", batches(
		"-- table\n"+strings.TrimSpace(describeTable),
		"-- columns\n"+strings.TrimSpace(describeColumns),
		"-- primary key\n"+strings.TrimSpace(describePrimaryKey),
		"-- default schema\nSELECT SCHEMA_NAME()",
		"-- registry exists\nSELECT CASE WHEN OBJECT_ID(@p1, N'U') IS NULL THEN 0 ELSE 1 END",
		"-- registry\n"+registrySelect("ferry"),
		"-- unique indexes\n"+strings.TrimSpace(describeUnique),
		"-- installed capture\n"+strings.TrimSpace(inspectTrigger),
		"-- schema owner\n"+strings.TrimSpace(schemaOwner),
	))
}

func TestLeaderGolden(t *testing.T) {
	t.Parallel()
	golden(t, "leader.sql", batches(
		"-- try the lease (and the migration lock, with a wait)\n"+getAppLock,
		"-- check it\n"+appLockHeld,
		"-- release it\n"+releaseAppLock,
		"-- name the session that holds it\n"+nameSession,
		"-- who holds it, for ferry status\n"+leaseHolder,
		"-- the relay's heartbeat\n"+heartbeatSQL("ferry"),
	))
}

func TestBookkeepingGolden(t *testing.T) {
	t.Parallel()
	stmts := []string{strings.TrimSuffix(fsql.BookkeepingText(target{}.Bookkeeping("ferry"), "GO"), "GO\n")}
	sp, _ := savepointSQL("SAVE", "ferry_change")
	rb, _ := savepointSQL("ROLLBACK", "ferry_change")
	stmts = append(stmts, "-- savepoint\n"+sp, "-- transaction state\nSELECT XACT_STATE()", "-- roll back to it\n"+rb)
	golden(t, "bookkeeping.sql", batches(stmts...))
}

func TestSnapshotGolden(t *testing.T) {
	t.Parallel()
	spec := fsql.ReadSpec{Table: composite(), Key: []string{"order_id", "line_no"}, Exclude: []string{"secret"},
		CaptureSchema: "cdc", CaptureID: 7}
	r, err := newReader(spec)
	if err != nil {
		t.Fatal(err)
	}
	spec.CodePointOrder = true
	verify, err := newReader(spec)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "snapshot.sql", batches("-- first chunk\n"+r.chunks[0], "-- next chunk\n"+r.chunks[boundAfter],
		"-- a range, in code point order (verify)\n"+verify.chunks[boundAfter|boundUntil]))
}

// neutralRows builds rows of neutral values from JSON objects; a column
// an object lacks is null.
func neutralRows(t *testing.T, cols []string, objs ...string) [][]json.RawMessage {
	t.Helper()
	var out [][]json.RawMessage
	for _, o := range objs {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(o), &m); err != nil {
			t.Fatal(err)
		}
		row := make([]json.RawMessage, len(cols))
		for i, c := range cols {
			if v, ok := m[c]; ok {
				row[i] = v
			} else {
				row[i] = json.RawMessage("null")
			}
		}
		out = append(out, row)
	}
	return out
}

// targetStatements renders what UpsertRows and DeleteRows send, without a
// database: the constructor path for few rows, the stage path for many.
func targetStatements(t *testing.T, tbl *fsql.Table, key, cols []string, rows [][]json.RawMessage) []string {
	t.Helper()
	up, err := newWrite(tbl, key, cols, false)
	if err != nil {
		t.Fatal(err)
	}
	proj, err := up.project(cols, rows)
	if err != nil {
		t.Fatal(err)
	}
	bound, err := up.bindRows(proj)
	if err != nil {
		t.Fatal(err)
	}
	src, _ := up.constructor(bound)
	del, err := newWrite(tbl, key, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := del.bindRows(neutralRows(t, key, `{}`))
	if err == nil {
		t.Fatal("a NULL key was accepted")
	}
	keys := make([][]json.RawMessage, len(proj))
	for i, r := range proj {
		for _, k := range up.key {
			keys[i] = append(keys[i], r[k])
		}
	}
	if kb, err = del.bindRows(keys); err != nil {
		t.Fatal(err)
	}
	dsrc, _ := del.constructor(kb)
	del.stageName = keyStage
	few, fewArgs, staged := up.writeStatement(del, bound, kb)
	if staged || len(fewArgs) != len(bound)*len(up.cols)+len(kb)*len(del.cols) {
		t.Fatalf("a few rows and keys: %d parameters, staged %v", len(fewArgs), staged)
	}
	many, _, staged := up.writeStatement(del, slices.Repeat(bound, maxParams), kb)
	if !staged && !up.noBulk {
		t.Fatal("more rows than one statement's parameters are not staged")
	}
	return []string{
		"-- write: deletes and upserts in one MERGE, few rows\n" + few,
		"-- write, many rows: both stage tables (made as above), bulk copy, then\n" + del.stageCreate(),
		many,
		"-- upsert, few rows: one MERGE from parameters\n" + up.merge(src),
		"-- upsert, many rows: the stage table, made without parameters\n" + up.stageCreate(),
		"-- then bulk copy into it, then one MERGE\n" + stageCheck() + up.merge(ident(stageTable)+" AS s") + stageDrop(),
		"-- delete, few rows\n" + del.deleteFrom(dsrc),
		"-- delete, many rows: stage, bulk copy, then\n" + del.stageCreate(),
		stageCheck() + del.deleteFrom(ident(stageTable)+" AS s") + stageDrop(),
	}
}

func TestTargetGolden(t *testing.T) {
	t.Parallel()
	t.Run("every type", func(t *testing.T) {
		tbl := everyType()
		var cols []string
		for _, c := range tbl.Columns {
			cols = append(cols, c.Name)
		}
		rows := neutralRows(t, cols, `{"id":1,"c_varchar":"plain ascii","c_rowversion":"AAAAAAAAB9E="}`,
			`{"id":2,"c_varchar":"café","c_decimal":"1.5","c_datetimeoffset":"2026-03-29T03:30:00+02:00"}`)
		golden(t, "target_every_type.sql", batches(targetStatements(t, tbl, []string{"id"}, cols, rows)...))
	})
	t.Run("identity and computed", func(t *testing.T) {
		tbl := targetTable()
		cols := []string{"staff_id", "name", "city_code", "salary", "hired", "name_upper", "version"}
		rows := neutralRows(t, cols, `{"staff_id":7,"name":"Ada","city_code":"LDN","salary":"1200.50","hired":"2026-01-02T09:00:00.123"}`)
		golden(t, "target_identity.sql", batches(targetStatements(t, tbl, []string{"staff_id"}, cols, rows)...))
	})
	t.Run("composite key", func(t *testing.T) {
		tbl := composite()
		cols := []string{"order_id", "line_no", "sku", "qty"}
		rows := neutralRows(t, cols, `{"order_id":1,"line_no":1,"sku":"A-1","qty":"2.5"}`, `{"order_id":1,"line_no":2,"sku":"B-2","qty":"1"}`)
		golden(t, "target_composite.sql", batches(targetStatements(t, tbl, []string{"order_id", "line_no"}, cols, rows)...))
	})
	t.Run("quoted names", func(t *testing.T) {
		tbl := quoted()
		var cols []string
		for _, c := range tbl.Columns {
			cols = append(cols, c.Name)
		}
		rows := neutralRows(t, cols, `{"select":1,"Order Date":"2026-01-02","emoji😀":"😀😀"}`)
		golden(t, "target_quoted.sql", batches(targetStatements(t, tbl, []string{"select", "Order Date"}, cols, rows)...))
	})
}

func TestRequestsGolden(t *testing.T) {
	t.Parallel()
	q := requestsSQL("ferry")
	golden(t, "requests.sql", batches(
		"-- exists\n"+q.Exists, "-- insert\n"+q.Insert, "-- list\n"+q.List, "-- list open\n"+q.ListOpen,
		"-- keys\n"+q.Keys, "-- cancel\n"+q.Cancel, "-- record\n"+q.Record,
	))
}

func TestTargetMaintenanceGolden(t *testing.T) {
	t.Parallel()
	tbl := targetTable()
	q, args, err := deleteMatching(tbl, map[string]json.RawMessage{"name": json.RawMessage(`"Ada"`), "staff_id": json.RawMessage(`42`)})
	if err != nil || len(args) != 2 {
		t.Fatalf("delete matching: %v %v", args, err)
	}
	all, _, err := deleteMatching(tbl, nil)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "target_maintenance.sql", batches(
		"-- delete the rows of a route's constants (truncate: delete)\n"+q,
		"-- delete every row\n"+all,
		"-- truncate\nTRUNCATE TABLE "+ident(tbl.Schema, tbl.Name)+";",
		"-- catalog version of the routes' tables\n"+catalogVersion,
	))
}
