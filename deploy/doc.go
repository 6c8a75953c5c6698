// Package deploy holds what runs beside Ferry: the Prometheus config and
// alert rules (deploy/prometheus) and the Grafana dashboard
// (deploy/grafana) that docker-compose.yml's monitoring profile
// provisions. Its test runs a real Prometheus scraping a real relay and
// applier under a workload and evaluates every panel's query.
package deploy
