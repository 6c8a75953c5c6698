package relay

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ferry-cdc/ferry/internal/latency"
)

type metrics struct {
	produced      *prometheus.CounterVec
	batches       prometheus.Counter
	batchDuration prometheus.Histogram
	backlog       prometheus.Gauge
	oldestAge     prometheus.Gauge
	leader        prometheus.Gauge
	errors        *prometheus.CounterVec
	batchChanges  prometheus.Histogram
	heartbeats    prometheus.Counter
	// lowWaterHeld is registered only for outboxes whose low-water mark an
	// open transaction can hold back (sql.LowWaterHeld).
	lowWaterHeld prometheus.Gauge
	// ageRead and ageCommitted are the change age histogram's stages: from
	// the source commit to the relay's read, and to the Kafka commit.
	ageRead, ageCommitted prometheus.Observer
}

func newMetrics(reg prometheus.Registerer, source string, lowWaterHeld bool) *metrics {
	labels := prometheus.Labels{"source": source}
	m := &metrics{
		produced: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ferry_relay_changes_produced_total", Help: "Changes committed to Kafka, by table.", ConstLabels: labels,
		}, []string{"table"}),
		batches: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ferry_relay_batches_total", Help: "Kafka transactions committed with changes.", ConstLabels: labels,
		}),
		batchDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "ferry_relay_batch_duration_seconds", Help: "Time to read, convert and commit one batch.", ConstLabels: labels,
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}),
		backlog: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ferry_relay_outbox_backlog_rows", Help: "Committed changes in the outbox not yet in Kafka.", ConstLabels: labels,
		}),
		oldestAge: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ferry_relay_oldest_unpublished_age_seconds", Help: "Age of the oldest committed change not yet in Kafka; 0 when none.", ConstLabels: labels,
		}),
		leader: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ferry_relay_leader", Help: "1 while this relay leads its source, else 0.", ConstLabels: labels,
		}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ferry_relay_errors_total", Help: "Errors, by kind: database, kafka, lease, convert.", ConstLabels: labels,
		}, []string{"kind"}),
	}
	m.batchChanges = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "ferry_relay_batch_changes", Help: "Changes in one Kafka transaction.", ConstLabels: labels,
		Buckets: prometheus.ExponentialBuckets(1, 4, 9),
	})
	m.heartbeats = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "ferry_relay_heartbeats_total", Help: "Heartbeats written into the outbox.", ConstLabels: labels,
	})
	age := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:        "ferry_relay_change_age_seconds",
		Help:        "Time from a change's source commit to a stage of the relay: read (from the outbox), kafka_committed (its Kafka transaction committed).",
		ConstLabels: labels, Buckets: latency.Buckets,
	}, []string{"stage"})
	m.ageRead, m.ageCommitted = age.WithLabelValues("read"), age.WithLabelValues("kafka_committed")
	reg.MustRegister(m.produced, m.batches, m.batchDuration, m.backlog, m.oldestAge, m.leader, m.errors, m.batchChanges, m.heartbeats, age)
	m.lowWaterHeld = prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "ferry_relay_low_water_mark_held_seconds",
		Help:        "How long the oldest open source transaction has held the outbox's low-water mark back (SQL Server, Oracle); 0 when none.",
		ConstLabels: labels,
	})
	if lowWaterHeld {
		reg.MustRegister(m.lowWaterHeld)
	}
	for _, k := range []string{kindDatabase, kindKafka, kindLease, kindConvert} {
		m.errors.WithLabelValues(k)
	}
	return m
}

// Error kinds, as the errors metric labels them.
const (
	kindDatabase = "database"
	kindKafka    = "kafka"
	kindLease    = "lease"
	kindConvert  = "convert"
)
