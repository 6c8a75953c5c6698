package dlq

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestSummarizeCountsByRouteClassAndReasonNewestFirst(t *testing.T) {
	t.Parallel()
	at := func(min int) time.Time { return time.Date(2025, 3, 1, 12, min, 0, 0, time.UTC) }
	long := strings.Repeat("x", 100)
	e := func(route, class, why string, min int) *Entry {
		return &Entry{Route: route, Class: class, Error: why, First: at(min)}
	}
	got := Summarize([]*Entry{
		e(toBranch, ClassRejected, "duplicate key", 1),
		e(toBranch, ClassParked, "an earlier change of this key is in the DLQ", 2),
		e(toBranch, ClassRejected, "duplicate  key\n", 5), // the same reason on one line
		e(toHub, ClassRejected, "duplicate key", 3),
		e(toBranch, ClassRejected, long+"a", 4), // the same reason once cut
		e(toBranch, ClassRejected, long+"b", 0),
	})
	var lines []string
	for _, g := range got {
		lines = append(lines, fmt.Sprintf("%s %s %q %d %02d-%02d", (&Entry{Route: g.Route}).Target(), g.Class, g.Reason, g.Count, g.Oldest.Minute(), g.Newest.Minute()))
	}
	want := []string{
		`branch rejected "duplicate key" 2 01-05`,
		`branch rejected "` + strings.Repeat("x", 79) + `…" 2 00-04`,
		`hub rejected "duplicate key" 1 03-03`,
		`branch parked "an earlier change of this key is in the DLQ" 1 02-02`,
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

func TestReason(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"  a\tb\n\nc ", "a b c"},
		{strings.Repeat("é", 80), strings.Repeat("é", 80)},
		{strings.Repeat("é", 81), strings.Repeat("é", 79) + "…"},
		{strings.Repeat("a", 78) + " bcd", strings.Repeat("a", 78) + "…"},
	} {
		if got := Reason(tc.in); got != tc.want {
			t.Errorf("Reason(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
