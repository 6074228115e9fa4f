package daemon

import (
	"errors"
	"log/slog"
	"runtime"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lightbox-tracing/lightbox/internal/store"
)

// DefaultAddr is where SDKs send segments unless AWS_XRAY_DAEMON_ADDRESS
// says otherwise.
const DefaultAddr = "127.0.0.1:2000"

// Defaults for the zero values of Options.
const (
	DefaultReadBuffer    = 32 << 20
	DefaultMaxBatch      = 4096
	DefaultFlushInterval = 100 * time.Millisecond
	DefaultQueueSize     = 1 << 17
	DefaultQueueBytes    = 256 << 20
	DefaultWriters       = 2
)

// Options configure a Listener. Only Writer is required.
type Options struct {
	// Addr is the UDP address to listen on; DefaultAddr when empty. Use
	// port 0 to pick a free port (see Listener.LocalAddr).
	Addr string

	// Writer receives accepted documents in batches.
	Writer store.Writer

	// Logger receives rate-limited reports of bad datagrams and store
	// errors; slog.Default() when nil.
	Logger *slog.Logger

	// Registerer receives the listener's metrics; none are registered
	// when nil.
	Registerer prometheus.Registerer

	// ReadBuffer is the socket receive buffer to ask the kernel for, in
	// bytes (DefaultReadBuffer when 0). It is set with SO_RCVBUFFORCE when
	// the process may (CAP_NET_ADMIN), else with SO_RCVBUF, which the
	// kernel caps at net.core.rmem_max; the effective size is logged.
	ReadBuffer int

	// MaxBatch is the most documents one WriteSegments call carries
	// (DefaultMaxBatch when 0).
	MaxBatch int

	// FlushInterval is the longest a document waits, from the moment it
	// was read, before the batch holding it is written
	// (DefaultFlushInterval when 0). With the store's own write time it
	// bounds how soon a document is durable; keep it well under a second.
	FlushInterval time.Duration

	// QueueSize is the most datagrams held between the socket and the
	// store (read but not yet stored); beyond it datagrams are dropped
	// with reason "queue_full" (DefaultQueueSize when 0).
	QueueSize int

	// QueueBytes bounds the same datagrams by size (DefaultQueueBytes when
	// 0), so that a queue of large documents cannot exhaust memory.
	QueueBytes int64

	// Readers is the number of goroutines reading the socket (1 when 0).
	Readers int

	// Workers is the number of goroutines parsing datagrams
	// (GOMAXPROCS when 0).
	Workers int

	// Writers is the number of WriteSegments calls that may be in
	// progress at once (DefaultWriters when 0). More than one lets the
	// store overlap one batch's fsync with another batch's work. Traces
	// are divided among the writers, so the documents of one trace are
	// still written one batch after the other.
	Writers int
}

func (o Options) withDefaults() (Options, error) {
	if o.Writer == nil {
		return o, errors.New("cannot configure UDP listener: Options.Writer is nil")
	}
	if o.Addr == "" {
		o.Addr = DefaultAddr
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.ReadBuffer <= 0 {
		o.ReadBuffer = DefaultReadBuffer
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = DefaultMaxBatch
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = DefaultFlushInterval
	}
	if o.QueueSize <= 0 {
		o.QueueSize = DefaultQueueSize
	}
	if o.QueueBytes <= 0 {
		o.QueueBytes = DefaultQueueBytes
	}
	if o.Readers <= 0 {
		o.Readers = 1
	}
	if o.Writers <= 0 {
		o.Writers = DefaultWriters
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	return o, nil
}
