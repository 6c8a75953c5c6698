package sqlserver

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	fsql "github.com/ferry-cdc/ferry/sql"
)

// wide is a table of n int columns, the first the key.
func wide(n int) *fsql.Table {
	t := &fsql.Table{Schema: "dbo", Name: "wide"}
	for i := range n {
		t.Columns = append(t.Columns, col("c"+strconv.Itoa(i), "int", i > 0, facts{}))
	}
	return t
}

var paramRef = regexp.MustCompile(`@p(\d+)\b`)

// TestConstructorParameterLimit proves that no statement of the
// parameter path has more than 2,100 parameters or 1,000 rows, whatever
// the batch's shape, and that every row is sent exactly once.
func TestConstructorParameterLimit(t *testing.T) {
	t.Parallel()
	for _, shape := range []struct{ cols, rows int }{{1, 5000}, {3, 2500}, {33, 700}, {700, 9}, {1024, 3}, {2000, 2}} {
		tbl := wide(shape.cols)
		names := make([]string, shape.cols)
		for i := range names {
			names[i] = "c" + strconv.Itoa(i)
		}
		rows := make([][]json.RawMessage, shape.rows)
		for r := range rows {
			rows[r] = make([]json.RawMessage, shape.cols)
			for c := range rows[r] {
				rows[r][c] = json.RawMessage(strconv.Itoa(r))
			}
		}
		w, err := newWrite(tbl, []string{"c0"}, names, false)
		if err != nil {
			t.Fatal(err)
		}
		bound, err := w.bindRows(rows)
		if err != nil {
			t.Fatal(err)
		}
		sent := 0
		for _, c := range chunks(bound, shape.cols) {
			sql, args := w.constructor(c)
			highest := 0
			for _, m := range paramRef.FindAllStringSubmatch(sql, -1) {
				n, _ := strconv.Atoi(m[1])
				highest = max(highest, n)
			}
			if len(args) > 2100 || highest != len(args) || len(c) > 1000 {
				t.Fatalf("%d columns: a statement with %d parameters (highest @p%d) and %d rows", shape.cols, len(args), highest, len(c))
			}
			sent += len(c)
		}
		if sent != shape.rows {
			t.Errorf("%d columns: %d rows sent of %d", shape.cols, sent, shape.rows)
		}
		// Beyond a few statements the batch goes through bulk copy instead.
		if got, want := w.useStage(len(bound)), shape.rows*shape.cols > stageAbove; got != want {
			t.Errorf("%d x %d: stage %v, want %v", shape.rows, shape.cols, got, want)
		}
	}
}

func TestWriteSkipsGeneratedColumns(t *testing.T) {
	t.Parallel()
	w, err := newWrite(targetTable(), []string{"staff_id"}, []string{"staff_id", "name", "name_upper", "version"}, false)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range w.cols {
		names = append(names, c.Name)
	}
	if strings.Join(names, ",") != "staff_id,name" || !w.ident {
		t.Fatalf("written %v (identity %v), want staff_id,name with IDENTITY_INSERT", names, w.ident)
	}
	merge := w.merge("src AS s")
	if !strings.Contains(merge, "SET IDENTITY_INSERT [dbo].[staff] ON;") || strings.Contains(merge, "t.[staff_id] = s.[staff_id],") ||
		strings.Contains(merge, "UPDATE SET t.[staff_id]") {
		t.Errorf("an IDENTITY key is inserted under IDENTITY_INSERT and never updated:\n%s", merge)
	}
	tbl := targetTable()
	tbl.Columns[0] = col("staff_id", "int", false, facts{Computed: true})
	if _, err := newWrite(tbl, []string{"staff_id"}, []string{"staff_id", "name"}, false); err == nil {
		t.Error("a computed key column was accepted for writing")
	}
}

