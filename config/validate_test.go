package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	fsql "github.com/ferry-cdc/ferry/sql"
	"github.com/ferry-cdc/ferry/sql/dialects"
)

// badFiles maps each testdata/*.bad.yml to the errors it must produce, one
// entry per error line, in file order. Each entry must appear in its line;
// the file:line prefix is part of every entry, so a wrong line fails.
var badFiles = map[string][]string{
	"unknown_field.bad.yml": {
		"unknown_field.bad.yml:5: field tabels not found in type config.Source",
		"unknown_field.bad.yml:13: field topic-prefix not found in type config.Kafka",
		"unknown_field.bad.yml:17: field colums not found in type config.Route",
	},
	"wrong_type.bad.yml": {
		"wrong_type.bad.yml:6: cannot unmarshal !!map into []config.Table",
		"wrong_type.bad.yml:8: cannot unmarshal !!str `kafka:9092` into []string",
		"wrong_type.bad.yml:10: cannot unmarshal !!seq into config.Properties",
	},
	"duplicate_key.bad.yml": {
		`duplicate_key.bad.yml:5: mapping key "name" already defined at line 2`,
		`duplicate_key.bad.yml:15: mapping key "a" already defined at line 14`,
	},
	"env.bad.yml": {
		"env.bad.yml:3: environment variable FERRY_TEST_DIALECT is not set",
		"env.bad.yml:4: environment variable FERRY_TEST_PASSWORD is not set",
		`env.bad.yml:5: invalid environment variable name "ferry-capture" in ${...}`,
		"env.bad.yml:10: unterminated ${ (write $$ for a literal $)",
	},
	"dsn_file.bad.yml": {
		"dsn_file.bad.yml:2: source hq: both dsn and dsn_file are set; keep one",
		"dsn_file.bad.yml:9: target branch: read dsn_file: open " + filepath.Join("testdata", "missing.dsn") + ":",
	},
	"syntax.bad.yml": {
		// yaml.v3 names the line that opens the broken block, not line 4.
		"syntax.bad.yml:1: syntax error: did not find expected '-' indicator",
	},
	"multidoc.bad.yml": {
		"multidoc.bad.yml:3: more than one YAML document",
	},
	"empty.bad.yml": {
		"empty.bad.yml: no sources",
		"empty.bad.yml: kafka: no brokers",
	},
	"names.bad.yml": {
		"names.bad.yml:7: source hq is already defined at line 2",
		`names.bad.yml:7: source hq: unknown dialect "mysql" (known: oracle, postgres, sqlserver)`,
		"names.bad.yml:12: source without a name",
		"names.bad.yml:12: source: no dsn (set dsn or dsn_file)",
		`names.bad.yml:15: source name "hq.west" may hold only letters, digits, '_' and '-'`,
		"names.bad.yml:15: source hq.west: no tables",
		"names.bad.yml:19: target branch: no dialect (known: oracle, postgres, sqlserver)",
		"names.bad.yml:21: target branch is already defined at line 19",
		"names.bad.yml:21: target branch: no dsn (set dsn or dsn_file)",
	},
	"tables.bad.yml": {
		`tables.bad.yml:6: source hq: table public.emp: key column "id" listed twice`,
		`tables.bad.yml:6: source hq: table public.emp: exclude column "ssn" listed twice`,
		`tables.bad.yml:6: source hq: table public.emp: key column "id" is also excluded: a key must leave the source`,
		"tables.bad.yml:9: source hq: table without a name",
		`tables.bad.yml:10: source hq: table name ".emp" has an empty schema or table part`,
		`tables.bad.yml:11: source hq: table name "public." has an empty schema or table part`,
		`tables.bad.yml:12: source hq: table name "public.bad\x00name" holds a control character`,
		"tables.bad.yml:13: source hq: table public.emp is already listed at line 6",
		"tables.bad.yml:14: source hq: table public.emp is already listed at line 6",
		"tables.bad.yml:16: source hq: table public.dept: key column with an empty name",
	},
	"topics.bad.yml": {
		"topics.bad.yml:8: source hq: tables My Schema.Odd Table (line 6) and My_Schema.Odd_Table would share topic prod.My_Schema.Odd_Table: give one of them a topic:",
		"topics.bad.yml:10: source hq: tables public.emp (line 9) and other.emp would share topic prod.public.emp: give one of them a topic:",
		"topics.bad.yml:12: source hq: tables My Schema.Odd Table (line 6) and public.dept would share topic prod.My_Schema.Odd_Table: give one of them a topic:",
		"topics.bad.yml:15: source hq: tables a b (line 14) and a_b would share topic prod.<default schema>.a_b: give one of them a topic:",
	},
	"kafka.bad.yml": {
		"kafka.bad.yml:7: kafka: no brokers",
		`kafka.bad.yml:7: kafka: topic_prefix "ferry/prod" may hold only letters, digits, '.', '_' and '-'`,
		"kafka.bad.yml:7: kafka: set brokers, not properties bootstrap.servers",
		"kafka.bad.yml:7: kafka: max_message_bytes 100: want 1024 to 536870912 (512 MiB)",
		"kafka.bad.yml:7: kafka: set max_message_bytes, not properties message.max.bytes",
	},
	"routes.bad.yml": {
		"routes.bad.yml:17: route from hq.public.emp: hq does not capture public.emp",
		"routes.bad.yml:19: route from plant.public.emp: unknown source plant",
		"routes.bad.yml:21: route from hq.public.staff: unknown target west",
		`routes.bad.yml:23: route from hq.public.staff: drops column "salary", which the source excludes`,
		`routes.bad.yml:23: route from hq.public.staff: drops key column "id"`,
		`routes.bad.yml:23: route from hq.public.staff: drop: column "photo" listed twice`,
		`routes.bad.yml:23: route from hq.public.staff: columns "first" and "last" both map to "name"`,
		`routes.bad.yml:23: route from hq.public.staff: column "photo" is both renamed and dropped`,
		`routes.bad.yml:23: route from hq.public.staff: renames column "ssn", which the source excludes`,
		`routes.bad.yml:23: route from hq.public.staff: constant "name" collides with column "first" renamed to it`,
		"routes.bad.yml:33: routes at lines 23 and 33 both write branch.public.staff",
		`routes.bad.yml:35: route from hq.public.staff: columns "id" and "nick" both map to "id"`,
		`routes.bad.yml:35: route from hq.public.staff: constant "id" would overwrite key column "id"`,
		"routes.bad.yml:41: route from hq: names no table",
		"routes.bad.yml:41: route from hq: to branch names no table",
		"routes.bad.yml:43: route without from",
	},
	"apply.bad.yml": {
		`apply.bad.yml:15: route from hq.public.emp: unknown truncate "wipe" (want delete, truncate or reject)`,
		"apply.bad.yml:21: route from hq.public.emp: rule without a name",
		"apply.bad.yml:22: route from hq.public.emp: rule big_salary is already defined at line 19",
		`apply.bad.yml:22: route from hq.public.emp: rule big_salary: unknown action "drop" (want reject, skip or hold)`,
		"apply.bad.yml:25: route from hq.public.emp: rule no_when: no when",
		"apply.bad.yml:28: route from hq.public.emp: lookup city: refresh is for a query; an inline map never changes",
		"apply.bad.yml:31: route from hq.public.emp: lookup without a column",
		"apply.bad.yml:32: route from hq.public.emp: lookup city is already defined at line 28",
		"apply.bad.yml:32: route from hq.public.emp: lookup city: both map and query; keep one",
		"apply.bad.yml:35: route from hq.public.emp: lookup dept: neither map nor query; set one",
		`apply.bad.yml:35: route from hq.public.emp: lookup dept: unknown on_missing "ignore" (want reject, null or keep)`,
		`apply.bad.yml:37: route from hq.public.emp: lookup site: refresh "every 5m": expected exactly 5 fields`,
		"apply.bad.yml:40: route from hq.public.emp: lookup ssn: the source excludes the column",
		"apply.bad.yml:42: route from hq.public.emp: lookup photo: the route drops the column",
		"apply.bad.yml:46: route from hq.public.emp: truncate: truncate would remove rows that do not carry the route's constants; use delete to remove only the rows the route writes, or reject",
		"apply.bad.yml:50: apply: batch_size -1: want 1 to 100000",
		"apply.bad.yml:50: apply: batch_timeout -20ms: want more than 0",
		"apply.bad.yml:50: apply: foreign_key_wait -1s: want more than 0",
		"apply.bad.yml:50: apply: schema_wait -1m0s: want more than 0",
		`apply.bad.yml:50: apply: dlq_topic "ferry/dlq" may hold only letters, digits, '.', '_' and '-'`,
		"apply.bad.yml:57: relay: poll_interval 500µs: want between 1ms and 1m",
		"apply.bad.yml:57: relay: transaction_gap 2s: want between 1ms and 1s",
	},
}

