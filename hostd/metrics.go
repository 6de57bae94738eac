package hostd

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the daemon's Prometheus metrics, in its own registry (no
// globals).
type metrics struct {
	reg       *prometheus.Registry
	leases    *prometheus.GaugeVec
	answers   *prometheus.CounterVec
	refunds   prometheus.Counter
	queue     prometheus.Gauge
	ledger    prometheus.Gauge
	processed prometheus.GaugeFunc
	hbAge     prometheus.GaugeFunc
}

func newMetrics(d *Daemon) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		leases: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "hostd", Name: "leases",
			Help: "Leases by state."}, []string{"state"}),
		answers: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "hostd", Name: "answers_total",
			Help: "Answers and other transactions applied, by kind and outcome."}, []string{"kind", "outcome"}),
		refunds: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "hostd", Name: "refunds_total",
			Help: "Refunds (acquire and extend refusals) applied."}),
		queue: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "hostd", Name: "queue_depth",
			Help: "Transactions queued or awaiting validation."}),
		ledger: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "hostd", Name: "validated_ledger",
			Help: "The last validated ledger seen."}),
	}
	m.processed = prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "hostd", Name: "last_processed_ledger",
		Help: "The last ledger fully processed."}, func() float64 { return float64(d.LastLedger()) })
	m.hbAge = prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "hostd", Name: "heartbeat_age_seconds",
		Help: "Seconds since the last heartbeat applied; -1 if none."}, func() float64 {
		t := d.lastHeartbeat()
		if t.IsZero() {
			return -1
		}
		return d.now().Sub(t).Seconds()
	})
	m.reg.MustRegister(m.leases, m.answers, m.refunds, m.queue, m.ledger, m.processed, m.hbAge)
	return m
}

func (m *metrics) observeLeases(ls []*Lease) {
	counts := map[State]int{Provisioning: 0, Answering: 0, Active: 0, Refusing: 0, Refunding: 0, Expiring: 0}
	for _, l := range ls {
		counts[l.State]++
	}
	for s, n := range counts {
		m.leases.WithLabelValues(string(s)).Set(float64(n))
	}
}

func (d *Daemon) countResult(it *intent, ok bool) {
	outcome := "applied"
	if !ok {
		outcome = "failed"
	}
	d.metrics.answers.WithLabelValues(string(it.Kind), outcome).Inc()
	if ok && (it.Kind == kAcquireError || it.Kind == kExtendError || it.Kind == kRefund) && it.Amount.Currency != "" {
		d.metrics.refunds.Inc()
	}
}

// Handler serves /healthz (200 while the ledger moves and the daemon runs,
// 503 otherwise, with a JSON status) and /metrics (Prometheus). Mount it on
// any server; the daemon starts none itself.
func (d *Daemon) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(d.metrics.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		d.mu.Lock()
		running, last, halted := d.running, d.lastLedger, !d.haltedSince.IsZero()
		d.mu.Unlock()
		st := map[string]any{"running": running, "halted": halted, "lastLedgerAge": time.Since(last).Seconds(),
			"lastProcessedLedger": d.LastLedger(), "host": d.addr}
		w.Header().Set("Content-Type", "application/json")
		if !running || halted {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(st)
	})
	return mux
}
