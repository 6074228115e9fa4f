package forward

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/ratelog"
	"github.com/lightbox-tracing/lightbox/internal/store"
	"github.com/lightbox-tracing/lightbox/segment"
)

// Forwarder batches documents and uploads them with PutTraceSegments. It
// implements store.Writer; see the package documentation for what its
// WriteSegments promises.
type Forwarder struct {
	opts Options
	put  *putter
	c    counters
	rlog *ratelog.Logger

	bufferedDocs  atomic.Int64
	bufferedBytes atomic.Int64

	spool    *spool        // nil without Options.SpoolDir
	restored int64         // documents found in the spool at start
	kick     chan struct{} // wakes the replayer: room in the buffer, or spooled documents
	replayer sync.WaitGroup

	mu      sync.Mutex
	cond    *sync.Cond
	cur     *batch   // filling; nil when none
	ready   []*batch // full or due, oldest first
	closed  bool     // WriteSegments refuses
	done    bool     // uploaders exit once ready is empty
	lastErr string
	hasErr  atomic.Bool // lastErr != ""

	// uploadCtx ends when Close gives up waiting: attempts in progress are
	// cancelled and what is left is dropped with reason "shutdown".
	uploadCtx    context.Context
	cancelUpload context.CancelFunc
	uploaders    sync.WaitGroup
	closeOnce    sync.Once
	closeErr     error
}

type batch struct {
	docs  []doc
	timer *time.Timer
}

// doc is a document as the forwarder holds it: its ID, to match
// UnprocessedTraceSegments, and its JSON.
type doc struct {
	id  string
	raw []byte
}

var _ store.Writer = (*Forwarder)(nil)

// New starts a forwarder's uploaders. Close stops them.
func New(opts Options) (*Forwarder, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	f := &Forwarder{opts: opts, put: newPutter(opts), rlog: ratelog.New(opts.Logger, 10*time.Second, 1), kick: make(chan struct{}, 1)}
	f.cond = sync.NewCond(&f.mu)
	if opts.SpoolDir != "" {
		if f.spool, err = openSpool(opts.SpoolDir, opts.SpoolBytes, opts.Logger); err != nil {
			return nil, err
		}
		f.restored, _ = f.spool.stats()
		if f.restored > 0 {
			opts.Logger.Info("replaying segment documents spooled by an earlier run", "documents", f.restored)
		}
	}
	f.uploadCtx, f.cancelUpload = context.WithCancel(context.Background())
	if err := f.register(opts.Registerer); err != nil {
		f.cancelUpload()
		if f.spool != nil {
			f.spool.close()
		}
		return nil, err
	}
	for range opts.Concurrency {
		f.uploaders.Go(f.runUploader)
	}
	if f.spool != nil {
		f.replayer.Go(f.runReplayer)
		f.wake()
	}
	return f, nil
}

// WriteSegments buffers docs for upload and returns at once. Documents
// that do not fit in the buffer go to the spool when there is one, and are
// otherwise dropped (reason "buffer_full") and counted; the call still
// returns nil because every document is accounted for. After Close it
// returns store.ErrClosed.
func (f *Forwarder) WriteSegments(_ context.Context, docs []*segment.Document) error {
	ds := make([]doc, len(docs))
	for i, d := range docs {
		ds[i] = doc{id: d.ID, raw: d.Raw}
	}
	return f.offer(ds)
}

