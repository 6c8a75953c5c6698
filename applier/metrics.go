package applier

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ferry-cdc/ferry/internal/latency"
)

type metrics struct {
	applied       *prometheus.CounterVec
	dlq           *prometheus.CounterVec
	held          *prometheus.CounterVec
	skipped       *prometheus.CounterVec
	batchDuration prometheus.Histogram
	batchChanges  prometheus.Histogram
	errors        *prometheus.CounterVec
	reloads       *prometheus.CounterVec

	// ageConsumed and ageApplied are the change age histogram's stages:
	// from the source commit to the applier's consumer, and to the
	// target's commit; latency is the latter per route.
	ageConsumed, ageApplied prometheus.Observer
	latency                 *prometheus.HistogramVec

	// Read from the target (and Kafka) every few seconds, for every
	// partition of the target's routes, whichever applier holds it.
	lag          *prometheus.GaugeVec
	consumerLag  *prometheus.GaugeVec
	heldNow      *prometheus.GaugeVec
	blockedKeys  *prometheus.GaugeVec
	paused       *prometheus.GaugeVec
	lastApplied  *prometheus.GaugeVec
	stateUpdated prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer, target string) *metrics {
	labels := prometheus.Labels{"target": target}
	m := &metrics{
		applied: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ferry_apply_changes_applied_total", Help: "Changes applied to the target, by route and op.", ConstLabels: labels,
		}, []string{"route", "op"}),
		dlq: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ferry_apply_dlq_total", Help: "Changes sent to the DLQ, by route and class.", ConstLabels: labels,
		}, []string{"route", "class"}),
		held: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ferry_apply_held_total", Help: "Changes held for a foreign key or by a rule, by route.", ConstLabels: labels,
		}, []string{"route"}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ferry_apply_skipped_total", Help: "Changes dropped by a rule with action skip, by route and rule.", ConstLabels: labels,
		}, []string{"route", "rule"}),
		batchDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "ferry_apply_batch_duration_seconds", Help: "Time to apply one batch.", ConstLabels: labels,
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}),
		batchChanges: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "ferry_apply_batch_changes", Help: "Changes consumed into one batch.", ConstLabels: labels,
			Buckets: prometheus.ExponentialBuckets(1, 4, 9),
		}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ferry_apply_errors_total", Help: "Errors, by kind: session (the consumer or the target failed; retried), target (a batch failed and is retried), state (the target's state could not be read for the metrics).", ConstLabels: labels,
		}, []string{"kind"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ferry_apply_reloads_total", Help: "Config reloads on SIGHUP, by result: ok, refused.", ConstLabels: labels,
		}, []string{"result"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ferry_apply_end_to_end_latency_seconds", Help: "Time from a change's commit at the source to its commit in the target, by route.",
			ConstLabels: labels, Buckets: latency.Buckets,
		}, []string{"route"}),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ferry_apply_lag_seconds", Help: "How far the target is behind the source, by route, from the heartbeats applied: grows from one heartbeat after a stage stalls.", ConstLabels: labels,
		}, []string{"source", "route"}),
		consumerLag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ferry_apply_consumer_lag_messages", Help: "Offsets between the target's stored offset and the partition's last stable offset (transaction markers count).", ConstLabels: labels,
		}, []string{"route", "partition"}),
		heldNow: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ferry_apply_held_changes", Help: "Changes held in the target now, by route.", ConstLabels: labels,
		}, []string{"route"}),
		blockedKeys: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ferry_apply_blocked_keys", Help: "Keys with changes in the DLQ that later changes wait behind, by route.", ConstLabels: labels,
		}, []string{"route"}),
		paused: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ferry_apply_route_paused", Help: "1 while the route is paused (ferry route pause), else 0.", ConstLabels: labels,
		}, []string{"route"}),
		lastApplied: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ferry_apply_last_change_timestamp_seconds", Help: "When the route last applied a data change (Unix time).", ConstLabels: labels,
		}, []string{"route"}),
		stateUpdated: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ferry_apply_state_updated_timestamp_seconds", Help: "When the gauges read from the target were last read (Unix time).", ConstLabels: labels,
		}),
	}
	age := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:        "ferry_apply_change_age_seconds",
		Help:        "Time from a change's source commit to a stage of the applier: consumed (from Kafka), applied (its target transaction committed).",
		ConstLabels: labels, Buckets: latency.Buckets,
	}, []string{"stage"})
	m.ageConsumed, m.ageApplied = age.WithLabelValues("consumed"), age.WithLabelValues("applied")
	reg.MustRegister(m.applied, m.dlq, m.held, m.skipped, m.batchDuration, m.batchChanges, m.errors, m.reloads, m.latency, age,
		m.lag, m.consumerLag, m.heldNow, m.blockedKeys, m.paused, m.lastApplied, m.stateUpdated)
	for _, k := range []string{"session", "target", "state"} {
		m.errors.WithLabelValues(k)
	}
	for _, r := range []string{"ok", "refused"} {
		m.reloads.WithLabelValues(r)
	}
	return m
}
