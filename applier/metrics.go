package applier

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	applied       *prometheus.CounterVec
	dlq           *prometheus.CounterVec
	held          *prometheus.CounterVec
	skipped       *prometheus.CounterVec
	batchDuration prometheus.Histogram
	errors        *prometheus.CounterVec
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
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ferry_apply_errors_total", Help: "Errors, by kind.", ConstLabels: labels,
		}, []string{"kind"}),
	}
	reg.MustRegister(m.applied, m.dlq, m.held, m.skipped, m.batchDuration, m.errors)
	return m
}
