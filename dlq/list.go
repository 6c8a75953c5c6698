package dlq

import (
	"cmp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// ReasonLength is the most characters of an error a [Group] keeps.
const ReasonLength = 80

// Group counts the entries of one route that failed the same way.
type Group struct {
	Route  string    `json:"route"`
	Class  string    `json:"class"`
	Reason string    `json:"reason"` // the error as [Reason] shortens it
	Count  int       `json:"count"`
	Newest time.Time `json:"newest"` // the latest first failure
	Oldest time.Time `json:"oldest"` // the earliest first failure
}

// Summarize groups entries by route, class and reason, the group with the
// latest first failure first.
func Summarize(entries []*Entry) []Group {
	type by struct{ route, class, reason string }
	index := map[by]int{}
	var groups []Group
	for _, e := range entries {
		k := by{e.Route, e.Class, Reason(e.Error)}
		i, ok := index[k]
		if !ok {
			i = len(groups)
			index[k] = i
			groups = append(groups, Group{Route: k.route, Class: k.class, Reason: k.reason, Newest: e.First, Oldest: e.First})
		}
		g := &groups[i]
		g.Count++
		if e.First.After(g.Newest) {
			g.Newest = e.First
		}
		if e.First.Before(g.Oldest) {
			g.Oldest = e.First
		}
	}
	slices.SortFunc(groups, func(a, b Group) int {
		return cmp.Or(b.Newest.Compare(a.Newest), strings.Compare(a.Route, b.Route),
			strings.Compare(a.Class, b.Class), strings.Compare(a.Reason, b.Reason))
	})
	return groups
}

// Reason puts an error on one line, each run of white space one space, and
// cuts it to [ReasonLength] characters, the last one "…" when cut: errors
// that differ only past that count as one reason.
func Reason(err string) string {
	s := strings.Join(strings.Fields(err), " ")
	if utf8.RuneCountInString(s) <= ReasonLength {
		return s
	}
	n := 0
	for i := range s {
		if n == ReasonLength-1 {
			return strings.TrimRight(s[:i], " ") + "…"
		}
		n++
	}
	return s
}
