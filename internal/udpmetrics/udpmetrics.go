// Package udpmetrics exports, in the Prometheus format, what the kernel
// knows of a UDP receiver: datagrams it dropped before any read, and what
// waits in the socket. Both UDP receivers (the server's listener in
// internal/daemon and the forwarder's in internal/forward) register it,
// so their dashboards read the same series.
package udpmetrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/lightbox-tracing/lightbox/internal/udpsock"
)

// SocketCollector reads the kernel's view at scrape time: the socket's
// drop count and queue from /proc/net/udp, and the host-wide
// receive-buffer errors from /proc/net/snmp. Datagrams the kernel drops
// never reach a receiver, so these are the only trace of them. Series
// whose source cannot be read (another OS) are left out.
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
	if s, err := udpsock.ReadHostStats(); err == nil {
		ch <- prometheus.MustNewConstMetric(hostRcvbufDesc, prometheus.CounterValue, float64(s.RcvbufErrors))
	}
}
