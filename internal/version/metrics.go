package version

import "github.com/prometheus/client_golang/prometheus"

// Collector is the ferry_build_info gauge: always 1, with the build in its
// labels, so that a dashboard can show which build each process runs.
func Collector() prometheus.Collector {
	i := Get()
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name:        "ferry_build_info",
		Help:        "Always 1; the labels say which build of Ferry is running.",
		ConstLabels: prometheus.Labels{"version": i.Version, "commit": i.Commit, "goversion": i.GoVersion},
	}, func() float64 { return 1 })
}
