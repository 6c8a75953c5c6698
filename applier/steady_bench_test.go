package applier_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/ferry-cdc/ferry/internal/ferrytest"
	"github.com/ferry-cdc/ferry/internal/kafkaread"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// BenchmarkSteadyLoad (issue 13): the steady workload of the issue, against
// the relay and the applier as the real binaries: single-row transactions
// from 8 connections at BENCH_RATE changes/s (default 2,000) for
// BENCH_SECONDS (default 30), 40% inserts, 40% updates, 20% deletes. It
// reports:
//
//   - end-to-end latency per change, from the source's COMMIT returning to
//     the target's trigger writing the row (p50, p95, p99, max), and the
//     rate achieved;
//   - the median and p99 of each stage from the daemons' own histograms
//     (ferry_relay_change_age_seconds, ferry_apply_change_age_seconds:
//     time from the source commit to read, Kafka-committed, consumed,
//     applied);
//   - CPU-seconds per 1,000 changes of the relay, the applier, PostgreSQL
//     (every server process) and the broker, from /proc;
//   - the broker's CPU for the same messages sent by a plain producer and
//     read by a plain consumer, not transactional, at the same rate
//     (broker_vs_plain: Ferry's broker CPU per change over that).
//
// Everything runs on one machine: numbers from a busy machine are not
// comparable with a quiet one's (docs/benchmarks.md). BENCH_RELAY adds
// settings to the relay's section of the config, for comparing them
// (benchRelay).
//
//	go test -run '^$' -bench SteadyLoad -benchtime 1x ./applier/
func BenchmarkSteadyLoad(b *testing.B) {
	rate, seconds := envInt("BENCH_RATE", 2000), envInt("BENCH_SECONDS", 30)
	for i := 0; i < b.N; i++ {
		p := newPipelineWith(b, options{relay: benchRelay(), targetSQL: []string{
			`CREATE TABLE arrived (tag text PRIMARY KEY, at timestamptz NOT NULL)`,
			`CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
				IF TG_OP = 'DELETE' THEN
					INSERT INTO arrived VALUES ('d' || OLD.id, clock_timestamp()) ON CONFLICT DO NOTHING;
				ELSE
					INSERT INTO arrived VALUES ('v' || NEW.v, clock_timestamp()) ON CONFLICT DO NOTHING;
				END IF;
				RETURN NULL;
			END $$`,
			`CREATE TRIGGER stamp AFTER INSERT OR UPDATE OR DELETE ON steady FOR EACH ROW EXECUTE FUNCTION stamp()`,
		}}, `CREATE TABLE steady (id bigint PRIMARY KEY, v bigint NOT NULL, note text NOT NULL)`)
		// Rows for the first updates and deletes, carried before the clock starts.
		const preload = 16_000
		pgtest.Exec(b, p.src, fmt.Sprintf(`INSERT INTO steady SELECT g, -g, 'a short note of some length' FROM generate_series(0, %d) g`, preload-1))
		relayAddr, applyAddr := ferrytest.FreeAddr(b), ferrytest.FreeAddr(b)
		relay, relayOut := p.spawn("relay", "--metrics-addr", relayAddr)
		apply, applyOut := p.spawn("apply", "--metrics-addr", applyAddr)
		if os.Getenv("BENCH_VERBOSE") != "" {
			defer func() { b.Logf("relay:\n%s\napply:\n%s", relayOut, applyOut) }()
		}
		p.waitCount(`SELECT count(*) FROM steady`, preload, 2*time.Minute)
		time.Sleep(2 * time.Second)

		postgresPids(b) // skips without a local cluster
		procs := map[string][]int{
			"relay":  {relay.Process.Pid},
			"apply":  {apply.Process.Pid},
			"broker": {brokerPid(b)},
		}
		cpu0, t0 := cpuSeconds(procs), time.Now()
		relay0, apply0 := scrape(b, relayAddr), scrape(b, applyAddr)

		w := steadyWorkload(b, p, rate, seconds, preload)

		// Wait for the changes to arrive, then read the counters.
		deadline := time.Now().Add(2 * time.Minute)
		for p.count(`SELECT count(*) FROM arrived WHERE tag NOT LIKE 'v-%'`) < w.arrivable && time.Now().Before(deadline) {
			time.Sleep(200 * time.Millisecond)
		}
		cpu1, t1 := cpuSeconds(procs), time.Now()
		relay1, apply1 := scrape(b, relayAddr), scrape(b, applyAddr)

		if os.Getenv("BENCH_VERBOSE") != "" {
			for _, name := range []string{"ferry_apply_batch_duration_seconds", "ferry_apply_batch_changes", "ferry_relay_batch_duration_seconds", "ferry_relay_batch_changes"} {
				for _, mfs := range []map[string]*dto.MetricFamily{relay1, apply1} {
					if mf := mfs[name]; mf != nil {
						for _, m := range mf.GetMetric() {
							h := m.GetHistogram()
							b.Logf("%s: count %d sum %.3f mean %.4f", name, h.GetSampleCount(), h.GetSampleSum(), h.GetSampleSum()/float64(h.GetSampleCount()))
							if strings.HasSuffix(name, "_seconds") {
								before := relay0
								if strings.HasPrefix(name, "ferry_apply") {
									before = apply0
								}
								d := histogramDelta(mfs, before, name, "")
								b.Logf("%s: p50 %.4f p99 %.4f", name, d.quantile(0.5), d.quantile(0.99))
							}
						}
					}
				}
			}
		}
		lat := steadyLatencies(b, p, w.committed)
		if len(lat) < w.arrivable*9/10 {
			b.Fatalf("only %d of %d changes measured", len(lat), w.arrivable)
		}
		b.ReportMetric(float64(w.done)/w.elapsed.Seconds(), "changes/s")
		b.ReportMetric(pct(lat, 50), "p50_ms")
		b.ReportMetric(pct(lat, 95), "p95_ms")
		b.ReportMetric(pct(lat, 99), "p99_ms")
		b.ReportMetric(lat[len(lat)-1], "max_ms")
		for _, s := range []struct{ name, metric, stage string }{
			{"read", "ferry_relay_change_age_seconds", "read"},
			{"kafka", "ferry_relay_change_age_seconds", "kafka_committed"},
			{"consumed", "ferry_apply_change_age_seconds", "consumed"},
			{"applied", "ferry_apply_change_age_seconds", "applied"},
		} {
			before, after := relay0, relay1
			if strings.HasPrefix(s.metric, "ferry_apply") {
				before, after = apply0, apply1
			}
			h := histogramDelta(after, before, s.metric, s.stage)
			b.ReportMetric(h.quantile(0.5)*1000, s.name+"_p50_ms")
			b.ReportMetric(h.quantile(0.99)*1000, s.name+"_p99_ms")
		}
		per := float64(w.done) / 1000
		for _, name := range []string{"relay", "apply", "postgres", "broker"} {
			b.ReportMetric((cpu1[name]-cpu0[name])/per, name+"_cpu_s/1k")
		}
		// Steal, as a share of the machine's CPU time during the run.
		b.ReportMetric((cpu1["steal"]-cpu0["steal"])/(t1.Sub(t0).Seconds()*float64(runtime.NumCPU())), "steal_share")
		plain := plainBrokerCPU(b, p, rate)
		b.ReportMetric(plain*1000, "plain_broker_cpu_s/1k")
		b.ReportMetric((cpu1["broker"]-cpu0["broker"])/per/(plain*1000), "broker_vs_plain")
	}
}