func TestBindRowsKeepsTheLastOfAKey(t *testing.T) {
	t.Parallel()
	cols := []string{"order_id", "line_no", "sku", "qty"}
	w, err := newWrite(composite(), []string{"order_id", "line_no"}, cols, false)
	if err != nil {
		t.Fatal(err)
	}
	got, err := w.bindRows(neutralRows(t, cols,
		`{"order_id":1,"line_no":1,"sku":"A","qty":"1"}`,
		`{"order_id":1,"line_no":2,"sku":"B","qty":"1"}`,
		`{"order_id":1,"line_no":1,"sku":"C","qty":"3"}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || fmt.Sprint(got[0][2].Param) != "C" || got[0][3].Param != "3.000" {
		t.Fatalf("got %+v, want key (1,1) once, with its last values", got)
	}
}

// TestUpsertNeutral binds neutral rows: bytes as base64, json as a string
// holding the JSON text, a missing value as NULL.
func TestUpsertNeutral(t *testing.T) {
	t.Parallel()
	tbl := &fsql.Table{Schema: "dbo", Name: "t", Columns: []fsql.Column{
		col("id", "int", false, facts{}), col("raw", "varbinary(10)", true, facts{}), col("doc", "json", true, facts{}),
	}}
	names := []string{"id", "raw", "doc"}
	rows := nullRows([][]json.RawMessage{
		{json.RawMessage(`1`), json.RawMessage(`"AP8="`), json.RawMessage(`"{\"a\":[1,2]}"`)},
		{json.RawMessage(`2`), nil, nil},
	})
	w, err := newWrite(tbl, []string{"id"}, names, false)
	if err != nil {
		t.Fatal(err)
	}
	b, err := w.bindRows(rows)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(b[0][1].Param) != "[0 255]" || b[0][2].Param != `{"a":[1,2]}` || b[1][1].Param != nil {
		t.Fatalf("got %+v", b)
	}
	if _, err := w.bindRows([][]json.RawMessage{{json.RawMessage(`3`), json.RawMessage(`"\\x00ff"`), json.RawMessage(`null`)}}); err == nil {
		t.Error("PostgreSQL's hex form was taken for base64")
	}
	if !w.noBulk || w.useStage(100000) {
		t.Error("json columns cannot go through bulk copy")
	}
}

// TestWriteIsOneStatementWhereItCanBe: deletes and upserts of distinct
// keys are one statement whose parameters number the rows, then the keys;
// a key both deleted and upserted, which one MERGE cannot touch twice, and
// json columns beyond one statement's parameters, which bulk copy cannot
// send, are written in two statements.
func TestWriteIsOneStatementWhereItCanBe(t *testing.T) {
	t.Parallel()
	tbl := composite()
	key, cols := []string{"order_id", "line_no"}, []string{"order_id", "line_no", "sku", "qty"}
	rows := neutralRows(t, cols, `{"order_id":1,"line_no":1,"sku":"A","qty":"1"}`, `{"order_id":1,"line_no":2,"sku":"B","qty":"2"}`)
	up, del, ub, db, err := bindWrite(tbl, key, cols, neutralRows(t, key, `{"order_id":2,"line_no":1}`), rows)
	if err != nil {
		t.Fatal(err)
	}
	q, args, staged := up.writeStatement(del, ub, db)
	if staged || len(args) != 10 || !strings.Contains(q, "CAST(@p10 AS smallint)") || strings.Contains(q, "@p11") ||
		args[8] != int64(2) || overlaps(up, del, ub, db) {
		t.Fatalf("one statement of %d parameters (%v), staged %v:\n%s", len(args), args, staged, q)
	}
	_, del, ub, db, err = bindWrite(tbl, key, cols, neutralRows(t, key, `{"order_id":1,"line_no":2}`), rows)
	if err != nil {
		t.Fatal(err)
	}
	if !overlaps(up, del, ub, db) {
		t.Error("a key both deleted and upserted is not seen")
	}

	doc := &fsql.Table{Schema: "dbo", Name: "docs", PrimaryKey: []string{"id"}, Columns: []fsql.Column{
		col("id", "int", false, facts{}), col("body", "json", true, facts{}),
	}}
	var many []string
	for i := range maxParams {
		many = append(many, fmt.Sprintf(`{"id":%d,"body":"{}"}`, i))
	}
	up, del, ub, db, err = bindWrite(doc, []string{"id"}, []string{"id", "body"},
		neutralRows(t, []string{"id"}, `{"id":-1}`), neutralRows(t, []string{"id", "body"}, many...))
	if err != nil {
		t.Fatal(err)
	}
	if q, _, _ := up.writeStatement(del, ub, db); q != "" {
		t.Errorf("%d json rows in one statement:\n%.200s", len(ub), q)
	}
}
