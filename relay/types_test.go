package relay_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/internal/kafkatest"
	"github.com/ferry-cdc/ferry/relay"
	fsql "github.com/ferry-cdc/ferry/sql"
	"github.com/ferry-cdc/ferry/sql/postgres"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// value is one value of a type: its SQL literal and its JSON in the change
// envelope, exactly.
type value struct{ sql, json string }

// typeValues are the values of every type that migrate up accepts, by
// pg_type name: special values, extremes, empty, white space, Unicode.
// A type that migrate up accepts and that is not here fails the test.
var typeValues = map[string]struct {
	decl   string // the column's type
	values []value
}{
	"int2": {"smallint", []value{{"-32768", "-32768"}, {"32767", "32767"}, {"0", "0"}}},
	"int4": {"integer", []value{{"-2147483648", "-2147483648"}, {"2147483647", "2147483647"}, {"0", "0"}}},
	"int8": {"bigint", []value{{"-9223372036854775808", "-9223372036854775808"}, {"9223372036854775807", "9223372036854775807"}}},
	"oid":  {"oid", []value{{"0", "0"}, {"4294967295", "4294967295"}, {"42", "42"}}},
	"numeric": {"numeric", []value{
		{"1234567890123456789012345678.1234567890", `"1234567890123456789012345678.1234567890"`},
		{"-0.000000000000000000000000000000000000000001234567890123456789", `"-0.000000000000000000000000000000000000000001234567890123456789"`},
		{"1.50", `"1.50"`}, {"0.00", `"0.00"`}, {"1e-20", `"0.00000000000000000001"`}, {"100", `"100"`},
		{"'NaN'", `"NaN"`}, {"'Infinity'", `"Infinity"`}, {"'-Infinity'", `"-Infinity"`}}},
	"float4": {"real", []value{
		{"'3.4028235e38'", "3.4028235e+38"}, {"'-7.038531e-26'", "-7.038531e-26"}, {"'1.4e-45'", "1e-45"}, {"'0.1'", "0.1"},
		{"'-0'", "-0"}, {"'NaN'", `"NaN"`}, {"'Infinity'", `"Infinity"`}, {"'-Infinity'", `"-Infinity"`}}},
	"float8": {"double precision", []value{
		{"'1.7976931348623157e308'", "1.7976931348623157e+308"}, {"'5e-324'", "5e-324"}, {"'0.1'", "0.1"},
		{"'123456789012345678'", "1.2345678901234568e+17"}, {"'-0'", "-0"}, {"'NaN'", `"NaN"`}, {"'-Infinity'", `"-Infinity"`}}},
	"bool": {"boolean", []value{{"true", "true"}, {"false", "false"}}},
	"text": {"text", []value{
		{"''", `""`}, {"' '", `" "`}, {`'héllo wörld ✓ 日本語 🚀 "q" \ back'`, `"héllo wörld ✓ 日本語 🚀 \"q\" \\ back"`},
		{`E'tab\tnew\nline\u0001'`, `"tab\tnew\nline\u0001"`}, {"'null'", `"null"`}, {"'NULL'", `"NULL"`}}},
	"varchar": {"varchar(50)", []value{{"''", `""`}, {"'  x  '", `"  x  "`}, {"'Ærøskøbing'", `"Ærøskøbing"`}}},
	"bpchar":  {"char(5)", []value{{"'ab'", `"ab   "`}, {"''", `"     "`}, {"'abcde'", `"abcde"`}}},
	"char":    {`"char"`, []value{{"'a'", `"a"`}, {`E'\\377'`, `"\\377"`}, {"''", `""`}}},
	"name":    {"name", []value{{"'pg_catalog'", `"pg_catalog"`}, {"'" + strings.Repeat("n", 63) + "'", `"` + strings.Repeat("n", 63) + `"`}}},
	"xml":     {"xml", []value{{`'<a x="1">t &amp; ü</a>'`, `"<a x=\"1\">t &amp; ü</a>"`}, {"''", `""`}, {"'just text'", `"just text"`}}},
	"inet":    {"inet", []value{{"'192.168.0.1/24'", `"192.168.0.1/24"`}, {"'::1'", `"::1"`}, {"'10.0.0.1'", `"10.0.0.1"`}}},
	"cidr":    {"cidr", []value{{"'10.0.0.0/8'", `"10.0.0.0/8"`}, {"'2001:db8::/32'", `"2001:db8::/32"`}}},
	"macaddr": {"macaddr", []value{{"'08:00:2B:01:02:03'", `"08:00:2b:01:02:03"`}}},
	"macaddr8": {"macaddr8", []value{{"'08:00:2b:01:02:03:04:05'", `"08:00:2b:01:02:03:04:05"`},
		{"'08:00:2b:01:02:03'", `"08:00:2b:ff:fe:01:02:03"`}}},
	"bit":    {"bit(3)", []value{{"B'101'", `"101"`}, {"B'000'", `"000"`}}},
	"varbit": {"varbit", []value{{"B''", `""`}, {"B'1'", `"1"`}, {"B'10101010101'", `"10101010101"`}}},
	"bytea": {"bytea", []value{{`'\x'::bytea`, `""`}, {`'\x00ff10fe'::bytea`, `"AP8Q/g=="`}, {`'\x00'::bytea`, `"AA=="`},
		{`decode(repeat('ab', 1000), 'hex')`, `"` + base64.StdEncoding.EncodeToString(repeatByte(0xab, 1000)) + `"`}}},
	"date": {"date", []value{{"'0001-01-01'", `"0001-01-01"`}, {"'4713-01-01 BC'", `"-4712-01-01"`}, {"'5874897-12-31'", `"5874897-12-31"`},
		{"'2024-02-29'", `"2024-02-29"`}, {"'infinity'", `"infinity"`}, {"'-infinity'", `"-infinity"`}}},
	"time": {"time", []value{{"'23:59:59.999999'", `"23:59:59.999999"`}, {"'24:00:00'", `"24:00:00"`}, {"'00:00'", `"00:00:00"`}}},
	"timetz": {"timetz", []value{{"'23:59:59.999999+05:30'", `"23:59:59.999999+05:30"`}, {"'00:00:00-15:59'", `"00:00:00-15:59"`},
		{"'12:00+00'", `"12:00:00+00:00"`}}},
	"timestamp": {"timestamp", []value{{"'2024-02-29 13:14:15.123456'", `"2024-02-29T13:14:15.123456"`}, {"'4713-01-01 00:00:00 BC'", `"-4712-01-01T00:00:00"`},
		{"'294276-12-31 23:59:59.999999'", `"294276-12-31T23:59:59.999999"`}, {"'infinity'", `"infinity"`}}},
	"timestamptz": {"timestamptz", []value{{"'2024-06-30 23:59:59.654321+05:30'", `"2024-06-30T18:29:59.654321+00:00"`},
		{"'4713-01-01 00:00:00+00 BC'", `"-4712-01-01T00:00:00+00:00"`}, {"'294276-12-31 23:59:59.999999+00'", `"294276-12-31T23:59:59.999999+00:00"`},
		{"'1850-01-01 00:00 UTC'", `"1850-01-01T00:00:00+00:00"`}, {"'-infinity'", `"-infinity"`}}},
	"interval": {"interval", []value{{"'1 year 2 mons 3 days 04:05:06.789'", `"P1Y2M3DT4H5M6.789S"`}, {"'-178000000 years'", `"P-178000000Y"`},
		{"'0'", `"PT0S"`}, {"'1 day -1 hours'", `"P1DT-1H"`}, {"'-0.000001 seconds'", `"PT-0.000001S"`}}},
	"uuid": {"uuid", []value{{"'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'", `"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"`},
		{"'00000000-0000-0000-0000-000000000000'", `"00000000-0000-0000-0000-000000000000"`}}},
	"json": {"json", []value{{`'{"b": [1, 2.50, "x"], "a": null, "a": 1}'`, `"{\"b\": [1, 2.50, \"x\"], \"a\": null, \"a\": 1}"`},
		{`'[]'`, `"[]"`}, {`'"str"'`, `"\"str\""`}, {`'null'`, `"null"`}, {`'  {"a":1} '`, `"  {\"a\":1} "`}, {`'"\ud83d\ude80"'`, `"\"\\ud83d\\ude80\""`}}},
	"jsonb": {"jsonb", []value{{`'{"k": {"n": 1.0E+2}}'`, `"{\"k\": {\"n\": 100}}"`}, {`'[null, {}]'`, `"[null, {}]"`},
		{`'null'`, `"null"`}, {`'"ü"'`, `"\"ü\""`}}},
	"mood":     {"mood", []value{{"'sad'", `"sad"`}, {"'happy'", `"happy"`}}},
	"positive": {"positive", []value{{"1", "1"}, {"2147483647", "2147483647"}}},
}

