package forward

import (
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Drop reasons. Every document WriteSegments was given ends up sent,
// dropped with one of these, or still buffered:
// offered + restored = sent + Σ dropped + buffered + spooled, where offered
// counts every document given to WriteSegments, including those dropped
// as buffer_full, and restored those an earlier run left in the spool.
const (
	ReasonBufferFull       = "buffer_full" // no spool configured
	ReasonSpoolFull        = "spool_full"
	ReasonSpoolError       = "spool_error" // the spool could not be written
	ReasonUpstreamRejected = "upstream_rejected"
	ReasonShutdown         = "shutdown"
)

// Reasons lists the drop reasons, for reports that show zeros too.
var Reasons = []string{ReasonBufferFull, ReasonSpoolFull, ReasonSpoolError, ReasonUpstreamRejected, ReasonShutdown}

// Results of a PutTraceSegments attempt.
const (
	ResultOK           = "ok"
	ResultThrottled    = "throttled"
	ResultServerError  = "server_error"
	ResultClientError  = "client_error"
	ResultNetworkError = "network_error"
)

var results = []string{ResultOK, ResultThrottled, ResultServerError, ResultClientError, ResultNetworkError}

// counters are plain atomics so that Stats (for /healthz) and the
// Prometheus series (read at scrape time) can never disagree.
type counters struct {
	offered  atomic.Int64
	sent     atomic.Int64
	dropped  [5]atomic.Int64 // by index in Reasons
	requests [5]atomic.Int64 // by index in results
	retries  atomic.Int64
}

func reasonIndex(r string) int {
	for i, x := range Reasons {
		if x == r {
			return i
		}
	}
	panic("forward: unknown drop reason " + r)
}

func resultIndex(r string) int {
	for i, x := range results {
		if x == r {
			return i
		}
	}
	panic("forward: unknown result " + r)
}

// Stats is a snapshot of the forwarder's figures.
type Stats struct {
	Offered       int64            // documents given to WriteSegments
	Sent          int64            // documents the upstream accepted
	Dropped       map[string]int64 // by reason (all reasons present)
	Buffered      int64            // documents held in memory now
	BufferedBytes int64
	Spooled       int64 // documents in the spool now
	SpooledBytes  int64
	Restored      int64            // documents found in the spool at start
	BufferBytes   int64            // capacity
	Requests      map[string]int64 // PutTraceSegments attempts by result
	Retries       int64            // attempts that were retries
	LastError     string           // of the latest failed attempt, "" after a success
}

func (f *Forwarder) register(reg prometheus.Registerer) error {
	if reg == nil {
		return nil
	}
	c := &f.c
	cs := []prometheus.Collector{
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "lightbox_forward_documents_offered_total",
			Help: "Segment documents handed to the forwarder (buffered or dropped as buffer_full).",
		}, func() float64 { return float64(c.offered.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "lightbox_forward_documents_sent_total",
			Help: "Segment documents the upstream accepted.",
		}, func() float64 { return float64(c.sent.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "lightbox_forward_retries_total",
			Help: "PutTraceSegments attempts that retried a batch.",
		}, func() float64 { return float64(c.retries.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "lightbox_forward_buffer_documents",
			Help: "Segment documents waiting or being uploaded.",
		}, func() float64 { return float64(f.bufferedDocs.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "lightbox_forward_buffer_bytes",
			Help: "Bytes of segment documents waiting or being uploaded.",
		}, func() float64 { return float64(f.bufferedBytes.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "lightbox_forward_spool_documents",
			Help: "Segment documents in the on-disk spool, waiting for room in the buffer.",
		}, func() float64 { d, _ := f.spoolStats(); return float64(d) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "lightbox_forward_spool_bytes",
			Help: "Bytes of the on-disk spool not yet replayed.",
		}, func() float64 { _, b := f.spoolStats(); return float64(b) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "lightbox_forward_buffer_capacity_bytes",
			Help: "Most bytes of segment documents the forwarder holds (TotalBufferSizeMB).",
		}, func() float64 { return float64(f.opts.BufferBytes) }),
	}
	for i, r := range Reasons {
		cs = append(cs, prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "lightbox_forward_documents_dropped_total",
			Help:        "Segment documents the forwarder dropped, by reason: buffer_full, spool_full, spool_error, upstream_rejected, shutdown.",
			ConstLabels: prometheus.Labels{"reason": r},
		}, func() float64 { return float64(c.dropped[i].Load()) }))
	}
	for i, r := range results {
		cs = append(cs, prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "lightbox_forward_requests_total",
			Help:        "PutTraceSegments attempts, by result: ok, throttled, server_error, client_error, network_error.",
			ConstLabels: prometheus.Labels{"result": r},
		}, func() float64 { return float64(c.requests[i].Load()) }))
	}
	var errs []error
	for _, col := range cs {
		if err := reg.Register(col); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("cannot register forwarder metrics: %w", err)
	}
	return nil
}
