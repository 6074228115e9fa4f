package daemon

import (
	"errors"
	"net"
	"net/netip"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/udpsock"
	"github.com/lightbox-tracing/lightbox/segment"
)

// runReader copies datagrams off the socket until Shutdown. It never waits
// for anything but the socket: a full queue drops the datagram.
func (l *Listener) runReader() {
	buf := make([]byte, readBufSize)
	for {
		n, _, flags, from, err := l.conn.ReadMsgUDPAddrPort(buf, nil)
		if err != nil {
			if l.stopping.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			l.rlog.Warn("read_error", "cannot read UDP datagram", "err", err)
			// Errors that repeat (none are known on Linux) must not spin.
			time.Sleep(time.Millisecond)
			continue
		}
		l.admit(buf[:n], from, flags&udpsock.MsgTrunc != 0)
	}
}

// admit queues a copy of b for the workers, or drops it.
func (l *Listener) admit(b []byte, from netip.AddrPort, truncated bool) {
	l.m.received.Inc()
	if truncated {
		l.drop(segment.CodeTooLarge, 1, "dropped UDP datagram: larger than 64 KiB", "from", from)
		return
	}
	if !l.reserve(len(b)) {
		l.drop(ReasonQueueFull, 1, "dropped UDP datagram: queue is full (the store is not keeping up)",
			"queued", l.inflight.Load(), "queued_bytes", l.inflightBytes.Load())
		return
	}
	dg := datagram{b: append([]byte(nil), b...), from: from, at: time.Now()}
	select {
	case l.rawq <- dg:
	default:
		// Unreachable while reserve bounds the queue by its capacity.
		l.release(1, len(b))
		l.drop(ReasonQueueFull, 1, "dropped UDP datagram: queue is full")
	}
}

// runWorker validates datagrams and passes their documents to the batcher.
func (l *Listener) runWorker() {
	for dg := range l.rawq {
		docs, err := decode(dg.b)
		if err != nil {
			l.release(1, len(dg.b))
			l.drop(reasonOf(err), 1, "dropped invalid UDP datagram", "from", dg.from, "err", err)
			continue
		}
		l.m.accepted.Inc()
		l.docq[shardOf(docs, len(l.docq))] <- parsed{docs: docs, size: len(dg.b), at: dg.at}
	}
}