// testEnv is the environment the testdata files see.
func testEnv(name string) (string, bool) {
	v, ok := map[string]string{"FERRY_TEST_USER": "ferry"}[name]
	return v, ok
}

// loadAndValidate is what ferry does with a config file: parse, then validate.
func loadAndValidate(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cfg, err := ParseWithEnv(path, data, testEnv)
	if err != nil {
		return nil, err
	}
	return cfg, cfg.Validate()
}

func TestBadFiles(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "*.bad.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if _, ok := badFiles[filepath.Base(f)]; !ok {
			t.Errorf("%s has no expected errors in badFiles", f)
		}
	}
	for name, want := range badFiles {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := loadAndValidate(filepath.Join("testdata", name))
			if err == nil {
				t.Fatal("no error")
			}
			got := strings.Split(err.Error(), "\n")
			for i := range max(len(got), len(want)) {
				switch {
				case i >= len(want):
					t.Errorf("unexpected error %s", got[i])
				case i >= len(got):
					t.Errorf("missing error %s", want[i])
				case !strings.Contains(got[i], filepath.Join("testdata", want[i])):
					t.Errorf("error %d\n got: %s\nwant: testdata/%s", i, got[i], want[i])
				}
			}
			var cfgErr *Error
			if !errors.As(err, &cfgErr) || cfgErr.File != filepath.Join("testdata", name) {
				t.Errorf("errors.As(*Error) = %v, file %q", cfgErr, cfgErr.File)
			}
		})
	}
}

