package change_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ferry-cdc/ferry/change"
	fsql "github.com/ferry-cdc/ferry/sql"
)

// benchTable is a typical ten-column row.
func benchTable() *change.Table {
	return table([]string{"id"},
		col("id", fsql.KindInteger), col("name", fsql.KindText), col("email", fsql.KindText),
		col("salary", fsql.KindDecimal), col("rate", fsql.KindFloat), col("active", fsql.KindBool),
		col("born", fsql.KindDate), col("updated", fsql.KindTimestampTZ), col("photo", fsql.KindBinary),
		arrayCol("tags", fsql.KindText))
}

const benchImage = `{"id":123456,"name":"Ada Lovelace","email":"ada@example.com","salary":123456.78,` +
	`"rate":0.125,"active":true,"born":"1815-12-10","updated":"2024-06-30T18:29:59.654321+00:00",` +
	`"photo":"\\x89504e470d0a1a0a0000000d49484452","tags":["math","engines",null]}`

const benchImage2 = `{"id":123456,"name":"Ada King","email":"ada@example.com","salary":123999.78,` +
	`"rate":0.125,"active":true,"born":"1815-12-10","updated":"2024-07-01T08:00:00.000001+00:00",` +
	`"photo":"\\x89504e470d0a1a0a0000000d49484452","tags":["math","engines",null]}`

func BenchmarkFromRow(b *testing.B) {
	tab := benchTable()
	for _, bc := range []struct {
		name string
		row  change.Row
	}{
		{"create", change.Row{Seq: 1, TxID: 2, Op: change.OpCreate, Ts: ts, After: []byte(benchImage)}},
		{"update", change.Row{Seq: 1, TxID: 2, Op: change.OpUpdate, Ts: ts, Before: []byte(benchImage), After: []byte(benchImage2)}},
		{"delete", change.Row{Seq: 1, TxID: 2, Op: change.OpDelete, Ts: ts, Before: []byte(benchImage)}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.row.Before) + len(bc.row.After)))
			for b.Loop() {
				if _, err := change.FromRow(tab, bc.row); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFromRowWide is a 100-column row in jsonb's key order (shorter
// names first, then bytewise), which is what the trigger writes when
// columns are excluded: not the table's order.
func BenchmarkFromRowWide(b *testing.B) {
	var cols []fsql.Column
	for i := range 100 {
		cols = append(cols, col(wideName(i), fsql.KindInteger))
	}
	order := make([]int, len(cols))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(x, y int) int {
		a, b := wideName(x), wideName(y)
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return strings.Compare(a, b)
	})
	var img strings.Builder
	img.WriteByte('{')
	for i, j := range order {
		if i > 0 {
			img.WriteString(", ")
		}
		fmt.Fprintf(&img, `"%s": %d`, wideName(j), j)
	}
	img.WriteByte('}')
	tab := table([]string{wideName(0)}, cols...)
	row := change.Row{Seq: 1, TxID: 2, Op: change.OpCreate, Ts: ts, After: []byte(img.String())}
	b.ReportAllocs()
	b.SetBytes(int64(len(row.After)))
	for b.Loop() {
		if _, err := change.FromRow(tab, row); err != nil {
			b.Fatal(err)
		}
	}
}

func wideName(i int) string { return fmt.Sprintf("%s_%d", strings.Repeat("c", i*7%13+1), i) }
