package daemon

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lightbox-tracing/lightbox/internal/docmetrics"
	"github.com/lightbox-tracing/lightbox/internal/udpsock"
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
		SocketCollector(l.inode),
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

// SocketCollector reads the kernel's view at scrape time: the socket's
// drop count and queue from /proc/net/udp, and the host-wide
// receive-buffer errors from /proc/net/snmp. Datagrams the kernel drops
// never reach a receiver, so these are the only trace of them. Series
// whose source cannot be read (another OS) are left out. The forwarder's
// receiver (internal/forward) uses it too.
func SocketCollector(inode uint64) prometheus.Collector { return socketCollector{inode: inode} }

type socketCollector struct{ inode uint64 } // 0 if unknown

var (
	socketDropsDesc = prometheus.NewDesc("lightbox_udp_socket_drops_total",
		"Datagrams the kernel dropped for the UDP socket, mostly because its receive buffer was full.", nil, nil)
	socketQueuedDesc = prometheus.NewDesc("lightbox_udp_socket_queued_bytes",
		"Bytes waiting in the UDP socket's receive buffer.", nil, nil)
	hostRcvbufDesc = prometheus.NewDesc("lightbox_host_udp_rcvbuf_errors_total",
		"UDP datagrams the kernel dropped because a receive buffer was full, for all sockets of the host (/proc/net/snmp RcvbufErrors).", nil, nil)
)

func (c socketCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- socketDropsDesc
	ch <- socketQueuedDesc
	ch <- hostRcvbufDesc
}

func (c socketCollector) Collect(ch chan<- prometheus.Metric) {
	if c.inode != 0 {
		if s, err := udpsock.ReadStats(c.inode); err == nil {
			ch <- prometheus.MustNewConstMetric(socketDropsDesc, prometheus.CounterValue, float64(s.Drops))
			ch <- prometheus.MustNewConstMetric(socketQueuedDesc, prometheus.GaugeValue, float64(s.QueuedBytes))
		}
	}
	if s, err := ReadHostUDPStats(); err == nil {
		ch <- prometheus.MustNewConstMetric(hostRcvbufDesc, prometheus.CounterValue, float64(s.RcvbufErrors))
	}
}
