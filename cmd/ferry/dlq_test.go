package main

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ferry-cdc/ferry/config"
	"github.com/ferry-cdc/ferry/dlq"
	"github.com/ferry-cdc/ferry/internal/kafkatest"
)

func TestDLQListAndShow(t *testing.T) {
	t.Parallel()
	brokers := kafkatest.Brokers(t)
	prefix := kafkatest.Prefix(t)
	topic := prefix + "._dlq"
	path := writeFile(t, "ferry.yaml", `sources:
  - name: hq
    dialect: postgres
    dsn: postgres://app@127.0.0.1:1/db
    tables: [{name: public.emp}]
targets:
  - name: branch
    dialect: postgres
    dsn: postgres://app@127.0.0.1:1/db
  - name: hub
    dialect: postgres
    dsn: postgres://app@127.0.0.1:1/db
kafka:
  brokers: [`+brokers+`]
  topic_prefix: `+prefix+`
routes:
  - from: hq.public.emp
    to: branch.public.staff
  - from: hq.public.emp
    to: hub.public.emp
`)

	// Before anything failed, the topic does not even exist.
	out, errOut, code := ferry(t, nil, "dlq", "list", "-c", path)
	if code != 0 || out != "the DLQ "+topic+" is empty\n" {
		t.Fatalf("list of no DLQ: exit %d\n%s%s", code, out, errOut)
	}

	kafkatest.CreateTopic(t, topic, 2, nil)
	w, err := dlq.NewWriter(config.Kafka{Brokers: []string{brokers}}, topic)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	const (
		toBranch = "hq.public.emp -> branch.public.staff"
		toHub    = "hq.public.emp -> hub.public.emp"
	)
	src := prefix + ".hq.public.emp"
	first := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	entry := func(route string, offset int64, class, why string, minutes int) *dlq.Entry {
		return &dlq.Entry{
			Topic: src, Partition: 0, Offset: offset, Key: []byte(`{"id":7}`),
			Value: []byte(`{"op":"u","after":{"id":7,"name":"Ann"}}`),
			Route: route, Class: class, Error: why, First: first.Add(time.Duration(minutes) * time.Minute), Attempts: 1,
		}
	}
	long := "ERROR: value too long for type character varying(3) (SQLSTATE 22001) " + strings.Repeat("and more ", 10)
	rejected := entry(toBranch, 4, dlq.ClassRejected, long, 1)
	parked := entry(toBranch, 6, dlq.ClassParked, "an earlier change of this key is in the DLQ", 2)
	replayed := entry(toBranch, 2, dlq.ClassRejected, long, 0)
	hub := entry(toHub, 4, dlq.ClassRejected, "ERROR: null value in column \"x\"", 3)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := w.Write(ctx, []*dlq.Entry{replayed, rejected, parked, hub, rejected, replayed.Resolution()}); err != nil {
		t.Fatal(err)
	}

	out, errOut, code = ferry(t, nil, "dlq", "list", "-c", path)
	if code != 0 {
		t.Fatalf("list: exit %d\n%s%s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	want := []*regexp.Regexp{
		regexp.MustCompile(`^ROUTE +CLASS +COUNT +NEWEST +OLDEST +REASON$`),
		regexp.MustCompile(`^hq\.public\.emp -> hub\.public\.emp +rejected +1 +2025-03-01T12:03:00Z +2025-03-01T12:03:00Z +ERROR: null value in column "x"$`),
		regexp.MustCompile(`^hq\.public\.emp -> branch\.public\.staff +parked +1 +2025-03-01T12:02:00Z .* an earlier change`),
		regexp.MustCompile(`^hq\.public\.emp -> branch\.public\.staff +rejected +1 +2025-03-01T12:01:00Z .* ERROR: value too long .*…$`),
		regexp.MustCompile(`^total: 3 outstanding in the DLQ ` + topic + `$`),
	}
	if len(lines) != len(want) {
		t.Fatalf("list:\n%s", out)
	}
	for i, re := range want {
		if !re.MatchString(lines[i]) {
			t.Errorf("list line %d does not match %s:\n%s", i+1, re, out)
		}
	}
	for i, class := range []string{"rejected", "parked", "rejected"} {
		line := lines[i+1]
		if !strings.HasPrefix(line[strings.Index(lines[0], "CLASS"):], class) || !strings.HasPrefix(line[strings.Index(lines[0], "REASON"):], "ERROR") && class != "parked" {
			t.Errorf("list columns are not aligned:\n%s", out)
		}
	}

	out, _, code = ferry(t, nil, "dlq", "list", "-c", path, "--json", "--target", "branch")
	var groups struct {
		Topic  string
		Total  int
		Groups []dlq.Group
	}
	if err := json.Unmarshal([]byte(out), &groups); code != 0 || err != nil {
		t.Fatalf("list --json: exit %d, %v\n%s", code, err, out)
	}
	if groups.Topic != topic || groups.Total != 2 || len(groups.Groups) != 2 ||
		groups.Groups[0].Class != dlq.ClassParked || groups.Groups[1].Count != 1 || groups.Groups[1].Reason != dlq.Reason(long) ||
		!groups.Groups[1].Newest.Equal(rejected.First) {
		t.Errorf("list --json --target branch:\n%s", out)
	}

	out, _, code = ferry(t, nil, "dlq", "list", "-c", path, "--entries", "--json")
	var entries struct {
		Entries []struct{ ID, Route, Error string }
	}
	if err := json.Unmarshal([]byte(out), &entries); code != 0 || err != nil {
		t.Fatalf("list --entries --json: exit %d, %v\n%s", code, err, out)
	}
	var got []string
	for _, e := range entries.Entries {
		got = append(got, e.ID+" "+e.Route)
	}
	if g, w := strings.Join(got, "\n"), strings.Join([]string{rejected.ID() + " " + toBranch, hub.ID() + " " + toHub, parked.ID() + " " + toBranch}, "\n"); g != w {
		t.Errorf("list --entries --json in replay order:\n%s\nwant\n%s", g, w)
	}

	out, _, code = ferry(t, nil, "dlq", "list", "-c", path, "--entries", "--target", "hub")
	if code != 0 || !regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(hub.ID())+` +hq\.public\.emp -> hub\.public\.emp +rejected +1 +2025-03-01T12:03:00Z +ERROR`).MatchString(out) ||
		!strings.Contains(out, "total: 1 outstanding") {
		t.Errorf("list --entries --target hub: exit %d\n%s", code, out)
	}

	out, errOut, code = ferry(t, nil, "dlq", "show", "-c", path, "--target", "branch", rejected.ID())
	if code != 0 {
		t.Fatalf("show: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"entry       " + rejected.ID(),
		"status      outstanding",
		"(2 versions)",
		"  ferry.dlq.route          " + toBranch + "\n",
		"  ferry.dlq.error          " + long + "\n",
		"  ferry.dlq.first_failure  2025-03-01T12:01:00Z\n",
		"key:\n  {\n    \"id\": 7\n  }\n",
		"value:\n  {\n    \"op\": \"u\",\n    \"after\": {\n      \"id\": 7,\n      \"name\": \"Ann\"\n    }\n  }\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}

	// Without --target, an ID both targets failed on shows both.
	out, _, code = ferry(t, nil, "dlq", "show", "-c", path, rejected.ID())
	if code != 0 || strings.Count(out, "entry       "+rejected.ID()) != 2 || !strings.Contains(out, toHub) {
		t.Errorf("show of an ID of two targets: exit %d\n%s", code, out)
	}

	out, _, code = ferry(t, nil, "dlq", "show", "-c", path, replayed.ID())
	if code != 0 || !strings.Contains(out, "status      resolved (marker at partition") || !strings.Contains(out, "ferry.dlq.class          rejected") {
		t.Errorf("show of a replayed entry: exit %d\n%s", code, out)
	}

	_, errOut, code = ferry(t, nil, "dlq", "show", "-c", path, src+"/0/99")
	if code != exitFailed || !strings.Contains(errOut, "no entry "+src+"/0/99 in the DLQ "+topic) {
		t.Errorf("show of an unknown ID: exit %d, stderr %q", code, errOut)
	}
	_, errOut, code = ferry(t, nil, "dlq", "show", "-c", path, "nonsense")
	if code != exitUsage || !strings.Contains(errOut, "want topic/partition/offset") {
		t.Errorf("show of a malformed ID: exit %d, stderr %q", code, errOut)
	}
	_, errOut, code = ferry(t, nil, "dlq", "list", "-c", path, "--target", "nope")
	if code != exitUsage || !strings.Contains(errOut, "--target nope: no such target") {
		t.Errorf("list --target nope: exit %d, stderr %q", code, errOut)
	}
}
