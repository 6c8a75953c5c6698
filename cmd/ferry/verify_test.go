package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ferry-cdc/ferry/applier"
)

// TestVerifyReportClipsLongValues: a 200 KB text value is printed as its
// first 200 characters, cut on a character (valid UTF-8), with an ellipsis
// and its length in bytes; a short value is printed whole. So is a key: a
// numeric key can hold 131,072 digits.
func TestVerifyReportClipsLongValues(t *testing.T) {
	t.Parallel()
	// "é" is two bytes: a cut by bytes at 200 would split one.
	long, _ := json.Marshal("a" + strings.Repeat("é", 100_000))
	rep := &applier.VerifyReport{Routes: []*applier.RouteReport{{
		Route: "hq.public.doc -> branch.public.doc", Rows: 1, Different: 1, Unexplained: 1,
		Differences: []applier.Difference{{
			Kind: "different", Key: json.RawMessage(`{"id":1}`), Columns: []string{"body", "title"},
			Source: map[string]json.RawMessage{"body": long, "title": json.RawMessage(`"short"`)},
			Target: map[string]json.RawMessage{"body": json.RawMessage(`"x"`), "title": json.RawMessage(`"other"`)},
		}, {
			Kind: "extra", Key: json.RawMessage(`{"k":"9` + strings.Repeat("0", 131_071) + `"}`),
		}},
	}}}
	var b bytes.Buffer
	printReport(&b, verifyOutput{VerifyReport: rep}, 20)
	out := b.String()
	if len(out) > 2000 {
		t.Fatalf("the report of one 200 KB value is %d bytes", len(out))
	}
	if !utf8.ValidString(out) {
		t.Errorf("the report is not valid UTF-8:\n%s", out)
	}
	want := `body: "a` + strings.Repeat("é", 198) + `… (200003 bytes) at the source, "x" in the target`
	if !strings.Contains(out, want) {
		t.Errorf("the long value is not clipped as\n%s\nin\n%s", want, out)
	}
	if want := `extra     {"k":"9` + strings.Repeat("0", 193) + `… (131080 bytes)`; !strings.Contains(out, want) {
		t.Errorf("the long key is not clipped as\n%s\nin\n%.3000s", want, out)
	}
	if !strings.Contains(out, `title: "short" at the source, "other" in the target`) {
		t.Errorf("a short value is not printed whole:\n%s", out)
	}
}