type steadyRun struct {
	committed map[string]time.Time // tag ("v<n>" or "d<id>") -> COMMIT returned
	done      int                  // transactions committed
	arrivable int                  // tags the target can record (all of them)
	elapsed   time.Duration
}

// steadyWorkload runs the mix from 8 connections, each on its own
// keys (id mod 8), paced to rate transactions a second.
func steadyWorkload(b *testing.B, p *pipeline, rate, seconds, preload int) steadyRun {
	const conns = 8
	p.src.SetMaxOpenConns(conns)
	p.src.SetMaxIdleConns(conns) // an application keeps its connections: no reconnect per change
	total := rate * seconds
	jobs := make(chan int, total)
	type result struct {
		committed map[string]time.Time
		done      int
	}
	results := make([]result, conns)
	var wg sync.WaitGroup
	for c := range conns {
		var live []int64
		for id := c; id < preload; id += conns {
			live = append(live, int64(id))
		}
		next := int64(preload + c) // this connection's keys: id mod conns = c
		results[c].committed = map[string]time.Time{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(c), 13))
			r := &results[c]
			for n := range jobs {
				var err error
				var tag string
				switch op := n % 10; {
				case op < 4 || len(live) == 0:
					id := next
					next += conns
					_, err = p.src.Exec(`INSERT INTO steady VALUES ($1, $2, 'a short note of some length')`, id, n)
					live = append(live, id)
					tag = "v" + strconv.Itoa(n)
				case op < 8:
					_, err = p.src.Exec(`UPDATE steady SET v = $2 WHERE id = $1`, live[rnd.IntN(len(live))], n)
					tag = "v" + strconv.Itoa(n)
				default:
					k := rnd.IntN(len(live))
					id := live[k]
					live[k] = live[len(live)-1]
					live = live[:len(live)-1]
					_, err = p.src.Exec(`DELETE FROM steady WHERE id = $1`, id)
					tag = "d" + strconv.FormatInt(id, 10)
				}
				if err != nil {
					b.Errorf("workload: %v", err)
					continue
				}
				r.committed[tag] = time.Now()
				r.done++
			}
		}()
	}
	start := time.Now()
	for n := 0; n < total; {
		due := min(int(time.Since(start).Seconds()*float64(rate)), total)
		for ; n < due; n++ {
			jobs <- n
		}
		time.Sleep(time.Millisecond)
	}
	close(jobs)
	wg.Wait()
	run := steadyRun{committed: map[string]time.Time{}, elapsed: time.Since(start)}
	for _, r := range results {
		for k, v := range r.committed {
			run.committed[k] = v
		}
		run.done += r.done
	}
	run.arrivable = len(run.committed)
	return run
}

