package local

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"

	"github.com/lightbox-tracing/lightbox/internal/store"
	"github.com/lightbox-tracing/lightbox/segment"
)

// formatVersion is the on-disk format this code reads and writes
// (FORMAT.md). Open upgrades formatNoTermIndex and refuses any other.
const formatVersion = 2

// formatNoTermIndex is the format written before the term index existed:
// Open builds the index from the stored summaries, then stamps the store
// with formatVersion.
const formatNoTermIndex = 1

// Store is the embedded engine. It implements store.Store.
type Store struct {
	opts  Options
	log   *slog.Logger
	db    *pebble.DB
	parts *partitions

	traces     *traceCache
	placeLocks [64]sync.Mutex // by trace ID: one placement decision at a time
	writeSeq   atomic.Uint64  // makes pending keys of different writes distinct

	asm        *assembler
	summarized atomic.Int64

	life  gate          // public calls against Close
	cfgMu sync.Mutex    // config.go: one config read-modify-write at a time
	stop  chan struct{} // closed by Close: background work ends
	wg    sync.WaitGroup
}

var _ store.Store = (*Store)(nil)

// Open opens (or creates) the engine in opts.Dir, queues every trace a crash
// left unsummarized, and starts the background assembler and retention.
func Open(opts Options) (*Store, error) {
	if opts.Dir == "" {
		return nil, errors.New("cannot open store: no directory given")
	}
	opts = opts.withDefaults()
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create store directory: %w", err)
	}
	db, err := pebble.Open(opts.Dir, pebbleOptions(opts))
	if err != nil {
		return nil, fmt.Errorf("cannot open pebble in %s: %w", opts.Dir, err)
	}
	s := &Store{
		opts:   opts,
		log:    opts.Logger,
		db:     db,
		traces: newTraceCache(opts.TraceCacheSize),
		stop:   make(chan struct{}),
	}
	width, format, err := s.loadMeta()
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	s.parts = newPartitions(width)
	pending, maxSeq, err := s.discover()
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	// Pending keys must never collide with ones left by an earlier run.
	s.writeSeq.Store(max(uint64(time.Now().UnixNano()), maxSeq))
	if format == formatNoTermIndex {
		if err := s.buildTermIndex(); err != nil {
			_ = db.Close()
			return nil, err
		}
	}
	s.asm = newAssembler(s, opts.AssembleDelay, opts.MaxPending)
	for _, p := range pending {
		s.asm.enqueueNow(p.tid, p.part)
	}
	if len(pending) > 0 {
		s.log.Info("re-assembling traces left pending", "traces", len(pending))
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.asm.run(s.stop)
	}()
	if opts.RetentionInterval > 0 {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.retentionLoop()
		}()
	}
	return s, nil
}

