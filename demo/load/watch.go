package main

import (
	"bufio"
	"context"
	stdsql "database/sql"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/ferry-cdc/ferry/sql/postgres"
)

// tables are the demo's tables, parents first.
var tables = []string{"departments", "employees"}

// watcher samples the pipeline: the source's outbox, both databases' row
// counts, the relay's and applier's metrics, and the Kafka topics' ends
// against the offsets the applier stored in the target.
type watcher struct {
	o        *opts
	src, tgt *stdsql.DB
	kc       *kafka.Consumer
	http     *http.Client
	parts    map[string][]int32 // topic -> partitions, once known
	seqName  string
}

// sample is one look at the pipeline. A part that could not be read leaves
// its ok flag false.
type sample struct {
	at       time.Time
	captured int64 // changes the source's triggers wrote to the outbox
	capOK    bool
	rows     map[string][2]int64 // table -> source, target
	rowsOK   bool

	relayed float64 // ferry_relay_changes_produced_total
	relayOK bool

	applied, dlq, held float64 // ferry_apply_changes_applied_total, _dlq_total, _held_total
	applyOK            bool

	kafkaLag  int64 // messages in the change topics the applier has not stored an offset past
	offsetSum int64 // sum of the stored offsets: moves whenever the applier commits
	drained   bool  // every partition applied to its end
	kafkaOK   bool
	kafkaErr  string
}

// newWatcher connects to the source, the target and Kafka; close frees all three.
func newWatcher(ctx context.Context, o *opts) (*watcher, error) {
	src, err := postgres.Dialect{}.Open(o.sourceDSN)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	tgt, err := postgres.Dialect{}.Open(o.targetDSN)
	if err != nil {
		src.Close()
		return nil, fmt.Errorf("target: %w", err)
	}
	w := &watcher{o: o, src: src, tgt: tgt, http: &http.Client{Timeout: 2 * time.Second}, parts: map[string][]int32{}}
	kc, err := kafka.NewConsumer(&kafka.ConfigMap{
		"bootstrap.servers": o.brokers, "group.id": o.prefix + "-demo-watch",
		"enable.auto.commit": false, "go.logs.channel.enable": false, "log_level": 0,
	})
	if err != nil {
		src.Close()
		tgt.Close()
		return nil, fmt.Errorf("kafka client: %w", err)
	}
	w.kc = kc
	return w, nil
}

func (w *watcher) close() {
	w.kc.Close()
	w.src.Close()
	w.tgt.Close()
}

func (w *watcher) topics() []string {
	out := make([]string, len(tables))
	for i, t := range tables {
		out[i] = w.o.prefix + ".public." + t
	}
	return out
}

func (w *watcher) sample(ctx context.Context) sample {
	s := sample{at: time.Now(), rows: map[string][2]int64{}}
	qctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()

	if w.seqName == "" {
		var name *string
		if err := w.src.QueryRowContext(qctx, `SELECT pg_get_serial_sequence('ferry.outbox', 'seq')`).Scan(&name); err == nil && name != nil {
			w.seqName = *name
		}
	}
	if w.seqName != "" {
		err := w.src.QueryRowContext(qctx, `SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM `+w.seqName).Scan(&s.captured)
		s.capOK = err == nil
	}

	s.rowsOK = true
	for _, t := range tables {
		var n [2]int64
		if err := w.src.QueryRowContext(qctx, `SELECT count(*) FROM public.`+t).Scan(&n[0]); err != nil {
			s.rowsOK = false
		}
		if err := w.tgt.QueryRowContext(qctx, `SELECT count(*) FROM public.`+t).Scan(&n[1]); err != nil {
			s.rowsOK = false
		}
		s.rows[t] = n
	}

	if m, err := w.metrics(qctx, w.o.relayMetrics); err == nil {
		s.relayed, s.relayOK = m["ferry_relay_changes_produced_total"], true
	}
	if m, err := w.metrics(qctx, w.o.applyMetrics); err == nil {
		s.applied, s.dlq, s.held = m["ferry_apply_changes_applied_total"], m["ferry_apply_dlq_total"], m["ferry_apply_held_total"]
		s.applyOK = true
	}

	if err := w.kafkaLag(qctx, &s); err != nil {
		s.kafkaErr = err.Error()
	} else {
		s.kafkaOK = true
	}
	return s
}

