package daemon

import (
	"errors"
	"fmt"

	"github.com/lightbox-tracing/lightbox/internal/udpmetrics"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lightbox-tracing/lightbox/internal/docmetrics"
)

// metrics are the listener's Prometheus series. A UDP datagram carries one
// document, and the document counters obey received = accepted +
// rejected{reason ∈ segment codes, queue_full}; an accepted document then
// ends up stored, or rejected{store_error, shutdown}, or is still queued.
type metrics struct {
	received       prometheus.Counter
	accepted       prometheus.Counter
	dropped        *prometheus.CounterVec
	stored         prometheus.Counter
	batchDocs      prometheus.Histogram
	writeSeconds   prometheus.Histogram
	readBufferSize prometheus.Gauge
}

func newMetrics() *metrics {
	// source="udp" lets other ingest paths (PutTraceSegments) share the
	// document families with their own label value.
	docs := docmetrics.New("udp", rejectReasons...)
	m := &metrics{
		received: docs.Received,
		accepted: docs.Accepted,
		dropped:  docs.Rejected,
		stored:   docs.Stored,
		batchDocs: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "lightbox_udp_store_batch_documents",
			Help:    "Segments and independent subsegments per WriteSegments call of the UDP listener.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 8),
		}),
		writeSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "lightbox_udp_store_write_seconds",
			Help:    "Duration of the UDP listener's WriteSegments calls, each retry counted on its own.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 10),
		}),
		readBufferSize: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "lightbox_udp_receive_buffer_bytes",
			Help: "Receive buffer the kernel granted the UDP socket, in bytes.",
		}),
	}
	return m
}

// register adds the series, plus those read at scrape time from the
// listener's queue and from /proc, to reg.
func (m *metrics) register(reg prometheus.Registerer, l *Listener) error {
	if reg == nil {
		return nil
	}
	cs := []prometheus.Collector{
		m.received, m.accepted, m.dropped, m.stored, m.batchDocs, m.writeSeconds, m.readBufferSize,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "lightbox_udp_queue_documents",
			Help: "Documents read from the UDP socket but not yet stored or dropped.",
		}, func() float64 { return float64(l.inflight.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "lightbox_udp_queue_bytes",
			Help: "Bytes of documents read from the UDP socket but not yet stored or dropped.",
		}, func() float64 { return float64(l.inflightBytes.Load()) }),
		udpmetrics.SocketCollector(l.inode),
	}
	var errs []error
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("cannot register UDP listener metrics: %w", err)
	}
	return nil
}
