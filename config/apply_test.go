package config

import (
	"strings"
	"testing"
	"time"
)

const applyBase = `
sources:
  - name: hq
    dialect: postgres
    dsn: postgres://ferry@hq/hq
    tables: [{name: public.emp}]
targets:
  - name: branch
    dialect: postgres
    dsn: postgres://ferry@branch/branch
kafka:
  brokers: [kafka:9092]
`

func TestApplyDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := ParseWithEnv("ferry.yaml", []byte(applyBase+`
  topic_prefix: prod
routes:
  - from: hq.public.emp
    to: branch.public.staff
    rules:
      - name: big_salary
        when: salary > 10000
      - name: minors
        when: born > date("2007-01-01")
        action: skip
    lookups:
      - column: city
        map: {NYC: "12"}
      - column: dept
        query: SELECT code, id FROM depts
      - column: site
        query: SELECT code, id FROM sites
        refresh: "*/10 * * * *"
        on_missing: keep
`), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	want := Apply{GroupID: "ferry-apply", BatchSize: 5000, BatchTimeout: 20 * time.Millisecond,
		DLQTopic: "prod._dlq", ForeignKeyWait: time.Minute, UniqueWait: time.Minute, SchemaWait: time.Minute}
	if cfg.Apply != want {
		t.Errorf("Apply = %+v, want %+v", cfg.Apply, want)
	}
	r := cfg.Routes[0]
	if r.Truncate != TruncateDelete {
		t.Errorf("truncate %q, want %q", r.Truncate, TruncateDelete)
	}
	for i, want := range []string{"reject", "skip"} {
		if r.Rules[i].Action != want {
			t.Errorf("rule %s: action %q, want %q", r.Rules[i].Name, r.Rules[i].Action, want)
		}
	}
	for i, want := range []struct{ refresh, onMissing string }{
		{"", "reject"},
		{"@every 5m", "reject"},
		{"*/10 * * * *", "keep"},
	} {
		l := r.Lookups[i]
		if l.Refresh != want.refresh || l.OnMissing != want.onMissing {
			t.Errorf("lookup %s: refresh %q, on_missing %q, want %q, %q", l.Column, l.Refresh, l.OnMissing, want.refresh, want.onMissing)
		}
	}
	if r.Rules[1].Line != 21 || r.Lookups[2].Line != 29 {
		t.Errorf("rule minors at line %d, lookup site at line %d, want 21 and 29", r.Rules[1].Line, r.Lookups[2].Line)
	}
}

func TestApplyDLQTopic(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ yaml, want string }{
		// A bad prefix is reported once, at kafka, not again through the default.
		{"  topic_prefix: a/b\n", `ferry.yaml:11: kafka: topic_prefix "a/b" may hold`},
		{"apply:\n  dlq_topic: ferry._relay_offsets\n", `ferry.yaml:13: apply: dlq_topic "ferry._relay_offsets" is also the relay's offsets_topic`},
		{"apply:\n  dlq_topic: ..\n", `ferry.yaml:13: apply: dlq_topic ".." may hold only`},
		{"apply:\n  dlq_topic: " + strings.Repeat("d", 250) + "\n", `ferry.yaml:13: apply: dlq_topic is 250 characters long; Kafka allows 249`},
	} {
		cfg, err := ParseWithEnv("ferry.yaml", []byte(applyBase+c.yaml), env(nil))
		if err != nil {
			t.Fatal(err)
		}
		err = cfg.Validate()
		if err == nil || strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("Validate with\n%s= %v\nwant one error: %s", c.yaml, err, c.want)
		}
	}
}
