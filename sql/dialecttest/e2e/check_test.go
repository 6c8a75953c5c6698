package e2e

import (
	"strings"
	"testing"
)

// TestCheckVersionsFailsOnEveryWayAChangeGoesWrong: the check the
// end-to-end tests rest on can fail, for each way a change can be lost,
// doubled, reordered or left behind.
func TestCheckVersionsFailsOnEveryWayAChangeGoesWrong(t *testing.T) {
	t.Parallel()
	w := func(vs ...int64) []Write {
		out := make([]Write, len(vs))
		for i, v := range vs {
			out[i] = Write{V: v}
		}
		return out
	}
	del := func(ws []Write) []Write { return append(ws, Write{V: ws[len(ws)-1].V, Delete: true}) }
	tests := []struct {
		name   string
		audit  map[int64][]Write
		source map[int64]int64
		want   string // "" when the check passes
	}{
		{"in order", map[int64][]Write{1: w(0, 1, 2), 2: del(w(0, 1))}, map[int64]int64{1: 2}, ""},
		{"lost update", map[int64][]Write{1: w(0, 2)}, map[int64]int64{1: 2}, "write 1 has v=2, want 1"},
		{"doubled update", map[int64][]Write{1: w(0, 1, 1, 2)}, map[int64]int64{1: 2}, "write 2 has v=1, want 2"},
		{"reordered", map[int64][]Write{1: w(0, 2, 1)}, map[int64]int64{1: 2}, "write 1 has v=2"},
		{"last update lost", map[int64][]Write{1: w(0, 1)}, map[int64]int64{1: 2}, "last written at v=1, the source has v=2"},
		{"lost delete", map[int64][]Write{1: w(0, 1)}, map[int64]int64{}, "the source deleted it"},
		{"delete too many", map[int64][]Write{1: del(w(0))}, map[int64]int64{1: 0}, "deleted in the target"},
		{"write after delete", map[int64][]Write{1: append(del(w(0)), Write{V: 0})}, map[int64]int64{1: 0}, "written again after its delete"},
		{"delete without insert", map[int64][]Write{1: {{V: 0, Delete: true}}}, map[int64]int64{}, "deleted before it was written"},
		{"lost insert", map[int64][]Write{1: w(0)}, map[int64]int64{1: 0, 2: 0}, "key 2: never written"},
		{"a key nobody wrote", map[int64][]Write{1: w(0), 3: w(0)}, map[int64]int64{1: 0}, "the audit has 2 keys"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			keys := []int64{1}
			if _, ok := tc.source[2]; ok || tc.audit[2] != nil {
				keys = append(keys, 2)
			}
			_, err := CheckVersions(tc.audit, tc.source, keys)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("want no error, got %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("want an error saying %q, got %v", tc.want, err)
			}
		})
	}
}