func repeatByte(b byte, n int) []byte { return []byte(strings.Repeat(string([]byte{b}), n)) }

// canonicalSettings make a value's text the same in every session, for
// comparing values by their text.
var canonicalSettings = []string{"SET DateStyle = 'ISO, YMD'", "SET TimeZone = 'UTC'", "SET IntervalStyle = 'iso_8601'",
	"SET extra_float_digits = 1", "SET bytea_output = 'hex'"}

// TestEveryTypeTravelsExactly (issue 7, item 4) is the generated type
// matrix: every type that migrate up accepts (found by asking it about
// every type the server has), as a plain column, in arrays, in a key, in a
// table with excluded columns and a configured key, with the values above;
// what reaches Kafka is asserted exactly, and applying it to PostgreSQL
// through the applier's SQL (json_populate_recordset) gives back the
// source's values.
func TestEveryTypeTravelsExactly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := postgres.Dialect{}
	_, probe := pgtest.NewDB(t)
	pgtest.Exec(t, probe, `CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')`, `CREATE DOMAIN positive AS int CHECK (VALUE > 0)`)

	// Which types does migrate up accept, alone and in arrays?
	var names []string
	rows, err := probe.Query(`SELECT typname FROM pg_type WHERE (typnamespace = 'pg_catalog'::regnamespace AND typtype = 'b' AND typcategory <> 'A')
		OR typname IN ('mood', 'positive') ORDER BY typname`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	rows.Close()
	accepted, arrays := map[string]bool{}, map[string]bool{}
	for i, n := range names {
		if _, err := probe.Exec(fmt.Sprintf(`CREATE TABLE probe_%d (c %s, a %s[])`, i, quoteType(n), quoteType(n))); err != nil {
			continue // not a column type
		}
		tab, err := d.Describe(ctx, probe, "public", fmt.Sprintf("probe_%d", i))
		if err != nil {
			t.Fatal(err)
		}
		accepted[n] = d.Source().CheckType(tab.Columns[0]) == nil
		arrays[n] = d.Source().CheckType(tab.Columns[1]) == nil
		if arrays[n] && !accepted[n] {
			t.Errorf("type %s: its arrays are accepted, it is not", n)
		}
	}
	for _, n := range slices.Sorted(maps.Keys(accepted)) {
		_, listed := typeValues[n]
		switch {
		case accepted[n] && !listed:
			t.Errorf("type %s is accepted by migrate up but has no values in this matrix", n)
		case !accepted[n] && listed:
			t.Errorf("type %s is in the matrix but migrate up refuses it", n)
		}
	}
	if t.Failed() {
		return
	}

	// One database, one relay run: per type a table with the type as a
	// column and in arrays (v_), the same with an excluded column and a
	// configured key (x_), and the type as the key (k_) where a key of the
	// type is accepted.
	types := slices.Sorted(maps.Keys(typeValues))
	ddl := []string{`CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')`, `CREATE DOMAIN positive AS int CHECK (VALUE > 0)`, `CREATE SCHEMA copy`}
	var tables []config.Table
	keyed := map[string]bool{}
	for _, n := range types {
		decl := typeValues[n].decl
		arr := ""
		if arrays[n] {
			arr = fmt.Sprintf(", a %[1]s[], a2 %[1]s[][]", decl)
		}
		ddl = append(ddl,
			fmt.Sprintf(`CREATE TABLE v_%s (id int PRIMARY KEY, v %s%s)`, n, decl, arr),
			fmt.Sprintf(`CREATE TABLE x_%s (id int NOT NULL, v %s%s, secret text)`, n, decl, arr),
			fmt.Sprintf(`CREATE UNIQUE INDEX ON x_%s (id)`, n),
			fmt.Sprintf(`CREATE TABLE copy.v_%s (LIKE v_%s)`, n, n), fmt.Sprintf(`ALTER TABLE copy.v_%s ADD PRIMARY KEY (id)`, n),
			fmt.Sprintf(`CREATE TABLE copy.x_%s (LIKE x_%s)`, n, n), fmt.Sprintf(`ALTER TABLE copy.x_%s ADD PRIMARY KEY (id)`, n))
		if n == "json" || n == "jsonb" {
			// json_populate_recordset cannot write a json column's every
			// value (a JSON null becomes SQL NULL, white space around a value
			// goes, a string's escapes are rewritten): the copy keeps json's
			// text in a text column, which shows the text that arrived is
			// the source's, exactly.
			ddl = append(ddl, fmt.Sprintf(`ALTER TABLE copy.v_%s ALTER COLUMN v TYPE text`, n), fmt.Sprintf(`ALTER TABLE copy.x_%s ALTER COLUMN v TYPE text`, n))
		}
		tables = append(tables, config.Table{Name: "v_" + n}, config.Table{Name: "x_" + n, Key: []string{"id"}, Exclude: []string{"secret"}})
		// A key of the type: where the server can index it and migrate up
		// takes it; the refusals are asserted below.
		if _, err := probe.Exec(fmt.Sprintf(`CREATE TABLE k_%s (k %s PRIMARY KEY, n int)`, n, decl)); err == nil {
			tab, err := d.Describe(ctx, probe, "public", "k_"+n)
			if err != nil {
				t.Fatal(err)
			}
			problems, _ := d.Source().Capture().Check(tab, []string{"k"}, nil)
			if len(problems) == 0 {
				keyed[n] = true
				ddl = append(ddl, fmt.Sprintf(`CREATE TABLE k_%s (k %s PRIMARY KEY, n int)`, n, decl))
				tables = append(tables, config.Table{Name: "k_" + n})
			} else if !strings.Contains(problems[0].Error(), "cannot be a key") {
				t.Errorf("key of type %s: %v", n, problems)
			}
		}
	}
	for _, n := range []string{"interval", "jsonb", "bpchar"} {
		if keyed[n] != (n == "bpchar") { // char(5) pads, so it is a key; bpchar alone is refused (TestTablesAndKeysCaptureCannotFollowAreRefused)
			t.Errorf("key of type %s accepted: %v", n, keyed[n])
		}
	}
	e := newEnvWith(t, ddl, tables...)

	// Written from a session whose settings are as far from the canonical
	// ones as they go.
	conn, err := e.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"SET TimeZone = 'Asia/Kathmandu'", "SET DateStyle = 'SQL, DMY'", "SET IntervalStyle = 'sql_standard'",
		"SET extra_float_digits = -15", "SET bytea_output = 'escape'"} {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	exec := func(q string) {
		t.Helper()
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, n := range types {
		decl := typeValues[n].decl
		for i, v := range typeValues[n].values {
			cols, vals := "id, v", fmt.Sprintf("%d, %s", i+1, v.sql)
			if arrays[n] {
				cols += ", a, a2"
				vals += fmt.Sprintf(", ARRAY[%[1]s, NULL, %[1]s]::%[2]s[], ARRAY[[%[1]s], [%[1]s]]::%[2]s[]", v.sql, decl)
			}
			exec(fmt.Sprintf(`INSERT INTO v_%s (%s) VALUES (%s)`, n, cols, vals))
			exec(fmt.Sprintf(`INSERT INTO x_%s (%s, secret) VALUES (%s, 'secret')`, n, cols, vals))
			if keyed[n] {
				exec(fmt.Sprintf(`INSERT INTO k_%s VALUES (%s, %d) ON CONFLICT DO NOTHING`, n, v.sql, i))
			}
		}
		// NULL, an empty array, and an array whose bounds are not 1.
		if arrays[n] {
			first := typeValues[n].values[0].sql
			exec("SET extra_float_digits = 3") // the arrays are built through their text
			exec(fmt.Sprintf(`INSERT INTO v_%[1]s (id, v, a, a2) VALUES (1000, NULL, '{}', NULL),
				(1001, NULL, ('[0:1]=' || ARRAY[%[2]s, %[2]s]::%[3]s[]::text)::%[3]s[], ('[-1:-1][7:7]=' || ARRAY[[%[2]s]]::%[3]s[]::text)::%[3]s[])`,
				n, first, decl))
			exec("SET extra_float_digits = -15")
		}
		exec(fmt.Sprintf(`UPDATE x_%s SET secret = 'still secret'`, n))
		if keyed[n] {
			exec(fmt.Sprintf(`UPDATE k_%s SET n = n + 100`, n))
			exec(fmt.Sprintf(`DELETE FROM k_%s`, n))
		}
	}
	conn.Close()
	start := time.Now()
	e.start()
	want := e.expected()
	msgs := kafkatest.WaitFor(t, e.brokers, e.topics(), want, 2*time.Minute)
	t.Logf("%d tables, %d messages, relayed in %s", len(tables), len(msgs), time.Since(start).Round(time.Millisecond))
	if len(msgs) != want {
		t.Fatalf("%d messages, want %d", len(msgs), want)
	}

	// What arrived, exactly.
	topic := func(table string) string { return relay.TopicName(e.cfg.Kafka.TopicPrefix, "public", table) }
	byTopic := map[string][]event{}
	evs := events(t, msgs)
	for i, m := range msgs {
		byTopic[m.Topic] = append(byTopic[m.Topic], evs[i])
	}
	canonical := canonicalTexts(t, e, types, arrays)
	for _, n := range types {
		creates := map[string]map[string]json.RawMessage{}
		for _, prefix := range []string{"v_", "x_"} {
			for _, ev := range byTopic[topic(prefix+n)] {
				if ev.op == "c" {
					creates[prefix+string(ev.after["id"])] = ev.after
				}
				if ev.after != nil && ev.after["secret"] != nil || ev.before != nil && ev.before["secret"] != nil {
					t.Errorf("%s%s: the excluded column arrived", prefix, n)
				}
			}
		}
		for i, v := range typeValues[n].values {
			for _, prefix := range []string{"v_", "x_"} {
				after := creates[fmt.Sprintf("%s%d", prefix, i+1)]
				if after == nil {
					t.Errorf("%s%s: no create of row %d", prefix, n, i+1)
					continue
				}
				check := func(col, want string) {
					if got := string(after[col]); got != want {
						t.Errorf("%s%s row %d (%s) column %s:\n got %s\nwant %s", prefix, n, i+1, v.sql, col, got, want)
					}
				}
				check("v", v.json)
				if arrays[n] {
					check("a", "["+v.json+",null,"+v.json+"]")
					check("a2", "[["+v.json+"],["+v.json+"]]")
				}
			}
		}
		if arrays[n] {
			for id, want := range map[string][2]string{"1000": {"[]", "null"}, "1001": canonical[n]} {
				after := creates["v_"+id]
				if string(after["a"]) != want[0] || string(after["a2"]) != want[1] {
					t.Errorf("v_%s row %s: arrays %s and %s, want %s and %s", n, id, after["a"], after["a2"], want[0], want[1])
				}
			}
		}
		if keyed[n] {
			keys := map[string][]string{}
			for _, ev := range byTopic[topic("k_"+n)] {
				keys[ev.key] = append(keys[ev.key], ev.op)
			}
			for _, v := range typeValues[n].values {
				k := `{"k":` + keyText(n, v.json) + `}`
				if ops := keys[k]; len(ops) > 0 && !slices.Equal(ops, []string{"c", "u", "d", ""}) {
					t.Errorf("k_%s key %s: changes %v, want c u d and a tombstone", n, k, ops)
				}
				delete(keys, k)
			}
			if len(keys) > 0 {
				t.Errorf("k_%s: keys not among the values' canonical keys: %v", n, slices.Collect(maps.Keys(keys)))
			}
		}
	}

	// Applied to PostgreSQL through the applier's SQL, every value is the
	// source's, compared by text in canonical settings (which tells -0 from
	// 0, 1.50 from 1.5, bounds, json's white space).
	applyCreates(t, e, byTopic, topic, types)
	conn, err = e.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, s := range canonicalSettings {
		conn.ExecContext(ctx, s)
	}
	for _, n := range types {
		for _, prefix := range []string{"v_", "x_"} {
			cols := "s.v::text IS NOT DISTINCT FROM c.v::text"
			if arrays[n] {
				cols += " AND s.a::text IS NOT DISTINCT FROM c.a::text AND s.a2::text IS NOT DISTINCT FROM c.a2::text"
			}
			var total, equal int
			q := fmt.Sprintf(`SELECT count(*), count(*) FILTER (WHERE %s) FROM %s%s s LEFT JOIN copy.%s%s c USING (id)`, cols, prefix, n, prefix, n)
			if err := conn.QueryRowContext(ctx, q).Scan(&total, &equal); err != nil {
				t.Fatal(err)
			}
			if total == 0 || equal != total {
				var diff string
				conn.QueryRowContext(ctx, fmt.Sprintf(`SELECT string_agg(format('%%s: %%s | %%s', s.id, s::text, c::text), E'\n') FROM %s%s s LEFT JOIN copy.%s%s c USING (id)
					WHERE NOT (%s)`, prefix, n, prefix, n, cols)).Scan(&diff)
				t.Errorf("%s%s: %d of %d rows equal after applying:\n%s", prefix, n, equal, total, diff)
			}
		}
	}
}

func quoteType(n string) string { return `"` + n + `"` }

// keyText is a key value's canonical text: numerics without trailing
// zeros, floats without the sign of zero.
func keyText(typ, v string) string {
	switch {
	case typ == "numeric" && strings.Contains(v, "."):
		s := strings.TrimRight(strings.Trim(v, `"`), "0")
		s = strings.TrimSuffix(s, ".")
		if s == "-0" {
			s = "0"
		}
		return `"` + s + `"`
	case (typ == "float4" || typ == "float8") && v == "-0":
		return "0"
	}
	return v
}

// canonicalTexts reads, in canonical settings, the text form of each
// type's arrays with bounds other than 1 (row 1001): what must arrive.
func canonicalTexts(t *testing.T, e *env, types []string, arrays map[string]bool) map[string][2]string {
	t.Helper()
	ctx := context.Background()
	conn, err := e.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, s := range canonicalSettings {
		conn.ExecContext(ctx, s)
	}
	out := map[string][2]string{}
	for _, n := range types {
		if !arrays[n] {
			continue
		}
		var a, a2 string
		if err := conn.QueryRowContext(ctx, fmt.Sprintf(`SELECT to_json(a::text)::text, to_json(a2::text)::text FROM v_%s WHERE id = 1001`, n)).Scan(&a, &a2); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(a, `"[0:1]=`) || !strings.HasPrefix(a2, `"[-1:-1][7:7]=`) {
			t.Fatalf("v_%s: the arrays' text forms are %s and %s", n, a, a2)
		}
		out[n] = [2]string{a, a2}
	}
	return out
}

// applyCreates writes every create's after image into the copy schema with
// the PostgreSQL target's Upsert (json_populate_recordset), after turning
// values into their input forms as the applier does: bytes from base64 to
// \x hex, json from the string that carries it to the JSON value.
func applyCreates(t *testing.T, e *env, byTopic map[string][]event, topic func(string) string, types []string) {
	t.Helper()
	ctx := context.Background()
	reg, err := postgres.Dialect{}.Source().Capture().Registry(ctx, e.db, "ferry")
	if err != nil {
		t.Fatal(err)
	}
	columns := map[string][]fsql.Column{}
	for _, r := range reg {
		columns[r.Name] = r.Columns
	}
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, n := range types {
		for _, prefix := range []string{"v_", "x_"} {
			table := prefix + n
			var rows [][]json.RawMessage
			var names []string
			for _, c := range columns[table] {
				if c.Name != "secret" {
					names = append(names, c.Name)
				}
			}
			for _, ev := range byTopic[topic(table)] {
				if ev.op != "c" {
					continue
				}
				row := make([]json.RawMessage, len(names))
				for i, n := range names {
					row[i] = ev.after[n]
				}
				rows = append(rows, row)
			}
			// The target turns the neutral forms into its own; json's copy
			// is a text column that takes the JSON text as it came.
			tab, err := (postgres.Dialect{}).Describe(ctx, tx, "copy", table)
			if err != nil {
				t.Fatal(err)
			}
			if err := (postgres.Dialect{}).Target().Upsert(ctx, tx, tab, []string{"id"}, names, rows); err != nil {
				t.Fatalf("apply %s: %v", table, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}
