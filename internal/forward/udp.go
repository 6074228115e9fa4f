package forward

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lightbox-tracing/lightbox/internal/docmetrics"
	"github.com/lightbox-tracing/lightbox/internal/ratelog"
	"github.com/lightbox-tracing/lightbox/internal/udpmetrics"
	"github.com/lightbox-tracing/lightbox/internal/udpsock"
	"github.com/lightbox-tracing/lightbox/segment"
)

// DefaultReadBuffer is the socket receive buffer a Receiver asks for: a
// burst the uploads have not caught up with waits there, in the kernel.
const DefaultReadBuffer = 32 << 20

// maxDatagram holds the largest UDP payload, plus one byte so that a
// longer one shows up as truncated on systems without MSG_TRUNC.
const maxDatagram = 1<<16 + 1

// ReceiverOptions configure a Receiver. Addr is required.
type ReceiverOptions struct {
	Addr       string
	ReadBuffer int // bytes; DefaultReadBuffer when 0
	Logger     *slog.Logger
	Registerer prometheus.Registerer
}

// Receiver reads segment documents from UDP, the X-Ray daemon protocol
// (a header line, then the document), and hands them straight to the
// forwarder: one goroutine reads datagrams in batches (batchReader),
// checks (scanDocuments) and buffers each, with no queue in between,
// because the forwarder's buffer is already the bound on what waits and
// offering to it never blocks.
//
// It replaces, for `lightbox daemon`, the store's listener (package
// daemon), whose full decoding and queue hand-offs cost three times the
// CPU per document; the counters keep that listener's names
// (lightbox_documents_*_total{source="udp"}), so dashboards and /healthz
// read the same.
type Receiver struct {
	f     *Forwarder
	opts  ReceiverOptions
	conn  *net.UDPConn
	inode uint64
	// granted is the receive buffer the kernel gave the socket, which
	// paces the reader; 0 when unknown.
	granted int
	docs    *docmetrics.Documents
	rbuf    prometheus.Gauge
	rlog    *ratelog.Logger

	stopping atomic.Bool
	started  atomic.Bool
	reader   sync.WaitGroup
	once     sync.Once
	err      error

	// Only the reader goroutine (or Shutdown, after it ended) uses these.
	scratch []scanned
	batch   []doc
}

// Listen binds the UDP socket; reading starts with Start. Datagrams that
// arrive in between wait in the socket.
func (f *Forwarder) Listen(opts ReceiverOptions) (*Receiver, error) {
	if opts.Logger == nil {
		opts.Logger = f.opts.Logger
	}
	if opts.ReadBuffer <= 0 {
		opts.ReadBuffer = DefaultReadBuffer
	}
	conn, err := udpsock.Listen(opts.Addr)
	if err != nil {
		return nil, err
	}
	r := &Receiver{
		f: f, opts: opts, conn: conn,
		docs: docmetrics.New("udp", segment.Codes()...),
		rbuf: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "lightbox_udp_receive_buffer_bytes",
			Help: "Receive buffer the kernel granted the UDP socket, in bytes.",
		}),
		rlog: ratelog.New(opts.Logger, 10*time.Second, 1),
	}
	r.setReadBuffer()
	if ino, err := udpsock.Inode(conn); err == nil {
		r.inode = ino
	}
	if err := r.register(opts.Registerer); err != nil {
		conn.Close()
		return nil, err
	}
	return r, nil
}

func (r *Receiver) setReadBuffer() {
	r.granted = udpsock.EnlargeReadBuffer(r.conn, r.opts.ReadBuffer, r.opts.Logger)
	if r.granted > 0 {
		r.rbuf.Set(float64(r.granted))
	}
}

// LocalAddr is the bound address.
func (r *Receiver) LocalAddr() *net.UDPAddr { return r.conn.LocalAddr().(*net.UDPAddr) }

// Start reads datagrams in the background until Shutdown.
func (r *Receiver) Start() {
	if r.started.Swap(true) {
		return
	}
	r.reader.Go(r.run)
}

