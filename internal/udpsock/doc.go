// Package udpsock holds what Lightbox's two UDP receivers (the server's
// segment listener in internal/daemon and the forwarder's in
// internal/forward) need from the kernel beyond package net: a forced
// receive buffer, draining what is queued at shutdown, the socket's own
// queue and drop counters, and the host's UDP counters. Standard library only, so the lean
// lightbox-daemon binary can use it.
package udpsock

// Stats are one socket's figures from /proc/net/udp or udp6.
type Stats struct {
	QueuedBytes uint64 // rx_queue: bytes waiting in the receive buffer
	Drops       uint64 // datagrams the kernel dropped for this socket
}