// steadyLatencies is the milliseconds from each change's COMMIT to its
// arrival in the target, sorted. A change superseded within one applier
// batch by a later change of its key never arrives as itself and is not
// counted.
func steadyLatencies(b *testing.B, p *pipeline, committed map[string]time.Time) []float64 {
	rows, err := p.tgt.Query(`SELECT tag, at FROM arrived`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var lat []float64
	for rows.Next() {
		var tag string
		var at time.Time
		if err := rows.Scan(&tag, &at); err != nil {
			b.Fatal(err)
		}
		if c, ok := committed[tag]; ok {
			lat = append(lat, float64(at.Sub(c).Microseconds())/1000)
		}
	}
	slices.Sort(lat)
	return lat
}

// benchRelay is BENCH_RELAY, extra YAML for the relay section of the
// benchmark's config, one setting a line ("  transaction_gap: 20ms").
func benchRelay() string {
	if y := os.Getenv("BENCH_RELAY"); y != "" {
		return strings.TrimRight(y, "\n") + "\n"
	}
	return ""
}

func pct(sorted []float64, p int) float64 { return sorted[(len(sorted)-1)*p/100] }

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// scrape reads a daemon's /metrics.
func scrape(b *testing.B, addr string) map[string]*dto.MetricFamily {
	b.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		b.Fatal(err)
	}
	return mfs
}

// histogram is cumulative counts at upper bounds, as Prometheus keeps them.
type histogram struct {
	bounds []float64
	counts []float64
}

// histogramDelta is after minus before for the histogram name{stage}.
func histogramDelta(after, before map[string]*dto.MetricFamily, name, stage string) histogram {
	get := func(mfs map[string]*dto.MetricFamily) *dto.Histogram {
		if mf := mfs[name]; mf != nil {
			for _, m := range mf.GetMetric() {
				if stage == "" {
					return m.GetHistogram() // a histogram without stages
				}
				for _, l := range m.GetLabel() {
					if l.GetName() == "stage" && l.GetValue() == stage {
						return m.GetHistogram()
					}
				}
			}
		}
		return nil
	}
	var h histogram
	a, bf := get(after), get(before)
	if a == nil {
		return h
	}
	for i, bk := range a.GetBucket() {
		c := float64(bk.GetCumulativeCount())
		if bf != nil {
			c -= float64(bf.GetBucket()[i].GetCumulativeCount())
		}
		h.bounds = append(h.bounds, bk.GetUpperBound())
		h.counts = append(h.counts, c)
	}
	return h
}

// quantile interpolates linearly within the bucket holding q, as
// Prometheus's histogram_quantile does; NaN when empty.
func (h histogram) quantile(q float64) float64 {
	if len(h.counts) == 0 || h.counts[len(h.counts)-1] == 0 {
		return math.NaN()
	}
	rank := q * h.counts[len(h.counts)-1]
	lower, below := 0.0, 0.0
	for i, c := range h.counts {
		if c >= rank {
			return lower + (h.bounds[i]-lower)*(rank-below)/max(c-below, 1)
		}
		lower, below = h.bounds[i], c
	}
	return h.bounds[len(h.bounds)-1]
}

// cpuSeconds sums user and system CPU of each group of processes, and of
// PostgreSQL: the postmaster, its children that have ended (its cutime)
// and the ones alive now (backends come and go).
func cpuSeconds(procs map[string][]int) map[string]float64 {
	out := map[string]float64{}
	for name, pids := range procs {
		for _, pid := range pids {
			out[name] += procCPU(pid)
		}
	}
	for _, pid := range postgresPids(nil) {
		out["postgres"] += procCPU(pid)
	}
	out["steal"] = machineSteal()
	return out
}