func (r *Receiver) run() {
	br := newBatchReader(r.conn, r.granted)
	defer br.close()
	for {
		if err := br.next(r.handle); err != nil {
			if r.stopping.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			r.rlog.Warn("read_error", "cannot read UDP datagrams", "err", err)
			time.Sleep(time.Millisecond) // an error that repeats must not spin
		}
	}
}

// handle checks one datagram and offers its documents to the forwarder.
// b is the reader's buffer: the documents are copied out of it.
func (r *Receiver) handle(b []byte, truncated bool) {
	r.docs.Received.Inc()
	if truncated {
		r.reject(segment.CodeTooLarge, "dropped UDP datagram: larger than 64 KiB")
		return
	}
	body, err := segment.SplitDatagram(b)
	if err != nil {
		r.reject(reasonOf(err), "dropped invalid UDP datagram", "err", err)
		return
	}
	var serr *segment.Error
	if r.scratch, serr = scanDocuments(body, r.scratch[:0]); serr != nil {
		r.reject(serr.Code, "dropped invalid UDP datagram", "err", serr, "id", serr.ID)
		return
	}
	// One allocation holds every document of the datagram.
	size := 0
	for _, s := range r.scratch {
		size += len(s.raw)
	}
	mem := make([]byte, 0, size)
	r.batch = r.batch[:0]
	for _, s := range r.scratch {
		start := len(mem)
		mem = append(mem, s.raw...)
		r.batch = append(r.batch, doc{id: s.id, raw: mem[start:len(mem):len(mem)]})
	}
	r.docs.Accepted.Inc()
	if err := r.f.offer(r.batch); err != nil {
		// Only after the forwarder closed, which Shutdown orders after
		// the receiver; counted all the same.
		r.reject("shutdown", "dropped UDP datagram: the forwarder is closed")
		return
	}
	r.docs.Stored.Inc()
}

func (r *Receiver) reject(reason, msg string, args ...any) {
	r.docs.Rejected.WithLabelValues(reason).Inc()
	r.rlog.Warn(reason, msg, args...)
}

func reasonOf(err error) string {
	var se *segment.Error
	if errors.As(err, &se) {
		return se.Code
	}
	return segment.CodeInvalidSegment
}

// Shutdown stops reading, offers the forwarder what the kernel had
// already queued for the socket, and closes the socket. Close the
// forwarder after it.
func (r *Receiver) Shutdown(ctx context.Context) error {
	r.once.Do(func() { r.err = r.shutdown(ctx) })
	return r.err
}

func (r *Receiver) shutdown(ctx context.Context) error {
	defer r.conn.Close()
	if !r.started.Swap(true) {
		return nil
	}
	r.stopping.Store(true)
	// A deadline in the past wakes the reader blocked in recvmsg.
	_ = r.conn.SetReadDeadline(time.Now())
	r.reader.Wait()
	_ = r.conn.SetReadDeadline(time.Time{})
	buf := make([]byte, maxDatagram)
	err := udpsock.Drain(r.conn, buf, func(b []byte, truncated bool) bool {
		// As in the read loop, a datagram that fills the whole buffer is
		// taken as truncated.
		r.handle(b, truncated || len(b) == len(buf))
		return ctx.Err() == nil
	})
	r.rlog.Flush()
	if err != nil {
		return fmt.Errorf("cannot take in datagrams queued at shutdown: %w", err)
	}
	return ctx.Err()
}

// register adds the counters, and the kernel's figures for the socket
// read at scrape time, to reg.
func (r *Receiver) register(reg prometheus.Registerer) error {
	if reg == nil {
		return nil
	}
	var errs []error
	for _, c := range append(r.docs.Collectors(), r.rbuf, udpmetrics.SocketCollector(r.inode)) {
		if err := reg.Register(c); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("cannot register UDP receiver metrics: %w", err)
	}
	return nil
}
