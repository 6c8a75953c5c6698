package applier_test

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/internal/kafkatest"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// document is n characters of text that compresses poorly, as attached
// files do, with characters JSON must escape and UTF-8 encodes in up to
// four bytes, so that a large value also tests exactness.
func document(n int) string {
	rng := rand.New(rand.NewPCG(uint64(n), 7))
	specials := []rune("\"\\\n\t\u0001🚀日<&é ")
	var b strings.Builder
	for range n {
		if rng.IntN(8) == 0 {
			b.WriteRune(specials[rng.IntN(len(specials))])
		} else {
			b.WriteRune(rune(0xA0 + rng.IntN(0x7FF-0xA0)))
		}
	}
	return b.String()
}

// TestALargeDocumentArrivesWholeAndItsDLQEntryToo: a request with an
// attached document of 2,000,000 characters (about 4 MB in the envelope,
// more than Kafka's default 1 MB) travels from the source to the target
// exactly (the topics, producers and consumers are sized for it; zstd
// cannot bring this document under 1 MB), and one that a rule rejects is parked in the DLQ with the
// original value byte for byte.
func TestALargeDocumentArrivesWholeAndItsDLQEntryToo(t *testing.T) {
	t.Parallel()
	p := newPipelineWith(t, options{route: map[string]string{"docs": `    rules:
      - {name: no_negative_ids, when: "id < 0", action: reject}
`}}, `CREATE TABLE docs (id int PRIMARY KEY, title text NOT NULL, body text)`)
	p.run()
	doc := document(2_000_000)
	if _, err := p.src.Exec(`INSERT INTO docs VALUES (1, 'accepted', $1), (-1, 'rejected', $1)`, doc); err != nil {
		t.Fatal(err)
	}
	pgtest.Exec(t, p.src, `INSERT INTO docs VALUES (2, 'after', 'small')`)
	entries := p.dlqEntries(1)
	p.awaitRows("docs", 2)
	if got := pgtest.QueryValue[string](t, p.tgt, `SELECT body FROM docs WHERE id = 1`); got != doc {
		t.Fatalf("the target's body is %d bytes and differs from the source's %d", len(got), len(doc))
	}
	if got := pgtest.QueryValue[string](t, p.tgt, `SELECT string_agg(id || ':' || title, ',' ORDER BY id) FROM docs`); got != "1:accepted,2:after" {
		t.Fatalf("target rows %s, want 1:accepted,2:after", got)
	}

	// The DLQ entry holds exactly what the change topic holds.
	var original []byte
	for _, m := range kafkatest.ReadAll(t, p.brokers, []string{p.topic("docs")}) {
		if string(m.Key) == `{"id":-1}` && m.Value != nil {
			original = m.Value
		}
	}
	if len(original) < 3_000_000 {
		t.Fatalf("the change of key -1 in Kafka is %d bytes: not the whole document", len(original))
	}
	e := entries[0]
	if string(e.Key) != `{"id":-1}` || e.Rule != "no_negative_ids" {
		t.Fatalf("DLQ entry %s: key %s rule %q", e.ID(), e.Key, e.Rule)
	}
	if !bytes.Equal(e.Value, original) {
		t.Fatalf("the DLQ entry's value (%d bytes) differs from the change in Kafka (%d bytes)", len(e.Value), len(original))
	}
}

// awaitRows waits until the target's table holds n rows.
func (p *pipeline) awaitRows(table string, n int) {
	p.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for pgtest.QueryValue[int](p.t, p.tgt, `SELECT count(*) FROM `+table) < n {
		if time.Now().After(deadline) {
			p.t.Fatalf("the target's %s has fewer than %d rows after a minute", table, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
