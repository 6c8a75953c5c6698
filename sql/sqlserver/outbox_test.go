package sqlserver

import (
	"bytes"
	"context"
	"crypto/sha256"
	"strings"
	"testing"

	fsql "github.com/ferry-cdc/ferry/sql"
)

func TestPositionAdvance(t *testing.T) {
	t.Parallel()
	rows := func(seqs ...int64) []fsql.OutboxRow {
		var out []fsql.OutboxRow
		for _, s := range seqs {
			out = append(out, fsql.OutboxRow{Seq: s})
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		from  int64
		bound int64
		rows  []fsql.OutboxRow
		limit int
		want  int64
	}{
		// A full batch may have more below the bound: stop at the last row.
		{"cut short", 100, 500, rows(101, 150, 170), 3, 170},
		// A short batch read everything below the bound.
		{"complete", 100, 500, rows(101, 150), 3, 499},
		{"idle", 100, 500, nil, 3, 499},
		// An open transaction holds the bound at its first rowversion.
		{"held back", 100, 101, nil, 3, 100},
	} {
		got := position{RV: tc.from}.advance(tc.bound, tc.rows, len(tc.rows) >= tc.limit)
		if got.RV != tc.want {
			t.Errorf("%s: position %d, want %d", tc.name, got.RV, tc.want)
		}
	}
}

func TestPositionAndMark(t *testing.T) {
	t.Parallel()
	if p, err := decodePosition(nil); err != nil || p.RV != 0 {
		t.Fatalf("start: %+v %v", p, err)
	}
	if _, err := decodePosition([]byte(`{"rv":-1}`)); err == nil {
		t.Error("a negative position was accepted")
	}
	if _, err := decodePosition([]byte(`{"snapshot":"1:1:"}x`)); err == nil {
		t.Error("a PostgreSQL position was accepted")
	}
	for _, tc := range []struct {
		pos, mark string
		want      bool
	}{
		{`{"rv":2000}`, `{"rv":2000}`, true},
		{`{"rv":2001}`, `{"rv":2000}`, true},
		{`{"rv":1999}`, `{"rv":2000}`, false},
		{``, `{"rv":1}`, false},
	} {
		got, err := covers([]byte(tc.pos), []byte(tc.mark))
		if err != nil || got != tc.want {
			t.Errorf("Covers(%s, %s) = %v, %v; want %v", tc.pos, tc.mark, got, err, tc.want)
		}
	}
	if _, err := covers([]byte(`{"rv":1}`), []byte(`x`)); err == nil {
		t.Error("a bad mark was accepted")
	}
}

// TestLeaseHolderMarksTheSession: the source says who holds a lease (ferry
// status asks through an optional interface), and the mark a leading
// session sets is the resource's hash, which LeaseHolder looks for, then
// the relay's name, cut to fit CONTEXT_INFO's 128 bytes.
func TestLeaseHolderMarksTheSession(t *testing.T) {
	t.Parallel()
	type leaseHolder interface {
		LeaseHolder(ctx context.Context, q fsql.Querier, captureSchema, source string) (*fsql.LeaseHolder, error)
	}
	if _, ok := (Dialect{}).Source().(leaseHolder); !ok {
		t.Fatal("the SQL Server source cannot say who holds a lease")
	}
	l := (Dialect{}).Source().Leader(nil, "ferry", "hq").(*leader)
	h := sha256.Sum256([]byte("ferry.relay.ferry.hq"))
	if l.resource != "ferry.relay.ferry.hq" || !bytes.Equal(l.info[:32], h[:]) || string(l.info[32:]) != fsql.LeaseName("hq") {
		t.Fatalf("lease %q marks its session %q", l.resource, l.info)
	}
	long := sessionInfo("r", strings.Repeat("s", 200))
	if len(long) != 128 || !strings.HasPrefix(string(long[32:]), "ferry relay sss") {
		t.Fatalf("a long source's mark is %d bytes: %q", len(long), long)
	}
}
