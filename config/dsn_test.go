package config

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestDSNString(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ dsn, want string }{
		// URL forms.
		{"postgres://ferry:s3cret@hq:5432/hq?sslmode=require", "postgres://ferry:xxxxx@hq:5432/hq?sslmode=require"},
		{"postgresql://ferry:s3c%40ret@hq/hq", "postgresql://ferry:xxxxx@hq/hq"},
		{"postgres://ferry:s3c@r/et?#@hq/hq", "postgres://ferry:xxxxx@hq/hq"}, // unescaped @ / ? # in the password
		{"postgres://ferry:@hq/hq", "postgres://ferry:xxxxx@hq/hq"},
		{"postgres://ferry@hq/hq", "postgres://ferry@hq/hq"},
		{"postgres://hq/hq?user=ferry&password=s3cret&sslmode=disable", "postgres://hq/hq?user=ferry&password=xxxxx&sslmode=disable"},
		{"sqlserver://sa:s3cret@branch:1433?database=branch", "sqlserver://sa:xxxxx@branch:1433?database=branch"},
		{"sqlserver://sa:s3cret@branch/SQLEXPRESS?database=b&encrypt=true", "sqlserver://sa:xxxxx@branch/SQLEXPRESS?database=b&encrypt=true"},
		{"sqlserver://branch?database=b&user id=sa&password=s3cret", "sqlserver://branch?database=b&user id=sa&password=xxxxx"},
		{"oracle://ferry:s3cret@plant:1521/PLANT?SSL=true", "oracle://ferry:xxxxx@plant:1521/PLANT?SSL=true"},
		// go-ora's options hold spaces, escaped in a URL: WALLET PASSWORD.
		{"oracle://ferry@plant:2484/PLANT?SSL=true&WALLET=/w&WALLET%20PASSWORD=s3cret", "oracle://ferry@plant:2484/PLANT?SSL=true&WALLET=/w&WALLET%20PASSWORD=xxxxx"},
		{"oracle://ferry@plant:2484/PLANT?WALLET+PASSWORD=s3cret&SSL=true", "oracle://ferry@plant:2484/PLANT?WALLET+PASSWORD=xxxxx&SSL=true"},
		// An @ in the query cannot be told from one in the password: hide more.
		{"postgres://ferry:s3cret@hq/hq?application_name=a@b", "postgres://ferry:xxxxx@b"},
		// libpq key=value.
		{"host=hq user=ferry password=s3cret dbname=hq", "host=hq user=ferry password=xxxxx dbname=hq"},
		{"password=s3cret", "password=xxxxx"},
		{"host=hq password='s3 cret' dbname=hq", "host=hq password=xxxxx dbname=hq"},
		{`host=hq password='s3\' cret' dbname=hq`, "host=hq password=xxxxx dbname=hq"},
		{"host=hq password = s3cret dbname=hq", "host=hq password = xxxxx dbname=hq"},
		{"host=hq sslpassword=s3cret sslkey=/k.pem", "host=hq sslpassword=xxxxx sslkey=/k.pem"},
		{"host=hq password='s3cret", "host=hq password=xxxxx"}, // unterminated quote
		// SQL Server ADO and ODBC.
		{"server=branch;user id=sa;Password=s3cret;database=branch", "server=branch;user id=sa;Password=xxxxx;database=branch"},
		{"Server=branch;Password=s3 cret;Database=branch;", "Server=branch;Password=xxxxx;Database=branch;"},
		{"Server=branch;Password=s3;cret;Database=branch", "Server=branch;Password=xxxxx;Database=branch"},
		{"Server=branch;UID=sa;PWD=s3cret", "Server=branch;UID=sa;PWD=xxxxx"},
		{`Server=branch;Password="s3;""cret";Database=branch`, "Server=branch;Password=xxxxx;Database=branch"},
		{"Server=branch;Password='s3;''cret';Database=branch", "Server=branch;Password=xxxxx;Database=branch"},
		{"odbc:server=branch;user id=sa;password={s3;cr}}et};database=branch", "odbc:server=branch;user id=sa;password=xxxxx;database=branch"},
		{"Server=branch;Trust Store Password=s3cret;Encrypt=true", "Server=branch;Trust Store Password=xxxxx;Encrypt=true"},
		// Oracle easy connect.
		{"ferry/s3cret@plant:1521/PLANT", "ferry/xxxxx@plant:1521/PLANT"},
		{"ferry/s3c@ret@//plant:1521/PLANT", "ferry/xxxxx@//plant:1521/PLANT"},
		// Nothing to hide.
		{"", ""},
		{"host=hq user=ferry dbname=hq", "host=hq user=ferry dbname=hq"},
		{"file:ferry.db?cache=shared", "file:ferry.db?cache=shared"},
	} {
		got := DSN(c.dsn).String()
		if got != c.want {
			t.Errorf("DSN(%q).String()\n got %q\nwant %q", c.dsn, got, c.want)
		}
		for _, secret := range []string{"s3cret", "cret", "s3c"} {
			if strings.Contains(got, secret) {
				t.Errorf("DSN(%q).String() = %q leaks %q", c.dsn, got, secret)
			}
		}
		if DSN(c.dsn).Secret() != c.dsn {
			t.Errorf("DSN(%q).Secret() = %q", c.dsn, DSN(c.dsn).Secret())
		}
	}
}

