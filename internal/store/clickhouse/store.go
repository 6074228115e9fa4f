// Package clickhouse is the scale-out storage engine: stateless Lightbox
// nodes over a shared ClickHouse server or cluster, spoken to through
// ClickHouse's HTTP interface. docs/design/clickhouse.md is the reference
// for its schema and for how traces written through several nodes become
// one summary.
package clickhouse

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/store"
	"github.com/lightbox-tracing/lightbox/segment"
)

// Options configure Open.
type Options struct {
	// URL is ClickHouse's HTTP interface, e.g. http://127.0.0.1:8123/.
	// Query parameters (user, password, settings) are sent with every
	// request.
	URL string
	// Database holds Lightbox's tables (default "lightbox"); created when
	// missing.
	Database string
	// Cluster, when set, is the name of a ClickHouse cluster (remote_servers)
	// whose servers have ZooKeeper and the {shard} and {replica} macros:
	// tables are created ON CLUSTER as ReplicatedMergeTree shards under
	// Distributed tables sharded by trace ID.
	Cluster string
	// Retention is how long data is kept (default 30 days): whole day
	// partitions older than that are dropped.
	Retention time.Duration
	// RetentionInterval is how often expired partitions are looked for
	// (default 10 minutes; negative: never).
	RetentionInterval time.Duration
	// AssembleDelay is how long a written trace waits before it is
	// summarized, so that the rest of its segments join it (default 1 s).
	AssembleDelay time.Duration
	// RecoverInterval is how often the node looks for traces whose summary
	// is behind their documents (a node crashed between writing and
	// summarizing), default 1 minute; negative: only at Open.
	RecoverInterval time.Duration
	// RecoverWindow is how far back, in write time, that look goes at Open
	// (default 24 h).
	RecoverWindow time.Duration
	// HTTPClient talks to ClickHouse (default: a client with a 60 s
	// timeout).
	HTTPClient *http.Client
	// Logger receives the engine's messages (default: discard).
	Logger *slog.Logger
	// Now is the clock (tests).
	Now func() time.Time
}

const day = 24 * time.Hour

var databaseRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (o Options) withDefaults() (Options, error) {
	if o.URL == "" {
		return o, fmt.Errorf("no ClickHouse URL given")
	}
	if o.Database == "" {
		o.Database = "lightbox"
	}
	if !databaseRE.MatchString(o.Database) {
		return o, fmt.Errorf("database name %q: use letters, digits and _", o.Database)
	}
	if o.Cluster != "" && !databaseRE.MatchString(o.Cluster) {
		return o, fmt.Errorf("cluster name %q: use letters, digits and _", o.Cluster)
	}
	if o.Retention <= 0 {
		o.Retention = 30 * day
	}
	if o.RetentionInterval == 0 {
		o.RetentionInterval = 10 * time.Minute
	}
	if o.AssembleDelay <= 0 {
		o.AssembleDelay = time.Second
	}
	if o.RecoverInterval == 0 {
		o.RecoverInterval = time.Minute
	}
	if o.RecoverWindow <= 0 {
		o.RecoverWindow = day
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 60 * time.Second}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o, nil
}

// Store is the ClickHouse engine. It keeps no state another node needs:
// what it holds in memory (the write queue, the traces waiting to be
// summarized) is either not yet acknowledged or recoverable from the data.
type Store struct {
	opts   Options
	c      *client
	layout layout
	log    *slog.Logger
	now    func() time.Time

	// Writes: one flusher sends everything queued as one INSERT.
	wmu     sync.Mutex
	wqueue  []*writeReq
	wkick   chan struct{}
	stampMu sync.Mutex
	stamp   uint64 // last write stamp handed out (µs)

	asm *assembler

	// closing: set once Close starts; users counts calls in flight.
	mu      sync.RWMutex
	closed  bool
	stop    chan struct{}
	wg      sync.WaitGroup
	cfgMu   sync.Mutex // serializes this node's config writes
	traces  atomic.Int64
	disk    atomic.Int64
	recover sync.WaitGroup // the recovery pass started by Open
}

var (
	_ store.Store       = (*Store)(nil)
	_ store.ConfigStore = (*Store)(nil)
)

// Open connects, creates or migrates the schema, and starts the
// background work (summarizing, recovery, retention).
func Open(o Options) (*Store, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	c, err := newClient(o.URL, o.HTTPClient)
	if err != nil {
		return nil, err
	}
	s := &Store{
		opts:  o,
		c:     c,
		log:   o.Logger,
		now:   o.Now,
		wkick: make(chan struct{}, 1),
		stop:  make(chan struct{}),
	}
	if o.Cluster != "" {
		// An insert returns once every shard has its rows, so that the
		// summarizer reading after it sees them.
		c.settings.Set("insert_distributed_sync", "1")
		// Documents and summaries are sharded alike (by trace ID), so an
		// IN subquery may run on each shard's local tables.
		c.settings.Set("distributed_product_mode", "local")
		// Reads and inserts prefer the same replica of a shard, so that a
		// read after an insert sees it while that replica is up.
		c.settings.Set("load_balancing", "in_order")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b, err := c.query(ctx, "SELECT version()")
	if err != nil {
		return nil, fmt.Errorf("cannot reach ClickHouse at %s: %w", o.URL, err)
	}
	r := rowReader{b: b}
	s.layout = layout{db: o.Database, cluster: o.Cluster, version: parseVersion(r.str())}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	s.asm = newAssembler(s)
	s.wg.Add(2)
	go s.flusher()
	go s.asm.run()
	s.recover.Add(1)
	s.wg.Add(1)
	go s.background()
	return s, nil
}

// enter registers a call; it fails once Close started.
func (s *Store) enter() error {
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return store.ErrClosed
	}
	return nil
}