// metrics reads a Prometheus text page and sums each metric over its labels.
func (w *watcher) metrics(ctx context.Context, url string) (map[string]float64, error) {
	if url == "" {
		return nil, fmt.Errorf("no metrics URL")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := w.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", url, resp.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		sp := strings.LastIndexByte(line, ' ')
		if sp < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[sp+1:], 64)
		if err != nil {
			continue
		}
		name := line[:sp]
		if i := strings.IndexByte(name, '{'); i >= 0 {
			name = name[:i]
		}
		out[name] += v
	}
	return out, sc.Err()
}

// kafkaLag compares each change topic partition's end with the offset the
// applier stored for it in the target (ferry.apply_offsets, written in the
// same transaction as the rows). The relay writes in Kafka transactions, so
// a partition ends with a commit marker the applier never sees: a partition
// is applied to its end when the stored next offset is at that marker.
func (w *watcher) kafkaLag(ctx context.Context, s *sample) error {
	stored := map[string]int64{}
	var exists bool
	if err := w.tgt.QueryRowContext(ctx, `SELECT to_regclass('ferry.apply_offsets') IS NOT NULL`).Scan(&exists); err != nil {
		return err
	}
	if exists {
		rows, err := w.tgt.QueryContext(ctx, `SELECT topic, partition, next_offset FROM ferry.apply_offsets WHERE group_id = $1`, w.o.applyGroup)
		if err != nil {
			return err
		}
		for rows.Next() {
			var topic string
			var p int32
			var next int64
			if err := rows.Scan(&topic, &p, &next); err != nil {
				rows.Close()
				return err
			}
			stored[fmt.Sprintf("%s/%d", topic, p)] = next
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	ms := 2000
	if dl, ok := ctx.Deadline(); ok {
		ms = max(1, int(time.Until(dl).Milliseconds()))
	}
	s.drained = true
	for _, topic := range w.topics() {
		parts, err := w.partitions(topic, ms)
		if err != nil {
			return err
		}
		for _, p := range parts {
			_, high, err := w.kc.QueryWatermarkOffsets(topic, p, ms)
			if err != nil {
				return fmt.Errorf("end of %s[%d]: %w", topic, p, err)
			}
			next := stored[fmt.Sprintf("%s/%d", topic, p)]
			s.offsetSum += next
			if high > 0 && next < high-1 {
				s.drained = false
				s.kafkaLag += high - 1 - next
			}
		}
	}
	return nil
}

func (w *watcher) partitions(topic string, ms int) ([]int32, error) {
	if p, ok := w.parts[topic]; ok {
		return p, nil
	}
	md, err := w.kc.GetMetadata(&topic, false, ms)
	if err != nil {
		return nil, fmt.Errorf("metadata of %s: %w", topic, err)
	}
	tm, ok := md.Topics[topic]
	if !ok || tm.Error.Code() != kafka.ErrNoError || len(tm.Partitions) == 0 {
		return nil, fmt.Errorf("topic %s does not exist yet", topic)
	}
	var parts []int32
	for _, p := range tm.Partitions {
		parts = append(parts, p.ID)
	}
	w.parts[topic] = parts
	return parts, nil
}

// lines renders a sample for the live view: what was written, relayed and
// applied, the lag of each stage, and the row counts on both sides.
func (s sample) lines(written int64, elapsed time.Duration, rate float64) []string {
	num := func(ok bool, v float64) string {
		if !ok {
			return "?"
		}
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	relayLag := "?"
	if s.capOK && s.relayOK {
		relayLag = strconv.FormatInt(max(0, s.captured-int64(s.relayed)), 10)
	}
	applyLag := "?"
	if s.kafkaOK {
		applyLag = strconv.FormatInt(s.kafkaLag, 10)
	}
	rows := make([]string, 0, len(tables))
	for _, t := range tables {
		n := s.rows[t]
		if s.rowsOK {
			rows = append(rows, fmt.Sprintf("%s %d / %d", t, n[0], n[1]))
		} else {
			rows = append(rows, t+" ?")
		}
	}
	return []string{
		fmt.Sprintf("%4.0fs  source  %6d changes written (%3.0f/s), %s captured in the outbox", elapsed.Seconds(), written, rate, num(s.capOK, float64(s.captured))),
		fmt.Sprintf("       relay   %6s in Kafka                       lag %s", num(s.relayOK, s.relayed), relayLag),
		fmt.Sprintf("       apply   %6s applied, %s to the DLQ, %s held   lag %s", num(s.applyOK, s.applied), num(s.applyOK, s.dlq), num(s.applyOK, s.held), applyLag),
		"       rows    " + strings.Join(rows, ", ") + "   (source / target)",
	}
}