// TestConfigNeverPrintsSecret prints, marshals and logs a whole Config the
// ways code is likely to, and looks for the password in every output.
func TestConfigNeverPrintsSecret(t *testing.T) {
	t.Parallel()
	const secret = "s3cret"
	cfg := &Config{
		File: "ferry.yaml",
		Sources: []Source{{
			Name: "hq", Dialect: "postgres",
			DSN:    "postgres://ferry:s3cret@hq/hq",
			Tables: []Table{{Name: "emp"}},
		}},
		Targets: []Target{
			{Name: "branch", Dialect: "sqlserver", DSN: "server=branch;user id=sa;password=s3cret"},
			{Name: "plant", Dialect: "oracle", DSN: "ferry/s3cret@plant:1521/PLANT"},
		},
		Kafka: Kafka{
			Brokers: []string{"kafka:9092"},
			Properties: Properties{
				"sasl.password":    "s3cret",
				"ssl.key.password": "s3cret",
				"ssl.key.pem":      "-----BEGIN PRIVATE KEY-----s3cret",
				"client.id":        "ferry",
			},
		},
	}
	dsn := cfg.Sources[0].DSN

	var outputs []string
	add := func(how string, b []byte, err error) {
		if err != nil {
			t.Fatalf("%s: %v", how, err)
		}
		outputs = append(outputs, how+": "+string(b))
	}
	add("fmt", []byte(fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg)), nil)
	// Verbs vet would reject for a struct are still used by mistake; fmt
	// then applies them to each field, DSN included.
	for _, verb := range []string{"%s", "%q", "%x", "%X", "%d", "%10.40s"} {
		add(verb, []byte(fmt.Sprintf(verb, cfg)), nil)
	}
	add("fmt value", []byte(fmt.Sprintf("%v %+v %#v", *cfg, cfg.Sources, cfg.Kafka)), nil)
	add("fmt dsn", []byte(fmt.Sprintf("%v %s %q %#v %x %X %T|%-50s|", dsn, dsn, dsn, dsn, dsn, dsn, dsn, dsn)), nil)
	for _, verb := range []string{"%d", "%t", "%08.3f"} {
		add(verb+" dsn", []byte(fmt.Sprintf(verb, dsn)), nil)
	}
	add("fmt.Sprint", []byte(fmt.Sprint(dsn, cfg.Kafka.Properties)+fmt.Sprintln(dsn)), nil)
	add("error", []byte(fmt.Errorf("connect to %s: %w", dsn, errors.New("refused")).Error()), nil)
	b, err := json.Marshal(cfg)
	add("json", b, err)
	b, err = yaml.Marshal(cfg)
	add("yaml", b, err)
	b, err = dsn.MarshalText()
	add("text", b, err)
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("start", "dsn", dsn, "config", cfg, "props", cfg.Kafka.Properties)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("start", "dsn", dsn, "config", cfg, "props", cfg.Kafka.Properties)
	add("slog", buf.Bytes(), nil)

	hexSecret := hex.EncodeToString([]byte(secret))
	for _, out := range outputs {
		if strings.Contains(out, secret) || strings.Contains(strings.ToLower(out), hexSecret) {
			t.Errorf("secret leaked through %s", out)
		}
	}
	// And the output is still useful: the user and host are there.
	if all := strings.Join(outputs, "\n"); !strings.Contains(all, "postgres://ferry:xxxxx@hq/hq") ||
		!strings.Contains(all, "client.id") {
		t.Errorf("redacted output lost the non-secret parts:\n%s", all)
	}
}