func (s *Store) leave() { s.mu.RUnlock() }

// Close flushes queued writes, summarizes what is waiting and stops.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	close(s.stop)
	s.wg.Wait()
	s.opts.HTTPClient.CloseIdleConnections()
	return nil
}

// Sync waits until the documents written before it are summarized, and
// until the recovery pass that Open started has finished.
func (s *Store) Sync(ctx context.Context) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	done := make(chan struct{})
	go func() { s.recover.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return fmt.Errorf("cannot sync: %w", ctx.Err())
	}
	return s.asm.sync(ctx)
}

// Stats reports figures for /metrics. DiskBytes is refreshed in the
// background (it is a query to ClickHouse).
func (s *Store) Stats() store.Stats {
	return store.Stats{
		DiskBytes:     s.disk.Load(),
		Traces:        s.traces.Load(),
		PendingTraces: s.asm.pending(),
	}
}

// background runs the recovery pass at Open, then recovery, retention and
// the disk figure periodically.
func (s *Store) background() {
	defer s.wg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { <-s.stop; cancel() }()

	s.recoverPending(ctx, s.now().Add(-s.opts.RecoverWindow), time.Time{})
	s.recover.Done()
	s.refreshDisk(ctx)

	tick := func(d time.Duration) <-chan time.Time {
		if d < 0 {
			return nil
		}
		t := time.NewTicker(d)
		go func() { <-s.stop; t.Stop() }()
		return t.C
	}
	recoverC, retainC, diskC := tick(s.opts.RecoverInterval), tick(s.opts.RetentionInterval), tick(30*time.Second)
	if s.opts.RetentionInterval > 0 {
		s.dropExpired(ctx)
	}
	for {
		select {
		case <-s.stop:
			return
		case <-recoverC:
			// Traces written by a node that died before summarizing them:
			// newer than the last look, older than a node takes normally.
			// A node behind with its own traces skips the look: under load
			// every node's backlog would look abandoned, and the work is
			// not lost (the next look finds it).
			if s.asm.pending() > assembleBatch {
				continue
			}
			now := s.now()
			s.recoverPending(ctx, now.Add(-s.opts.RecoverInterval-time.Hour), now.Add(-2*time.Minute-s.opts.AssembleDelay))
		case <-retainC:
			s.dropExpired(ctx)
		case <-diskC:
			s.refreshDisk(ctx)
		}
	}
}

func (s *Store) refreshDisk(ctx context.Context) {
	b, err := s.c.query(ctx, "SELECT toUInt64(sum(bytes_on_disk)) FROM system.parts WHERE active AND database = "+quote(s.layout.db))
	if err != nil {
		s.log.Warn("cannot read disk usage", "err", err)
		return
	}
	r := rowReader{b: b}
	if v := r.u64(); r.err == nil {
		s.disk.Store(int64(v))
	}
}

// nextStamps reserves n consecutive write stamps (µs since the epoch,
// never repeating within this process) and returns the first.
func (s *Store) nextStamps(n int) uint64 {
	s.stampMu.Lock()
	defer s.stampMu.Unlock()
	now := uint64(s.now().UnixMicro())
	if now <= s.stamp {
		now = s.stamp + 1
	}
	s.stamp = now + uint64(n) - 1
	return now
}

// epochSlack is how far a trace ID's epoch may be from a start time and
// still be trusted to place the trace (X-Ray IDs carry the start; W3C-derived
// ones carry random bits), as in the embedded engine.
const epochSlack = 24 * 60 * 60

// homeDay is the day partition of a trace given a start time: the day of
// its trace-ID epoch when that is trusted, else the day of start.
func homeDay(tid segment.TraceID, start float64) uint16 {
	t := start
	if e := float64(tid.Epoch()); math.Abs(start-e) <= epochSlack {
		t = e
	}
	return dayOf(t)
}

// dayOf is a Date value (days since 1970-01-01), clamped to its range.
func dayOf(t float64) uint16 {
	d := math.Floor(t / 86400)
	switch {
	case !(d >= 0):
		return 0
	case d > math.MaxUint16:
		return math.MaxUint16
	}
	return uint16(d)
}

// timeFromOrdered inverts orderedTime.
func timeFromOrdered(u uint64) float64 {
	if u>>63 == 1 {
		return math.Float64frombits(u &^ (1 << 63))
	}
	return math.Float64frombits(^u)
}

// orderedTime maps a float64 to a uint64 with the same order, so that time
// comparisons and ties in SQL are exact.
func orderedTime(t float64) uint64 {
	b := math.Float64bits(t)
	if b>>63 == 1 {
		return ^b
	}
	return b | 1<<63
}
