package deploy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/internal/ferrytest"
	"github.com/ferry-cdc/ferry/internal/kafkatest"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// prometheusBin finds prometheus and promtool: in $FERRY_PROMETHEUS_BIN,
// which scripts/test.sh sets from scripts/prometheus.sh (that installs
// Debian's package), else on the PATH.
func prometheusBin(t *testing.T) (prom, promtool string) {
	t.Helper()
	if dir := os.Getenv("FERRY_PROMETHEUS_BIN"); dir != "" {
		return filepath.Join(dir, "prometheus"), filepath.Join(dir, "promtool")
	}
	prom, err1 := exec.LookPath("prometheus")
	promtool, err2 := exec.LookPath("promtool")
	if err1 != nil || err2 != nil {
		t.Skip("prometheus is not installed: run scripts/prometheus.sh bin (make test does) or set FERRY_PROMETHEUS_BIN")
	}
	return prom, promtool
}

// TestAlertRulesAndConfigAreValid runs promtool over deploy/prometheus.
func TestAlertRulesAndConfigAreValid(t *testing.T) {
	_, promtool := prometheusBin(t)
	for _, args := range [][]string{
		{"check", "rules", "prometheus/alerts.yml"},
		{"check", "config", "prometheus/prometheus.yml"},
	} {
		if out, err := exec.Command(promtool, args...).CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// panelQueries returns every query of the dashboard, by panel title, with
// Grafana's variables replaced as the dashboard's "All" would.
func panelQueries(t *testing.T) map[string][]string {
	t.Helper()
	data, err := os.ReadFile("grafana/ferry.json")
	if err != nil {
		t.Fatal(err)
	}
	type panel struct {
		Title   string  `json:"title"`
		Panels  []panel `json:"panels"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	}
	var dash struct {
		Panels []panel `json:"panels"`
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("grafana/ferry.json: %v", err)
	}
	vars := strings.NewReplacer("$__rate_interval", "1m", "$source", ".*", "$target", ".*", "$route", ".*")
	out := map[string][]string{}
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			for _, tg := range p.Targets {
				if tg.Expr != "" {
					out[p.Title] = append(out[p.Title], vars.Replace(tg.Expr))
				}
			}
			walk(p.Panels)
		}
	}
	walk(dash.Panels)
	if len(out) < 10 {
		t.Fatalf("the dashboard has queries in %d panels only", len(out))
	}
	return out
}

// TestDashboardQueriesReturnData: Prometheus scrapes a relay and an
// applier moving a workload (with changes a rule sends to the DLQ and
// changes a rule skips), and every query of every panel of the dashboard
// returns data through Prometheus's HTTP API: a renamed metric, or a
// query that no longer matches what Ferry exports, fails here.
func TestDashboardQueriesReturnData(t *testing.T) {
	prom, _ := prometheusBin(t)
	queries := panelQueries(t)
	brokers := kafkatest.Brokers(t)
	srcDSN, src := pgtest.NewDB(t)
	tgtDSN, tgt := pgtest.NewDB(t)
	pgtest.Exec(t, src, `CREATE TABLE item (id int PRIMARY KEY, v int NOT NULL)`)
	pgtest.Exec(t, tgt, `CREATE TABLE item (id int PRIMARY KEY, v int NOT NULL)`)
	prefix := kafkatest.Prefix(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "ferry.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`sources:
  - name: %[1]s
    dialect: postgres
    dsn: %[2]q
    tables: [{name: public.item}]
targets:
  - name: branch
    dialect: postgres
    dsn: %[3]q
kafka:
  brokers: [%[4]s]
  topic_prefix: %[1]s
routes:
  - from: %[1]s.public.item
    to: branch.public.item
    rules:
      - {name: negative, when: "v < 0", action: reject}
      - {name: thirteen, when: "v == 13", action: skip}
apply:
  group_id: %[1]s
relay:
  heartbeat: 500ms
`, prefix, srcDSN, tgtDSN, brokers)), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(ferrytest.Binary(t), "migrate", "up", "-c", cfg).CombinedOutput(); err != nil {
		t.Fatalf("migrate up: %v\n%s", err, out)
	}
	relayAddr, applyAddr := ferrytest.FreeAddr(t), ferrytest.FreeAddr(t)
	relay := ferrytest.Start(t, "relay", "-c", cfg, "--metrics-addr", relayAddr)
	apply := ferrytest.Start(t, "apply", "-c", cfg, "--metrics-addr", applyAddr)

	promAddr := ferrytest.FreeAddr(t)
	promCfg := filepath.Join(dir, "prometheus.yml")
	alerts, err := filepath.Abs("prometheus/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(promCfg, []byte(fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [%q]
scrape_configs:
  - job_name: ferry-relay
    static_configs: [{targets: [%q]}]
  - job_name: ferry-apply
    static_configs: [{targets: [%q]}]
`, alerts, relayAddr, applyAddr)), 0o600); err != nil {
		t.Fatal(err)
	}
	pcmd := exec.Command(prom, "--config.file="+promCfg, "--storage.tsdb.path="+filepath.Join(dir, "tsdb"),
		"--web.listen-address="+promAddr, "--log.level=warn")
	var promOut ferrytest.Output
	pcmd.Stdout, pcmd.Stderr = &promOut, &promOut
	if err := pcmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pcmd.Process.Kill(); pcmd.Wait() })

	// The workload: inserts and updates, a few negative (to the DLQ) and
	// a few thirteens (skipped), for 20 seconds.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rng := rand.New(rand.NewPCG(1, 2))
	for ctx.Err() == nil {
		v := rng.IntN(1000)
		switch rng.IntN(20) {
		case 0:
			v = -v - 1
		case 1:
			v = 13
		}
		if _, err := src.ExecContext(ctx, `INSERT INTO item VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v`, rng.IntN(500), v); err != nil && ctx.Err() == nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}

	query := func(expr string) (int, string, error) {
		resp, err := http.Get("http://" + promAddr + "/api/v1/query?query=" + url.QueryEscape(expr))
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		var r struct {
			Status string `json:"status"`
			Error  string `json:"error"`
			Data   struct {
				Result []struct {
					Value [2]any `json:"value"`
				} `json:"result"`
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &r); err != nil {
			return 0, "", fmt.Errorf("%s: %s", resp.Status, body)
		}
		if r.Status != "success" {
			return 0, "", fmt.Errorf("%s", r.Error)
		}
		values := make([]string, 0, len(r.Data.Result))
		for _, s := range r.Data.Result {
			values = append(values, fmt.Sprint(s.Value[1]))
		}
		return len(r.Data.Result), strings.Join(values, " "), nil
	}
	// Both targets scraped, and up.
	deadline := time.Now().Add(time.Minute)
	for {
		n, v, err := query(`sum(up{job=~"ferry-relay|ferry-apply"})`)
		if err == nil && n == 1 && v == "2" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus does not scrape both: %d %s %v\n%s\nrelay:\n%s\napply:\n%s", n, v, err, promOut.String(), relay.Out, apply.Out)
		}
		time.Sleep(500 * time.Millisecond)
	}
	for title, exprs := range queries {
		for _, expr := range exprs {
			n, values, err := query(expr)
			switch {
			case err != nil:
				t.Errorf("panel %q: %s: %v", title, expr, err)
			case n == 0:
				t.Errorf("panel %q: %s: no data", title, expr)
			case strings.Trim(strings.ReplaceAll(values, "NaN", ""), " ") == "":
				t.Errorf("panel %q: %s: only NaN", title, expr)
			}
		}
	}
	// The alert rules load and evaluate.
	resp, err := http.Get("http://" + promAddr + "/api/v1/rules")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), `"name":"FerryLagHigh"`) || strings.Contains(string(body), `"health":"err"`) {
		t.Errorf("the alert rules did not load or failed to evaluate: %s", body)
	}
}
