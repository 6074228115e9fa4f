package forward

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/store"
	"github.com/lightbox-tracing/lightbox/segment"
)

// Forwarder batches documents and uploads them with PutTraceSegments. It
// implements store.Writer; see the package documentation for what its
// WriteSegments promises.
type Forwarder struct {
	opts Options
	c    counters
	rlog *rateLog

	bufferedDocs  atomic.Int64
	bufferedBytes atomic.Int64

	mu      sync.Mutex
	cond    *sync.Cond
	cur     *batch   // filling; nil when none
	ready   []*batch // full or due, oldest first
	closed  bool     // WriteSegments refuses
	done    bool     // uploaders exit once ready is empty
	lastErr string

	// uploadCtx ends when Close gives up waiting: attempts in progress are
	// cancelled and what is left is dropped with reason "shutdown".
	uploadCtx    context.Context
	cancelUpload context.CancelFunc
	uploaders    sync.WaitGroup
	closeOnce    sync.Once
	closeErr     error
}

type batch struct {
	docs  []*segment.Document
	timer *time.Timer
}

var _ store.Writer = (*Forwarder)(nil)

// New starts a forwarder's uploaders. Close stops them.
func New(opts Options) (*Forwarder, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	f := &Forwarder{opts: opts, rlog: newRateLog(opts.Logger, 10*time.Second)}
	f.cond = sync.NewCond(&f.mu)
	f.uploadCtx, f.cancelUpload = context.WithCancel(context.Background())
	if err := f.register(opts.Registerer); err != nil {
		f.cancelUpload()
		return nil, err
	}
	for range opts.Concurrency {
		f.uploaders.Go(f.runUploader)
	}
	return f, nil
}

// WriteSegments buffers docs for upload and returns at once. Documents
// that do not fit in the buffer are dropped (reason "buffer_full") and
// counted; the call still returns nil because every document is accounted
// for. After Close it returns store.ErrClosed.
func (f *Forwarder) WriteSegments(_ context.Context, docs []*segment.Document) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return store.ErrClosed
	}
	f.c.offered.Add(int64(len(docs)))
	dropped := 0
	for _, d := range docs {
		n := int64(len(d.Raw))
		// Only this method adds, under f.mu; uploaders only subtract, so
		// the check cannot be overtaken.
		if f.bufferedBytes.Load()+n > f.opts.BufferBytes {
			dropped++
			continue
		}
		f.bufferedBytes.Add(n)
		f.bufferedDocs.Add(1)
		if f.cur == nil {
			b := &batch{docs: make([]*segment.Document, 0, f.opts.MaxBatch)}
			b.timer = time.AfterFunc(f.opts.FlushInterval, func() { f.flushDue(b) })
			f.cur = b
		}
		f.cur.docs = append(f.cur.docs, d)
		if len(f.cur.docs) >= f.opts.MaxBatch {
			f.cur.timer.Stop()
			f.enqueueLocked(f.cur)
			f.cur = nil
		}
	}
	if dropped > 0 {
		f.c.dropped[reasonIndex(ReasonBufferFull)].Add(int64(dropped))
		f.rlog.warn(ReasonBufferFull, "dropped segment documents: the forward buffer is full (raise TotalBufferSizeMB / --buffer-memory, or check the upstream)",
			"documents", dropped, "buffer_bytes", f.opts.BufferBytes)
	}
	return nil
}

// flushDue hands b to the uploaders if it is still the batch filling.
func (f *Forwarder) flushDue(b *batch) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cur == b {
		f.enqueueLocked(b)
		f.cur = nil
	}
}

func (f *Forwarder) enqueueLocked(b *batch) {
	f.ready = append(f.ready, b)
	f.cond.Signal()
}

func (f *Forwarder) runUploader() {
	for {
		f.mu.Lock()
		for len(f.ready) == 0 && !f.done {
			f.cond.Wait()
		}
		if len(f.ready) == 0 {
			f.mu.Unlock()
			return
		}
		b := f.ready[0]
		f.ready[0] = nil
		f.ready = f.ready[1:]
		f.mu.Unlock()
		f.upload(b.docs)
	}
}

// release takes documents that were sent or dropped out of the buffer.
func (f *Forwarder) release(docs []*segment.Document) {
	var n int64
	for _, d := range docs {
		n += int64(len(d.Raw))
	}
	f.bufferedBytes.Add(-n)
	f.bufferedDocs.Add(-int64(len(docs)))
}

func (f *Forwarder) drop(reason string, docs []*segment.Document) {
	f.c.dropped[reasonIndex(reason)].Add(int64(len(docs)))
	f.release(docs)
}

func (f *Forwarder) setLastErr(s string) {
	f.mu.Lock()
	f.lastErr = s
	f.mu.Unlock()
}

// Close stops accepting documents, uploads everything buffered and
// returns when done. If ctx ends first, uploads in progress are cancelled,
// what is left is dropped (reason "shutdown"), and ctx's error returned.
func (f *Forwarder) Close(ctx context.Context) error {
	f.closeOnce.Do(func() { f.closeErr = f.close(ctx) })
	return f.closeErr
}

func (f *Forwarder) close(ctx context.Context) error {
	f.mu.Lock()
	f.closed = true
	if f.cur != nil {
		f.cur.timer.Stop()
		f.enqueueLocked(f.cur)
		f.cur = nil
	}
	f.done = true
	f.cond.Broadcast()
	f.mu.Unlock()

	finished := make(chan struct{})
	go func() { f.uploaders.Wait(); close(finished) }()
	var err error
	select {
	case <-finished:
	case <-ctx.Done():
		f.cancelUpload()
		<-finished
		err = fmt.Errorf("cannot upload buffered segment documents: %w", ctx.Err())
	}
	f.cancelUpload()
	f.rlog.flush()
	return err
}

// Stats returns a snapshot of the forwarder's figures.
func (f *Forwarder) Stats() Stats {
	s := Stats{
		Offered:       f.c.offered.Load(),
		Sent:          f.c.sent.Load(),
		Dropped:       make(map[string]int64, len(Reasons)),
		Buffered:      f.bufferedDocs.Load(),
		BufferedBytes: f.bufferedBytes.Load(),
		BufferBytes:   f.opts.BufferBytes,
		Requests:      make(map[string]int64, len(results)),
		Retries:       f.c.retries.Load(),
	}
	for i, r := range Reasons {
		s.Dropped[r] = f.c.dropped[i].Load()
	}
	for i, r := range results {
		s.Requests[r] = f.c.requests[i].Load()
	}
	f.mu.Lock()
	s.LastError = f.lastErr
	f.mu.Unlock()
	return s
}