func pebbleOptions(o Options) *pebble.Options {
	po := &pebble.Options{
		CacheSize:          o.CacheSize,
		MemTableSize:       o.MemTableSize,
		FormatMajorVersion: pebble.FormatNewest,
		Logger:             pebbleLogger{o.Logger},
		FS:                 o.fs,
	}
	// Bloom filters on every level, L0 included, so that probing a
	// partition for a trace it does not hold rarely reads a data block.
	for i := range po.Levels {
		po.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	return po
}

// loadMeta checks the format version and returns the partition width in
// seconds and the format, writing both on first use.
func (s *Store) loadMeta() (float64, byte, error) {
	v, closer, err := s.db.Get(metaFormatKey)
	if errors.Is(err, pebble.ErrNotFound) {
		width := s.opts.Partition.Seconds()
		b := s.db.NewBatch()
		defer b.Close()
		_ = b.Set(metaFormatKey, []byte{formatVersion}, nil)
		_ = b.Set(metaPartitionKey, encodeFloat(width), nil)
		if err := b.Commit(pebble.Sync); err != nil {
			return 0, 0, fmt.Errorf("cannot write store metadata: %w", err)
		}
		return width, formatVersion, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("cannot read store format: %w", err)
	}
	ok := len(v) == 1 && (v[0] == formatVersion || v[0] == formatNoTermIndex)
	got := append([]byte(nil), v...)
	_ = closer.Close()
	if !ok {
		return 0, 0, fmt.Errorf("cannot open store: format %v is not the supported format %d", got, formatVersion)
	}
	v, closer, err = s.db.Get(metaPartitionKey)
	if err != nil {
		return 0, 0, fmt.Errorf("cannot read partition width: %w", err)
	}
	width, ok := decodeFloat(v)
	_ = closer.Close()
	if !ok || width <= 0 {
		return 0, 0, errors.New("cannot open store: partition width is corrupt")
	}
	if want := s.opts.Partition.Seconds(); want != width {
		s.log.Warn("partition width is fixed when the store is created; ignoring the configured one",
			"configured", s.opts.Partition, "stored", time.Duration(width*float64(time.Second)))
	}
	return width, got[0], nil
}

type pendingTrace struct {
	tid  segment.TraceID
	part uint32
}

// discover finds the partitions on disk (from the keys themselves, so that no
// registry can disagree with the data), their longest trace, and the traces
// left pending by the previous run.
func (s *Store) discover() (pending []pendingTrace, maxSeq uint64, err error) {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{nsPart}, UpperBound: []byte{nsPart + 1}})
	if err != nil {
		return nil, 0, fmt.Errorf("cannot scan partitions: %w", err)
	}
	defer it.Close()
	seen := make(map[pendingTrace]bool)
	for valid := it.First(); valid; {
		p, _ := partOfKey(it.Key())
		s.parts.add(p)
		// The longest duration is the last key of the kindMaxDur range.
		mprefix := maxDurPrefix(p)
		if it.SeekLT(prefixEnd(mprefix)) && hasPrefix(it.Key(), mprefix) && len(it.Key()) == len(mprefix)+8 {
			s.parts.raiseMaxDuration(p, timeFromOrdered(beUint64(it.Key()[len(mprefix):])))
		}
		qprefix := append(appendPartPrefix(nil, p), kindPending)
		for ok := it.SeekGE(qprefix); ok && hasPrefix(it.Key(), qprefix); ok = it.Next() {
			k := it.Key()
			if len(k) != pendingKeyLen {
				continue
			}
			var pt pendingTrace
			pt.part = p
			copy(pt.tid[:], k[partPrefixLen+1:])
			maxSeq = max(maxSeq, beUint64(k[traceKeyLen:]))
			if !seen[pt] {
				seen[pt] = true
				pending = append(pending, pt)
			}
		}
		_, end := partRange(p)
		if end[0] != nsPart {
			break
		}
		valid = it.SeekGE(end)
	}
	if err := it.Error(); err != nil {
		return nil, 0, fmt.Errorf("cannot scan partitions: %w", err)
	}
	return pending, maxSeq, nil
}

// enter admits a public call unless the store is closed; leave ends it.
func (s *Store) enter() error { return s.life.enter() }
func (s *Store) leave()       { s.life.leave() }

// Close summarizes every pending trace, stops the background work, flushes
// the memtable and closes Pebble.
func (s *Store) Close() error {
	if !s.life.close() {
		return store.ErrClosed
	}

	close(s.stop)
	s.wg.Wait()
	err := s.db.Flush()
	if cerr := s.db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("cannot close store: %w", err)
	}
	return nil
}

// Sync returns once every trace written before the call is summarized.
func (s *Store) Sync(ctx context.Context) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	return s.asm.sync(ctx)
}

// Stats reports disk usage (live and obsolete files, WAL included), the
// traces summarized for the first time since Open, and the traces waiting to
// be summarized.
func (s *Store) Stats() store.Stats {
	if s.enter() != nil {
		return store.Stats{}
	}
	defer s.leave()
	m := s.db.Metrics()
	return store.Stats{
		DiskBytes:     int64(m.DiskSpaceUsage()),
		Traces:        s.summarized.Load(),
		PendingTraces: int64(s.asm.pendingCount()),
	}
}
