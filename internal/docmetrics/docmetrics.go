// Package docmetrics defines the segment-document counters that every ingest
// path (the UDP listener, PutTraceSegments, later OTLP) keeps, so that they
// share one set of metric families told apart by a source label.
package docmetrics

import "github.com/prometheus/client_golang/prometheus"

// Documents counts one ingest path's documents: received = accepted +
// rejected (validation reasons and the path's own), and accepted documents
// end up stored or rejected later (store_error, shutdown).
type Documents struct {
	Received prometheus.Counter
	Accepted prometheus.Counter
	Rejected *prometheus.CounterVec // by "reason"
	Stored   prometheus.Counter
}

// New creates the counters for one source ("udp", "api", …) and sets the
// given rejection reasons to zero so they show up before the first one.
func New(source string, reasons ...string) *Documents {
	l := prometheus.Labels{"source": source}
	d := &Documents{
		Received: prometheus.NewCounter(prometheus.CounterOpts{
			Name:        "lightbox_documents_received_total",
			Help:        "Segment documents received (over UDP: datagrams read from the socket; over the API: documents in PutTraceSegments calls).",
			ConstLabels: l,
		}),
		Accepted: prometheus.NewCounter(prometheus.CounterOpts{
			Name:        "lightbox_documents_accepted_total",
			Help:        "Segment documents that passed validation.",
			ConstLabels: l,
		}),
		Rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name:        "lightbox_documents_rejected_total",
			Help:        "Segment documents dropped or refused, by reason: a validation code, or queue_full, store_error, shutdown.",
			ConstLabels: l,
		}, []string{"reason"}),
		Stored: prometheus.NewCounter(prometheus.CounterOpts{
			Name:        "lightbox_documents_stored_total",
			Help:        "Segment documents the store accepted durably.",
			ConstLabels: l,
		}),
	}
	for _, r := range reasons {
		d.Rejected.WithLabelValues(r)
	}
	return d
}

// Collectors returns the counters, for registration.
func (d *Documents) Collectors() []prometheus.Collector {
	return []prometheus.Collector{d.Received, d.Accepted, d.Rejected, d.Stored}
}