func TestGood(t *testing.T) {
	t.Parallel()
	cfg, err := loadAndValidate(filepath.Join("testdata", "good.yml"))
	if err != nil {
		t.Fatal(err)
	}

	hq, ok := cfg.Source("hq")
	if !ok {
		t.Fatal("no source hq")
	}
	plant, ok := cfg.Source("plant-2")
	if !ok {
		t.Fatal("no source plant-2")
	}
	if _, ok := cfg.Source("nowhere"); ok {
		t.Error("Source(nowhere) found something")
	}
	for _, c := range []struct{ what, got, want string }{
		{"hq dialect, lowercased", hq.Dialect, "postgres"},
		{"hq capture schema, default", hq.CaptureSchema, "ferry"},
		{"plant capture schema", plant.CaptureSchema, "FERRY_CAPTURE"},
		{"plant dsn from file, trimmed", plant.DSN.Secret(), "oracle://ferry:s3cret@plant2.example:1521/PLANT"},
		{"topic prefix, default", cfg.Kafka.TopicPrefix, "ferry"},
		{"sasl.password", cfg.Kafka.Properties["sasl.password"], "s3cret"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}

	lines := map[string]int{
		"source hq":      hq.Line,
		"source plant-2": plant.Line,
		"table dept":     hq.Tables[1].Line,
		"merged table":   plant.Tables[0].Line,
		"target branch":  cfg.Targets[0].Line,
		"kafka":          cfg.Kafka.Line,
		"route 2":        cfg.Routes[1].Line,
	}
	wantLines := map[string]int{
		"source hq": 3, "source plant-2": 16, "table dept": 10, "merged table": 21,
		"target branch": 24, "kafka": 27, "route 2": 41,
	}
	for k, want := range wantLines {
		if lines[k] != want {
			t.Errorf("%s at line %d, want %d", k, lines[k], want)
		}
	}

	// The merge key brings in the anchored table's key; name overrides it.
	if got := plant.Tables[0]; got.Name != "PLANT.EMP" || !slices.Equal(got.Key, []string{"Id", "select"}) {
		t.Errorf("merged table = %+v", got)
	}

	got := hq.Resolve(fsql.Names{Default: "public"})
	want := []TableRef{
		{Schema: "public", Table: "emp", Key: []string{"id"}, Exclude: []string{"ssn"}, Line: 7},
		{Schema: "public", Table: "dept", Line: 10},
		{Schema: "sales", Table: "order.lines", Line: 11},
		{Schema: "public", Table: "audit log", Key: []string{"Id", "select"}, Line: 13},
	}
	if len(got) != len(want) {
		t.Fatalf("Resolve gave %d tables, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Schema != w.Schema || g.Table != w.Table || g.Line != w.Line ||
			!slices.Equal(g.Key, w.Key) || !slices.Equal(g.Exclude, w.Exclude) {
			t.Errorf("Resolve[%d] = %+v, want %+v", i, g, w)
		}
	}
	// Resolve copies, so a caller cannot change the config through it.
	got[0].Key[0] = "changed"
	if hq.Tables[0].Key[0] != "id" {
		t.Error("Resolve shares the Key slice with the config")
	}

	r := cfg.Routes[2]
	source, table := r.SplitFrom()
	target, to := r.SplitTo()
	if source != "hq" || table != "sales.order.lines" || target != "branch" || to != "dbo.order_lines" {
		t.Errorf("route split = %q %q -> %q %q", source, table, target, to)
	}
	if tb, ok := hq.Table(table); !ok || tb.Name != "order.lines" {
		t.Errorf("hq.Table(%q) = %+v, %v", table, tb, ok)
	}
}

func TestQualifiedName(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in           Table
		schema, name string
	}{
		{Table{Name: "emp"}, "dbo", "emp"},
		{Table{Name: "hr.emp"}, "hr", "emp"},
		{Table{Name: "hr.emp.2024"}, "hr", "emp.2024"},
		{Table{Name: "Order Lines"}, "dbo", "Order Lines"},
		{Table{Schema: "my.schema", Name: "emp"}, "my.schema", "emp"},
		{Table{Schema: "hr", Name: "emp.2024"}, "hr", "emp.2024"},
	} {
		s, n := c.in.Qualified(fsql.Names{Default: "dbo"})
		if s != c.schema || n != c.name {
			t.Errorf("%+v.Qualified(dbo) = %q, %q, want %q, %q", c.in, s, n, c.schema, c.name)
		}
	}
	// A dialect that folds unquoted names folds the schema and the table,
	// but not the default schema, which the catalog gave.
	if s, n := (Table{Name: "hr.emp"}).Qualified(fsql.Names{Default: "SCOTT", Fold: strings.ToUpper}); s != "HR" || n != "EMP" {
		t.Errorf("folded: %q, %q", s, n)
	}
	if s, n := (Table{Name: "emp"}).Qualified(fsql.Names{Default: "SCOTT", Fold: strings.ToUpper}); s != "SCOTT" || n != "EMP" {
		t.Errorf("folded, default schema: %q, %q", s, n)
	}
}

func TestValidateDialects(t *testing.T) {
	t.Parallel()
	// The names come from sql/dialects, the one list: an implemented
	// dialect (oracle, in good.yml, sorted with the others) and the unknown.
	if got, want := strings.Join(dialects.Known(), ", "), "oracle, postgres, sqlserver"; got != want {
		t.Errorf("known dialects %s, want %s", got, want)
	}
	if _, err := loadAndValidate(filepath.Join("testdata", "good.yml")); err != nil {
		t.Fatal(err)
	}
}
