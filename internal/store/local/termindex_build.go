package local

import (
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/lightbox-tracing/lightbox/segment"
)

// buildTermIndex indexes every stored summary of a store written before the
// term index existed (formatNoTermIndex), then stamps the store with
// formatVersion in the same synced batch as the last postings. It runs in
// Open before the assembler starts, so no summary changes meanwhile. A crash
// half-way leaves the old format: the next Open starts over, and the
// postings written twice are read once (FindTraces skips a repeated
// position).
func (s *Store) buildTermIndex() error {
	began := time.Now()
	s.log.Info("building the term index of a store written by an older version")
	b := s.db.NewBatch()
	var c postingCollector
	traces := 0
	commit := func(opts *pebble.WriteOptions) error {
		if !c.empty() {
			c.flush(b, s.writeSeq.Add(1))
		}
		err := b.Commit(opts)
		_ = b.Close()
		b = s.db.NewBatch()
		if err != nil {
			return fmt.Errorf("cannot write term index: %w", err)
		}
		return nil
	}
	defer func() { _ = b.Close() }()
	for _, p := range s.parts.list() {
		lo := append(appendPartPrefix(nil, p), kindSummary)
		it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(lo)})
		if err != nil {
			return fmt.Errorf("cannot build term index: %w", err)
		}
		for ok := it.First(); ok; ok = it.Next() {
			k := it.Key()
			if len(k) != traceKeyLen {
				continue
			}
			var tid segment.TraceID
			copy(tid[:], k[partPrefixLen+1:])
			v, err := it.ValueAndErr()
			if err != nil {
				_ = it.Close()
				return fmt.Errorf("cannot build term index: %w", err)
			}
			sum, err := decodeSummary(v)
			if err != nil {
				s.log.Warn("cannot index an undecodable summary", "trace", tid.String(), "err", err)
				continue
			}
			c.add(p, tid, sum)
			traces++
			if c.bytes >= assemblyBatchBytes {
				if err := commit(pebble.NoSync); err != nil {
					_ = it.Close()
					return err
				}
			}
		}
		err = it.Error()
		_ = it.Close()
		if err != nil {
			return fmt.Errorf("cannot build term index: %w", err)
		}
	}
	_ = b.Set(metaFormatKey, []byte{formatVersion}, nil)
	if err := commit(pebble.Sync); err != nil {
		return err
	}
	s.log.Info("built the term index", "traces", traces, "took", time.Since(began))
	return nil
}
