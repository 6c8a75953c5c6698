package relay_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ferry-cdc/ferry/relay"
	"github.com/ferry-cdc/ferry/sql/postgres"
	"github.com/ferry-cdc/ferry/sql/postgres/pgtest"
)

// BenchmarkRelayDrain measures changes per second from a full outbox into
// Kafka (committed, exactly-once transactions), with PostgreSQL, Kafka and
// the relay on one machine.
//
//	go test -run '^$' -bench RelayDrain -benchtime 1x ./relay/
func BenchmarkRelayDrain(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e := newEnv(b, "bench")
		e.cfg.Relay.BatchSize = 10_000
		const n = 200_000
		pgtest.Exec(b, e.db, fmt.Sprintf(`INSERT INTO bench SELECT g, g, 'a short note of some length' FROM generate_series(1, %d) g`, n))
		reg := prometheus.NewRegistry()
		r := relay.New(e.cfg, e.source(), postgres.Dialect{}, e.db, reg, quiet())
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		b.StartTimer()
		start := time.Now()
		go func() { done <- r.Run(ctx) }()
		for produced(reg) < n {
			time.Sleep(5 * time.Millisecond)
		}
		elapsed := time.Since(start)
		b.StopTimer()
		cancel()
		<-done
		b.ReportMetric(n/elapsed.Seconds(), "changes/s")
	}
}

// BenchmarkRelayLatency writes 2,000 single-row transactions a second for
// 20 s and measures, per change, the time from the source commit returning
// to a read_committed consumer receiving it.
//
//	go test -run '^$' -bench RelayLatency -benchtime 1x ./relay/
func BenchmarkRelayLatency(b *testing.B) {
	for i := 0; i < b.N; i++ {
		e := newEnv(b, "lat")
		if v := os.Getenv("BENCH_LINGER"); v != "" {
			e.cfg.Kafka.Properties = map[string]string{"linger.ms": v}
		}
		reg := prometheus.NewRegistry()
		r := relay.New(e.cfg, e.source(), postgres.Dialect{}, e.db, reg, quiet())
		rctx, rcancel := context.WithCancel(context.Background())
		defer rcancel()
		go r.Run(rctx)
		topic := e.topics()[0]
		c, err := kafka.NewConsumer(&kafka.ConfigMap{
			"bootstrap.servers": e.brokers, "group.id": "bench-" + topic, "isolation.level": "read_committed",
			"auto.offset.reset": "earliest", "fetch.wait.max.ms": 5, "fetch.min.bytes": 1,
		})
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		time.Sleep(2 * time.Second) // the relay creates the topic
		if err := c.Subscribe(topic, nil); err != nil {
			b.Fatal(err)
		}
		const rate, seconds = 2000, 20
		committed := make([]time.Time, rate*seconds+1)
		received := make([]time.Time, rate*seconds+1)
		go func() {
			e.db.SetMaxOpenConns(8)
			e.db.SetMaxIdleConns(8)
			tick := time.NewTicker(time.Millisecond)
			defer tick.Stop()
			start := time.Now()
			id := 1
			sem := make(chan struct{}, 8)
			for id <= rate*seconds {
				<-tick.C
				due := int(time.Since(start).Seconds() * rate)
				for ; id <= due && id <= rate*seconds; id++ {
					sem <- struct{}{}
					go func(id int) {
						defer func() { <-sem }()
						if _, err := e.db.Exec(`INSERT INTO lat VALUES ($1, 0, 'x')`, id); err != nil {
							return
						}
						committed[id] = time.Now()
					}(id)
				}
			}
		}()
		got := 0
		deadline := time.Now().Add(seconds*time.Second + time.Minute)
		for got < rate*seconds && time.Now().Before(deadline) {
			m, err := c.ReadMessage(100 * time.Millisecond)
			if err != nil {
				continue
			}
			var id int
			fmt.Sscanf(string(m.Key), `{"id":%d}`, &id)
			if id > 0 && id < len(received) && received[id].IsZero() {
				received[id] = time.Now()
				got++
			}
		}
		var lat []float64
		for id := 1; id < len(received); id++ {
			if !received[id].IsZero() && !committed[id].IsZero() {
				lat = append(lat, float64(received[id].Sub(committed[id]).Microseconds())/1000)
			}
		}
		slices.Sort(lat)
		if len(lat) < rate*seconds*9/10 {
			b.Fatalf("only %d of %d changes measured", len(lat), rate*seconds)
		}
		batches, secs := histogram(reg, "ferry_relay_batch_duration_seconds")
		b.ReportMetric(float64(rate*seconds)/batches, "changes/batch")
		b.ReportMetric(secs/batches*1000, "batch_ms")
		b.ReportMetric(lat[len(lat)/2], "p50_ms")
		b.ReportMetric(lat[len(lat)*99/100], "p99_ms")
		b.ReportMetric(lat[len(lat)-1], "max_ms")
	}
}

// histogram returns a histogram's count and sum.
func histogram(reg *prometheus.Registry, name string) (count, sum float64) {
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				count += float64(m.GetHistogram().GetSampleCount())
				sum += m.GetHistogram().GetSampleSum()
			}
		}
	}
	return count, sum
}

// produced sums the relay's produced-changes counter.
func produced(reg *prometheus.Registry) float64 {
	mfs, _ := reg.Gather()
	var n float64
	for _, mf := range mfs {
		if mf.GetName() == "ferry_relay_changes_produced_total" {
			for _, m := range mf.GetMetric() {
				n += m.GetCounter().GetValue()
			}
		}
	}
	return n
}

// BenchmarkRelayIdleLatency: an idle relay, one single-row transaction every
// 300 ms; per change, the time from its COMMIT returning to a read_committed
// consumer receiving it.
//
//	go test -run '^$' -bench RelayIdleLatency -benchtime 1x ./relay/
func BenchmarkRelayIdleLatency(b *testing.B) {
	for i := 0; i < b.N; i++ {
		e := newEnv(b, "idle")
		e.start()
		topic := e.topics()[0]
		c, err := kafka.NewConsumer(&kafka.ConfigMap{
			"bootstrap.servers": e.brokers, "group.id": "bench-" + topic, "isolation.level": "read_committed",
			"auto.offset.reset": "earliest", "fetch.wait.max.ms": 5, "fetch.min.bytes": 1,
		})
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		pgtest.Exec(b, e.db, `INSERT INTO idle VALUES (0, 0, 'warm up')`)
		if err := c.Subscribe(topic, nil); err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := c.ReadMessage(time.Second); err == nil {
				break
			}
		}
		var lat []float64
		for id := 1; id <= 50; id++ {
			time.Sleep(300 * time.Millisecond)
			pgtest.Exec(b, e.db, fmt.Sprintf(`INSERT INTO idle VALUES (%d, 0, 'x')`, id))
			committed := time.Now()
			for {
				m, err := c.ReadMessage(10 * time.Second)
				if err != nil {
					b.Fatalf("change %d did not arrive: %v", id, err)
				}
				if m.Key != nil { // not a heartbeat
					break
				}
			}
			lat = append(lat, float64(time.Since(committed).Microseconds())/1000)
		}
		slices.Sort(lat)
		b.ReportMetric(lat[len(lat)/2], "p50_ms")
		b.ReportMetric(lat[len(lat)*99/100], "p99_ms")
		b.ReportMetric(lat[len(lat)-1], "max_ms")
	}
}
