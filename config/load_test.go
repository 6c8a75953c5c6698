package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func env(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

// errorLines splits a joined error into its messages.
func errorLines(err error) []string {
	if err == nil {
		return nil
	}
	return strings.Split(err.Error(), "\n")
}

func TestExpand(t *testing.T) {
	t.Parallel()
	lookup := env(map[string]string{"A": "alpha", "B": "", "WEIRD": "${A}$$"})
	for _, c := range []struct {
		in, want string
		errs     []string
	}{
		{in: "plain", want: "plain"},
		{in: "${A}", want: "alpha"},
		{in: "x${A}y${A}z", want: "xalphayalphaz"},
		{in: "empty:${B}.", want: "empty:."},
		{in: "$$", want: "$"},
		{in: "$${A}", want: "${A}"},
		{in: "$$${A}", want: "$alpha"},
		{in: "$$$${A}", want: "$${A}"},
		{in: "pa$word", want: "pa$word"},
		{in: "$A", want: "$A"},
		{in: "trailing$", want: "trailing$"},
		{in: "${WEIRD}", want: "${A}$$"}, // expanded once, never again
		{in: "${NOPE}", errs: []string{"environment variable NOPE is not set"}},
		{in: "${NOPE}:${A}:${NADA}", errs: []string{
			"environment variable NOPE is not set",
			"environment variable NADA is not set",
		}},
		{in: "${A", errs: []string{"unterminated ${"}},
		{in: "${}", errs: []string{`invalid environment variable name ""`}},
		{in: "${1A}", errs: []string{`invalid environment variable name "1A"`}},
		{in: "${A:-x}", errs: []string{`invalid environment variable name "A:-x"`}},
	} {
		got, errs := expand(c.in, lookup)
		if len(errs) != len(c.errs) {
			t.Errorf("expand(%q) errors = %v, want %q", c.in, errs, c.errs)
			continue
		}
		for i := range errs {
			if !strings.Contains(errs[i].Error(), c.errs[i]) {
				t.Errorf("expand(%q) error %d = %v, want %q", c.in, i, errs[i], c.errs[i])
			}
		}
		if len(c.errs) == 0 && got != c.want {
			t.Errorf("expand(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

const minimal = `sources:
  - name: hq
    dialect: postgres
    dsn: %s
    tables:
      - name: public.emp
kafka:
  brokers: [kafka:9092]
  properties:
    ${NOT_A_KEY}: literal key
    client.id: "${CLIENT}"
`

func TestParseExpandsValuesOnly(t *testing.T) {
	t.Parallel()
	data := strings.Replace(minimal, "%s", "${DSN}", 1)
	// A value that looks like YAML stays one string: expansion works on
	// parsed values, so it cannot add a source.
	dsn := "postgres://u:p@h/db\n  - name: evil\n    dialect: oracle"
	cfg, err := ParseWithEnv("ferry.yaml", []byte(data), env(map[string]string{"DSN": dsn, "CLIENT": "null"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Sources) != 1 || cfg.Sources[0].DSN.Secret() != dsn {
		t.Errorf("sources = %d, dsn = %q; want 1, %q", len(cfg.Sources), cfg.Sources[0].DSN.Secret(), dsn)
	}
	// "null" from the environment is the string null, not YAML's null.
	if got := cfg.Kafka.Properties["client.id"]; got != "null" {
		t.Errorf("client.id = %q, want %q", got, "null")
	}
	if got, ok := cfg.Kafka.Properties["${NOT_A_KEY}"]; !ok || got != "literal key" {
		t.Errorf("keys must not expand: properties = %v", map[string]string(cfg.Kafka.Properties))
	}
}

func TestParseUndefinedVariable(t *testing.T) {
	t.Parallel()
	data := strings.Replace(minimal, "%s", "postgres://u:${PASSWORD}@h/db", 1)
	_, err := ParseWithEnv("ferry.yaml", []byte(data), env(map[string]string{"CLIENT": "ferry"}))
	want := []string{"ferry.yaml:4: environment variable PASSWORD is not set"}
	if got := errorLines(err); !slices.Equal(got, want) {
		t.Errorf("errors = %q, want %q", got, want)
	}
}

func TestParseEscapedDollar(t *testing.T) {
	t.Parallel()
	data := strings.Replace(minimal, "%s", "postgres://u:pa$$word@h/db", 1)
	cfg, err := ParseWithEnv("ferry.yaml", []byte(data), env(map[string]string{"CLIENT": "ferry"}))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.Sources[0].DSN.Secret(), "postgres://u:pa$word@h/db"; got != want {
		t.Errorf("dsn = %q, want %q", got, want)
	}
}

// TestParseLinesAreOriginal checks that errors point into the file as
// written, even after a variable expanded into several lines and past
// comments and flow collections that re-encoding would have moved.
func TestParseLinesAreOriginal(t *testing.T) {
	t.Parallel()
	data := `# comment
# another comment

sources:
  - {name: hq, dialect: postgres, dsn: "${MULTI}", tables: [{name: emp}]}

  - name: west   # trailing comment
    dialect: postgres
    dsn: |
      host=west
      user=ferry
    tables:
      - name: emp
        kye: [id]
kafka:
  brokers: 9092
routes:
  - from: hq.emp
    to: branch.emp
    colums: {a: b}
`
	_, err := ParseWithEnv("ferry.yaml", []byte(data), env(map[string]string{"MULTI": "a\nb\nc\nd"}))
	want := []string{
		"ferry.yaml:14: field kye not found in type config.Table",
		"ferry.yaml:16: cannot unmarshal !!int `9092` into []string",
		"ferry.yaml:20: field colums not found in type config.Route",
	}
	if got := errorLines(err); !slices.Equal(got, want) {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestParseReportsAllErrors(t *testing.T) {
	t.Parallel()
	data := `sources:
  - name: hq
    dialect: ${DIALECT}
    dsn: [not, a, string]
    tables:
      - name: emp
        exclude: ssn
    capture: ferry
`
	_, err := ParseWithEnv("ferry.yaml", []byte(data), env(nil))
	want := []string{
		"ferry.yaml:3: environment variable DIALECT is not set",
		"ferry.yaml:4: cannot unmarshal !!seq into config.DSN",
		"ferry.yaml:7: cannot unmarshal !!str `ssn` into []string",
		"ferry.yaml:8: field capture not found in type config.Source",
	}
	if got := errorLines(err); !slices.Equal(got, want) {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var e *Error
	if !errors.As(err, &e) || e.File != "ferry.yaml" || e.Line != 3 {
		t.Errorf("errors.As = %+v", e)
	}
}

func TestLoadDSNFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "secrets"), 0o700); err != nil {
		t.Fatal(err)
	}
	abs := filepath.Join(dir, "secrets", "branch.dsn")
	for name, content := range map[string]string{
		"hq.dsn":     "postgres://ferry:s3cret@hq/hq \r\n\n",
		"branch.dsn": "sqlserver://sa:s3cret@branch?database=b",
	} {
		if err := os.WriteFile(filepath.Join(dir, "secrets", name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	config := `sources:
  - name: hq
    dialect: postgres
    dsn_file: secrets/hq.dsn
    tables: [{name: emp}]
targets:
  - name: branch
    dialect: sqlserver
    dsn_file: ${BRANCH_DSN_FILE}
kafka:
  brokers: [kafka:9092]
`
	path := filepath.Join(dir, "ferry.yaml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseWithEnv(path, data, env(map[string]string{"BRANCH_DSN_FILE": abs}))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.Sources[0].DSN.Secret(), "postgres://ferry:s3cret@hq/hq"; got != want {
		t.Errorf("relative dsn_file: dsn = %q, want %q", got, want)
	}
	if got, want := cfg.Targets[0].DSN.Secret(), "sqlserver://sa:s3cret@branch?database=b"; got != want {
		t.Errorf("absolute dsn_file: dsn = %q, want %q", got, want)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("Validate() = %v", err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	t.Parallel()
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want os.ErrNotExist", err)
	}
}

func TestPath(t *testing.T) {
	t.Setenv(PathEnv, "")
	if got := Path(""); got != "ferry.yaml" {
		t.Errorf("Path(\"\") with no env = %q", got)
	}
	t.Setenv(PathEnv, "/etc/ferry/ferry.yaml")
	if got := Path(""); got != "/etc/ferry/ferry.yaml" {
		t.Errorf("Path(\"\") with env = %q", got)
	}
	if got := Path("my.yaml"); got != "my.yaml" {
		t.Errorf("Path(my.yaml) = %q: the flag must win over the env", got)
	}
}

// TestExample keeps ferry.example.yaml loadable, valid and complete: every
// key Ferry reads must appear in it, commented out or not.
func TestExample(t *testing.T) {
	const path = "../ferry.example.yaml"
	t.Setenv("FERRY_SOURCE_DSN", "postgres://ferry:s3cret@hq.example/hq")
	t.Setenv("FERRY_TARGET_DSN", "sqlserver://ferry:s3cret@branch.example?database=branch")
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Sources) != 1 || len(cfg.Sources[0].Tables) != 2 || len(cfg.Routes) == 0 {
		t.Errorf("example lost its content: %+v", cfg)
	}

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range yamlKeys(reflect.TypeOf(Config{})) {
		documented := regexp.MustCompile(`(?m)^[ \t]*(#[ \t]*)?(- )?` + regexp.QuoteMeta(key) + `:`)
		if !documented.Match(data) {
			t.Errorf("%s does not show key %s", path, key)
		}
	}
}

// yamlKeys lists every key the config type accepts, nested ones included.
func yamlKeys(t reflect.Type) []string {
	var keys []string
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return
		}
		seen[t] = true
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			keys = append(keys, name)
			walk(f.Type)
		}
	}
	walk(t)
	return keys
}

func TestParseRecursiveAlias(t *testing.T) {
	t.Parallel()
	for _, data := range []string{
		"sources: &s [*s]\n",
		"sources:\n  - &t\n    name: hq\n    tables: [*t]\n",
	} {
		if _, err := ParseWithEnv("ferry.yaml", []byte(data), env(nil)); err == nil {
			t.Errorf("ParseWithEnv(%q) = nil error", data)
		}
	}
}
