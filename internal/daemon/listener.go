package daemon

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/ratelog"
	"github.com/lightbox-tracing/lightbox/internal/udpsock"
	"github.com/lightbox-tracing/lightbox/segment"
)

// readBufSize holds the largest UDP payload (65,507 bytes over IPv4,
// 65,527 over IPv6), so only jumbograms are ever truncated.
const readBufSize = 1 << 16

// Listener receives segment documents over UDP and writes them to a
// store.Writer. Create it with Listen, then Start; Shutdown stops it.
type Listener struct {
	opts  Options
	conn  *net.UDPConn
	inode uint64 // of the socket, to find it in /proc/net/udp; 0 if unknown
	m     *metrics
	rlog  *ratelog.Logger

	// inflight and inflightBytes count datagrams from the moment a reader
	// admits them until they are stored or dropped; they bound the queue.
	inflight      atomic.Int64
	inflightBytes atomic.Int64

	rawq chan datagram // reader → workers
	docq []chan parsed // workers → batchers, one queue per writer

	// writeCtx is passed to WriteSegments; Shutdown cancels it when its
	// own context ends before the last batch is written.
	writeCtx    context.Context
	cancelWrite context.CancelFunc

	// Retry policy for WriteSegments; fields so tests can shorten it.
	retryBase   time.Duration
	maxAttempts int

	mu           sync.Mutex
	state        state
	stopping     atomic.Bool // tells readers that a read error means Shutdown
	stopped      chan struct{}
	readers      sync.WaitGroup
	workers      sync.WaitGroup
	batchers     sync.WaitGroup
	shutdownOnce sync.Once
	shutdownErr  error
}

type state uint8

const (
	stateNew state = iota
	stateRunning
	stateStopped
)

// datagram is what readers hand to workers: a private copy of the payload.
type datagram struct {
	b    []byte
	from netip.AddrPort
	at   time.Time
}

// parsed is what workers hand to the batcher: the documents of one
// datagram.
type parsed struct {
	docs []*segment.Document
	size int
	at   time.Time
}

// Listen binds the UDP socket and enlarges its receive buffer; reading
// starts with Start. Datagrams that arrive in between wait in the socket.
func Listen(opts Options) (*Listener, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	conn, err := udpsock.Listen(opts.Addr)
	if err != nil {
		return nil, err
	}
	l := &Listener{
		opts:        opts,
		conn:        conn,
		m:           newMetrics(),
		rlog:        ratelog.New(opts.Logger, 10*time.Second, 5),
		rawq:        make(chan datagram, opts.QueueSize),
		docq:        make([]chan parsed, opts.Writers),
		retryBase:   100 * time.Millisecond,
		maxAttempts: 4,
		stopped:     make(chan struct{}),
	}
	for i := range l.docq {
		// Each can hold the whole queue: reserve bounds the sum.
		l.docq[i] = make(chan parsed, opts.QueueSize)
	}
	l.writeCtx, l.cancelWrite = context.WithCancel(context.Background())
	l.setReadBuffer()
	if ino, err := udpsock.Inode(conn); err == nil {
		l.inode = ino
	}
	if err := l.m.register(opts.Registerer, l); err != nil {
		l.cancelWrite()
		conn.Close()
		return nil, err
	}
	return l, nil
}

func (l *Listener) setReadBuffer() {
	if granted := udpsock.EnlargeReadBuffer(l.conn, l.opts.ReadBuffer, l.opts.Logger); granted > 0 {
		l.m.readBufferSize.Set(float64(granted))
	}
}

// LocalAddr is the bound address, with the port the kernel picked when
// Options.Addr asked for port 0.
func (l *Listener) LocalAddr() *net.UDPAddr { return l.conn.LocalAddr().(*net.UDPAddr) }

// Start launches the readers, parse workers and batcher and returns. It
// does nothing if the listener was started or shut down already.
func (l *Listener) Start() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.state != stateNew {
		return
	}
	l.state = stateRunning
	for _, q := range l.docq {
		l.batchers.Go(func() { l.runBatcher(q) })
	}
	for range l.opts.Workers {
		l.workers.Go(l.runWorker)
	}
	for range l.opts.Readers {
		l.readers.Go(l.runReader)
	}
	l.opts.Logger.Info("UDP listener started", "addr", l.LocalAddr().String(),
		"readers", l.opts.Readers, "workers", l.opts.Workers, "writers", l.opts.Writers,
		"max_batch", l.opts.MaxBatch, "flush_interval", l.opts.FlushInterval)
}

// Serve starts the listener, if it was not started yet, and returns nil
// once Shutdown has finished.
func (l *Listener) Serve() error {
	l.Start()
	<-l.stopped
	return nil
}

// Shutdown stops reading, takes in what the kernel already queued for the
// socket, writes every accepted document to the Writer and closes the
// socket. When it returns no goroutine of the listener touches the Writer
// any more, so the store can be closed. If ctx ends first, the batches not
// yet written are dropped (reason "shutdown") once the WriteSegments call
// in progress returns, and ctx's error is returned.
func (l *Listener) Shutdown(ctx context.Context) error {
	l.shutdownOnce.Do(func() {
		l.shutdownErr = l.shutdown(ctx)
		close(l.stopped)
	})
	return l.shutdownErr
}

func (l *Listener) shutdown(ctx context.Context) error {
	defer l.conn.Close()
	defer l.cancelWrite()
	l.mu.Lock()
	prev := l.state
	l.state = stateStopped
	l.mu.Unlock()
	if prev == stateNew {
		return nil
	}
	// A deadline in the past wakes readers blocked in recvmsg.
	l.stopping.Store(true)
	_ = l.conn.SetReadDeadline(time.Now())
	l.readers.Wait()
	_ = l.conn.SetReadDeadline(time.Time{})
	buf := make([]byte, readBufSize)
	drained := 0
	if err := udpsock.Drain(l.conn, buf, func(b []byte, truncated bool) bool {
		l.admit(b, netip.AddrPort{}, truncated)
		drained++
		return drained < l.opts.QueueSize
	}); err != nil {
		l.opts.Logger.Warn("cannot take in datagrams queued at shutdown", "err", err)
	}
	close(l.rawq)

	flushed := make(chan struct{})
	go func() {
		l.workers.Wait()
		for _, q := range l.docq {
			close(q)
		}
		l.batchers.Wait()
		close(flushed)
	}()
	var err error
	select {
	case <-flushed:
	case <-ctx.Done():
		l.cancelWrite()
		<-flushed
		err = fmt.Errorf("cannot flush UDP listener: %w", ctx.Err())
	}
	l.rlog.Flush()
	l.opts.Logger.Info("UDP listener stopped", "addr", l.LocalAddr().String())
	return err
}

// reserve admits n bytes into the queue, or reports that it is full.
func (l *Listener) reserve(n int) bool {
	if l.inflight.Add(1) > int64(l.opts.QueueSize) {
		l.inflight.Add(-1)
		return false
	}
	if l.inflightBytes.Add(int64(n)) > l.opts.QueueBytes {
		l.inflightBytes.Add(-int64(n))
		l.inflight.Add(-1)
		return false
	}
	return true
}

// release takes stored or dropped datagrams out of the queue.
func (l *Listener) release(datagrams, bytes int) {
	l.inflight.Add(-int64(datagrams))
	l.inflightBytes.Add(-int64(bytes))
}

// drop counts and logs datagrams that will not be stored.
func (l *Listener) drop(reason string, datagrams int, msg string, args ...any) {
	l.m.dropped.WithLabelValues(reason).Add(float64(datagrams))
	l.rlog.Warn(reason, msg, args...)
}
