package api

import (
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lightbox-tracing/lightbox/internal/docmetrics"
	"github.com/lightbox-tracing/lightbox/segment"
)

type metrics struct {
	latency *prometheus.HistogramVec
	docs    *docmetrics.Documents // PutTraceSegments, source="api"
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "lightbox_api_request_duration_seconds",
			Help:    "Time to answer X-Ray API requests, by operation and HTTP status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"operation", "code"}),
		docs: docmetrics.New("api", append(segment.Codes(), reasonStoreError)...),
	}
	if reg != nil {
		reg.MustRegister(m.latency)
		reg.MustRegister(m.docs.Collectors()...)
	}
	return m
}

func (m *metrics) observe(op string, status int, start time.Time) {
	m.latency.WithLabelValues(op, strconv.Itoa(status)).Observe(time.Since(start).Seconds())
}

// logLimiter lets one log line per key through per interval, so that a
// failing store does not flood the log with one line per request.
type logLimiter struct {
	every time.Duration
	mu    sync.Mutex
	last  map[string]time.Time
}

func newLogLimiter(every time.Duration) *logLimiter {
	return &logLimiter{every: every, last: make(map[string]time.Time)}
}

func (l *logLimiter) allow(key string) bool {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if t, ok := l.last[key]; ok && now.Sub(t) < l.every {
		return false
	}
	l.last[key] = now
	return true
}

// reasonStoreError counts PutTraceSegments documents the store failed to
// write (the caller got an error and may retry).
const reasonStoreError = "store_error"