// machineSteal is the machine's steal time so far, in seconds summed over
// its CPUs: time the hypervisor ran something else while this machine had
// work (the "cpu" line of /proc/stat, eighth value: proc(5)). A run with
// much steal is not comparable with one without.
func machineSteal() float64 {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0
	}
	v, _ := strconv.ParseFloat(f[8], 64)
	return v / 100
}

// procCPU is utime+stime+cutime+cstime of a process, in seconds (the
// kernel's clock ticks, USER_HZ = 100 on Linux: proc(5)).
func procCPU(pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// the command may hold spaces: fields start after its closing ')'
	f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
	var s float64
	for _, i := range []int{11, 12, 13, 14} { // utime stime cutime cstime (fields 14-17)
		v, _ := strconv.ParseFloat(f[i], 64)
		s += v
	}
	return s / 100
}

// postgresPids is the postmaster of the test cluster and its children.
func postgresPids(b *testing.B) []int {
	data, err := os.ReadFile(filepath.Join(os.Getenv("FERRY_PG_DATA"), "postmaster.pid"))
	if err != nil {
		if b != nil {
			b.Skipf("no PostgreSQL pid: %v", err)
		}
		return nil
	}
	master, _ := strconv.Atoi(strings.SplitN(string(data), "\n", 2)[0])
	pids := []int{master}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
		if ppid, _ := strconv.Atoi(f[1]); ppid == master {
			pids = append(pids, pid)
		}
	}
	return pids
}

func brokerPid(b *testing.B) int {
	data, err := os.ReadFile(filepath.Join(filepath.Dir(os.Getenv("FERRY_KAFKA_CONFIG")), "kafka.pid"))
	if err != nil {
		b.Skipf("no broker pid: %v", err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	return pid
}

// plainBrokerCPU sends the messages of the steady table's topic again, to a
// topic of the same partitions, with a plain producer (idempotent, not
// transactional) at rate messages a second while a plain consumer reads
// them, and returns the broker's CPU-seconds per message meanwhile.
func plainBrokerCPU(b *testing.B, p *pipeline, rate int) float64 {
	var msgs []*kafka.Message
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := kafkaread.ToEnd(ctx, p.brokers, []string{p.topic("steady")}, kafkaread.Options{}, func(m *kafka.Message) error {
		msgs = append(msgs, m)
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	topic := p.topic("steady") + ".plain"
	admin, err := kafka.NewAdminClient(&kafka.ConfigMap{"bootstrap.servers": p.brokers})
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.CreateTopics(ctx, []kafka.TopicSpecification{{Topic: topic, NumPartitions: p.cfg.Relay.TopicPartitions, ReplicationFactor: 1}}); err != nil {
		b.Fatal(err)
	}
	prod, err := kafka.NewProducer(&kafka.ConfigMap{"bootstrap.servers": p.brokers, "enable.idempotence": true, "compression.type": "zstd", "linger.ms": 5})
	if err != nil {
		b.Fatal(err)
	}
	defer prod.Close()
	cons, err := kafka.NewConsumer(&kafka.ConfigMap{"bootstrap.servers": p.brokers, "group.id": topic, "auto.offset.reset": "earliest"})
	if err != nil {
		b.Fatal(err)
	}
	defer cons.Close()
	if err := cons.Subscribe(topic, nil); err != nil {
		b.Fatal(err)
	}
	var got atomic.Int64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if m, err := cons.ReadMessage(100 * time.Millisecond); err == nil && m != nil {
				got.Add(1)
			}
		}
	}()
	go func() {
		for range prod.Events() {
		}
	}()
	broker := brokerPid(b)
	time.Sleep(2 * time.Second) // the consumer joins its group
	cpu0 := procCPU(broker)
	start := time.Now()
	for n := 0; n < len(msgs); {
		due := min(int(time.Since(start).Seconds()*float64(rate)), len(msgs))
		for ; n < due; n++ {
			m := msgs[n]
			prod.Produce(&kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: m.TopicPartition.Partition}, Key: m.Key, Value: m.Value, Headers: m.Headers}, nil)
		}
		time.Sleep(time.Millisecond)
	}
	prod.Flush(30_000)
	deadline := time.Now().Add(time.Minute)
	for got.Load() < int64(len(msgs)) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	cpu := procCPU(broker) - cpu0
	close(stop)
	<-done
	return cpu / float64(len(msgs))
}
