package config_test

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/ferry-cdc/ferry/config"
)

// TestAPanicPrintsNoSecret panics, in a child process, with a config's
// secret-bearing values as a careless caller might, and reads what the
// runtime printed: a DSN, properties, an error wrapping them, the whole
// config. The runtime prints a value through its Error or String method,
// which redact, or not at all.
func TestAPanicPrintsNoSecret(t *testing.T) {
	t.Parallel()
	const dsnSecret, saslSecret, keySecret = "dsnS3cretPanic", "saslS3cretPanic", "keyS3cretPanic"
	cfg, err := config.Parse("panic.yaml", []byte(`sources:
  - name: hq
    dialect: postgres
    dsn: postgres://ferry:`+dsnSecret+`@db.example/hq
    tables: [{name: emp}]
kafka:
  brokers: [k:9092]
  properties: {sasl.password: `+saslSecret+`, ssl.key.password: `+keySecret+`}
`))
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]any{
		"dsn":        cfg.Sources[0].DSN,
		"properties": cfg.Kafka.Properties,
		"error":      fmt.Errorf("connect with %v and %v", cfg.Sources[0].DSN, cfg.Kafka.Properties),
		"config":     *cfg,
		"pointer":    cfg,
	}
	if what := os.Getenv("FERRY_TEST_PANIC_WITH"); what != "" {
		panic(values[what])
	}
	for what := range values {
		t.Run(what, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestAPanicPrintsNoSecret$")
			cmd.Env = append(os.Environ(), "FERRY_TEST_PANIC_WITH="+what)
			out, err := cmd.CombinedOutput()
			if err == nil || !strings.Contains(string(out), "panic:") {
				t.Fatalf("the child did not panic (%v):\n%s", err, out)
			}
			for _, s := range []string{dsnSecret, saslSecret, keySecret} {
				if strings.Contains(string(out), s) {
					t.Errorf("a panic with the %s printed a secret:\n%s", what, out)
				}
			}
		})
	}
}
