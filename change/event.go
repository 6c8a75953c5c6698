package change

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ferry-cdc/ferry/internal/version"
	fsql "github.com/ferry-cdc/ferry/sql"
)

// Version is Ferry's version as the envelope's source.version states it:
// the build's, from the linker flags or the module's build information.
var Version = version.Get().Version

// Op is what happened to a row, in Debezium's letters.
type Op string

// Ops.
const (
	OpCreate Op = "c"
	OpUpdate Op = "u"
	OpDelete Op = "d"
	// OpRead is a row copied by a snapshot.
	OpRead Op = "r"
	// OpTruncate empties the table: its event has no key and no images,
	// and the relay sends it to every partition of the table's topic.
	OpTruncate Op = "t"
	// OpHeartbeat is the relay's heartbeat: no key, no images; the relay
	// sends it to every partition of every captured table's topic, and it
	// is never applied to a table.
	OpHeartbeat Op = "h"
)

// Table is what the relay knows about a captured table (from the registry).
type Table struct {
	// Source is the configured source's name; DB is its database.
	Source, DB, Schema, Name string
	// Key is the primary key's columns, in key order.
	Key     []string
	Columns []fsql.Column
	// Exclude are columns the images may carry, blanked, but the events
	// never do.
	Exclude []string
	// Values turns the images' values into their neutral forms: the
	// dialect's that wrote the images.
	Values fsql.Values
}

// Row is one outbox row as the relay reads it.
type Row struct {
	Seq  int64
	TxID uint64
	Op   Op
	// Ts is when the change was written to the outbox.
	Ts time.Time
	// Before and After are the row's images as JSON object text, nil where
	// the op has none.
	Before, After []byte
}

// Event is one change ready for Kafka.
type Event struct {
	Source, DB, Schema, Table string
	Op                        Op
	// Key is the key columns as a compact JSON object, in the table's key
	// order, byte for byte the same for the same key values; nil for a
	// truncate.
	Key []byte
	// Value is the change envelope; nil for a tombstone (Op d), which
	// tells a compacted topic to forget the key. Key and Value are
	// read-only: a tombstone shares its Key with the delete before it.
	Value []byte
	TxID  uint64
	Seq   int64
	// TsMs is when the event was made, as the envelope's ts_ms says.
	TsMs int64
}

// appendSource appends the envelope's "source" member.
func appendSource(dst []byte, t *Table, r *Row) []byte {
	dst = append(dst, `"source":{"version":`...)
	dst = appendQuoted(dst, validUTF8(Version))
	dst = append(dst, `,"connector":"ferry","name":`...)
	dst = appendQuoted(dst, validUTF8(t.Source))
	dst = append(dst, `,"db":`...)
	dst = appendQuoted(dst, validUTF8(t.DB))
	dst = append(dst, `,"schema":`...)
	dst = appendQuoted(dst, validUTF8(t.Schema))
	dst = append(dst, `,"table":`...)
	dst = appendQuoted(dst, validUTF8(t.Name))
	dst = append(dst, `,"txId":`...)
	dst = strconv.AppendUint(dst, r.TxID, 10)
	dst = append(dst, `,"seq":`...)
	dst = strconv.AppendInt(dst, r.Seq, 10)
	dst = append(dst, `,"ts_ms":`...)
	dst = strconv.AppendInt(dst, r.Ts.UnixMilli(), 10)
	return append(dst, '}')
}

// envelopeSize is an upper bound of the bytes appendEnvelope adds beyond
// its images and source.
const envelopeSize = len(`{"before":,"after":,,"op":"c","ts_ms":}`) + 2*len("null") + 20

// appendEnvelope appends the change envelope; a nil image is null.
func appendEnvelope(dst, before, after, source []byte, op Op, tsMs int64) []byte {
	dst = append(dst, `{"before":`...)
	dst = appendImage(dst, before)
	dst = append(dst, `,"after":`...)
	dst = appendImage(dst, after)
	dst = append(dst, ',')
	dst = append(dst, source...)
	dst = append(dst, `,"op":"`...)
	dst = append(dst, op...)
	dst = append(dst, `","ts_ms":`...)
	dst = strconv.AppendInt(dst, tsMs, 10)
	return append(dst, '}')
}

func appendImage(dst, image []byte) []byte {
	if image == nil {
		return append(dst, "null"...)
	}
	return append(dst, image...)
}

func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