// offer is WriteSegments for documents already in the forwarder's form.
func (f *Forwarder) offer(docs []doc) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return store.ErrClosed
	}
	f.c.offered.Add(int64(len(docs)))
	// While anything waits in the spool, new documents queue behind it,
	// so that documents reach the upstream in the order they came.
	spooling := f.spool != nil && !f.spool.empty()
	var dropped [len(counters{}.dropped)]int // by index in Reasons
	spooled := 0
	for _, d := range docs {
		// Only this method and the replayer add, both under f.mu;
		// uploaders only subtract, so the check cannot be overtaken.
		if !spooling && f.bufferedBytes.Load()+int64(len(d.raw)) <= f.opts.BufferBytes {
			f.bufferLocked(d)
			continue
		}
		f.flushFullLocked()
		if f.spool == nil {
			dropped[reasonIndex(ReasonBufferFull)]++
			continue
		}
		spooling = true
		switch err := f.spool.add(d.id, d.raw); {
		case err == nil:
			spooled++
		case errors.Is(err, errSpoolFull):
			dropped[reasonIndex(ReasonSpoolFull)]++
		default:
			dropped[reasonIndex(ReasonSpoolError)]++
			f.rlog.Warn(ReasonSpoolError, "cannot spool segment document", "err", err)
		}
	}
	if spooled > 0 {
		f.wake()
	}
	for i, n := range dropped {
		if n == 0 {
			continue
		}
		reason := Reasons[i]
		f.c.dropped[i].Add(int64(n))
		f.rlog.Warn(reason, "dropped segment documents: the forward buffer is full (raise TotalBufferSizeMB / --buffer-memory or the spool size, or check the upstream)",
			"documents", n, "buffer_bytes", f.opts.BufferBytes, "spool_bytes", f.opts.SpoolBytes)
	}
	return nil
}

// bufferLocked adds d to the batch filling.
func (f *Forwarder) bufferLocked(d doc) {
	f.bufferedBytes.Add(int64(len(d.raw)))
	f.bufferedDocs.Add(1)
	if f.cur == nil {
		b := &batch{docs: make([]doc, 0, f.opts.MaxBatch)}
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

func (f *Forwarder) wake() {
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

// runReplayer moves spooled documents into the buffer, oldest first, as
// room appears. A tick backs up the kicks, which may coalesce.
func (f *Forwarder) runReplayer() {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-f.kick:
		case <-tick.C:
		case <-f.uploadCtx.Done():
			return
		}
		for f.replayOne() {
		}
	}
}

// replayOne moves the oldest spooled document into the buffer if it fits.
func (f *Forwarder) replayOne() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	size := f.spool.peekSize()
	if size < 0 {
		return false
	}
	if f.bufferedBytes.Load()+size > f.opts.BufferBytes {
		f.flushFullLocked()
		return false
	}
	id, raw, ok := f.spool.next()
	if !ok {
		return false
	}
	f.bufferLocked(doc{id: id, raw: raw})
	return true
}

func (f *Forwarder) spoolStats() (docs, bytes int64) {
	if f.spool == nil {
		return 0, 0
	}
	return f.spool.stats()
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

// flushFullLocked hands the batch filling to the uploaders at once when
// the buffer has no room left: waiting for the flush interval could not
// add anything to it.
func (f *Forwarder) flushFullLocked() {
	if f.cur != nil {
		f.cur.timer.Stop()
		f.enqueueLocked(f.cur)
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
func (f *Forwarder) release(docs []doc) {
	var n int64
	for _, d := range docs {
		n += int64(len(d.raw))
	}
	f.bufferedBytes.Add(-n)
	f.bufferedDocs.Add(-int64(len(docs)))
	if f.spool != nil {
		f.wake()
	}
}

func (f *Forwarder) drop(reason string, docs []doc) {
	f.c.dropped[reasonIndex(reason)].Add(int64(len(docs)))
	f.release(docs)
}

func (f *Forwarder) setLastErr(s string) {
	f.mu.Lock()
	f.lastErr = s
	f.hasErr.Store(s != "")
	f.mu.Unlock()
}

// clearLastErr is setLastErr("") without taking the lock WriteSegments
// holds when there is nothing to clear, the common case.
func (f *Forwarder) clearLastErr() {
	if f.hasErr.Load() {
		f.setLastErr("")
	}
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
	f.replayer.Wait()
	if f.spool != nil {
		// What is still spooled stays on disk for the next run.
		if cerr := f.spool.close(); cerr != nil {
			err = errors.Join(err, cerr)
		}
	}
	f.rlog.Flush()
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
		Restored:      f.restored,
	}
	s.Spooled, s.SpooledBytes = f.spoolStats()
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
