package local

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cockroachdb/pebble/v2"

	"github.com/lightbox-tracing/lightbox/internal/store"
	"github.com/lightbox-tracing/lightbox/internal/trace"
	"github.com/lightbox-tracing/lightbox/segment"
)

// FindTraces streams the summaries of matching traces, newest first. Each
// partition yields its candidates in that order (from a time index, or from
// the term index when the filter has terms the engine indexes), and the
// partitions are merged; nothing beyond a bucket of postings per source is
// held. Everything is read from one snapshot, so a trace whose index entry
// moves while the query runs is seen once.
func (s *Store) FindTraces(ctx context.Context, q store.TraceQuery, fn func(*trace.Summary, store.Position) bool) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	index, ok := indexOf(q.RangeType)
	if !ok {
		return fmt.Errorf("cannot find traces: unknown range type %d", q.RangeType)
	}
	var after []byte
	var afterTime float64
	if q.After != nil {
		tid, err := segment.ParseTraceID(strings.ToLower(q.After.TraceID))
		if err != nil {
			return fmt.Errorf("cannot find traces after %q: %w", q.After.TraceID, err)
		}
		after, afterTime = appendIndexSuffix(nil, q.After.Time, tid), q.After.Time
	}
	match := matcher(q.Filter)
	terms := indexedTerms(q.Filter)

	snap := s.db.NewSnapshot()
	defer snap.Close()
	tbls := newTables(snap)
	var all []source
	defer func() {
		for _, src := range all {
			src.close()
		}
	}()
	for _, p := range s.parts.list() {
		var srcs []source
		var err error
		if len(terms) > 0 {
			srcs, err = s.termSources(snap, tbls, p, q, terms, after, afterTime)
		} else {
			srcs, err = s.indexSources(snap, p, index, q, after)
		}
		all = append(all, srcs...)
		if err != nil {
			return fmt.Errorf("cannot find traces: %w", err)
		}
	}
	var m merge
	for _, src := range all {
		if src.cur() != nil {
			m = append(m, src)
		}
	}
	heap.Init(&m)

	var last [24]byte
	seen := false
	for n := 0; len(m) > 0; n++ {
		if n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("cannot find traces: %w", err)
			}
		}
		// A trace can be proposed twice at one position (postings written
		// twice); the first proposal whose revision is current decides.
		if c := m[0].cur(); !seen || c.key != last {
			sum, err := getSummary(snap, c.part, c.p.tid)
			if err != nil {
				return err
			}
			// A posting of an older revision is stale: the trace may no
			// longer have the term, or no longer be at that time.
			if sum != nil && (c.p.rev == 0 || uint64(sum.Revision) == c.p.rev) {
				last, seen = c.key, true
				if match(sum) && !fn(sum, store.Position{Time: c.t, TraceID: c.p.tid.String()}) {
					return nil
				}
			}
		}
		if err := m.advance(); err != nil {
			return err
		}
	}
	return nil
}

// indexSources is a partition's time index over the window: every trace.
func (s *Store) indexSources(r pebble.Reader, p uint32, index byte, q store.TraceQuery, after []byte) ([]source, error) {
	start := q.Start
	if q.RangeType == store.Overlapping {
		// A trace that started before the window may still overlap it;
		// none in this partition lasted longer than maxDuration.
		start -= s.parts.maxDuration(p)
	}
	lo, hi, ok := indexBounds(p, index, start, q.End)
	if !ok {
		return nil, nil
	}
	var seek []byte
	if after != nil {
		// Strictly after: the smallest key greater than the position's.
		seek = append(append(indexPrefix(p, index), after...), 0)
	}
	src, err := newIndexSource(r, p, index, lo, hi, seek, q.RangeType == store.Overlapping, q.Start)
	if err != nil {
		return nil, err
	}
	return []source{src}, nil
}

// termSources is a partition's term index for the query: the postings of
// the filter's rarest term there, together with the overflow terms that
// stand for it in traces with too many terms (terms.go). Every posting of a
// trace that has the term is among them.
func (s *Store) termSources(r pebble.Reader, tbls *tables, p uint32, q store.TraceQuery, terms []string, after []byte, afterTime float64) ([]source, error) {
	a, b := q.Start, q.End
	// The window on start time that famStart must cover for each order.
	loS, hiS := a, b
	switch q.RangeType {
	case store.Overlapping:
		loS = a - s.parts.maxDuration(p)
	case store.ByEndTime:
		loS = a - postingSlack - 1
		if after != nil {
			hiS = min(hiS, afterTime+1) // start ≤ end ≤ the position's time
		}
	case store.ByTraceID:
		loS, hiS = a-postingSlack-1, b+postingSlack+1
		if after != nil {
			hiS = min(hiS, afterTime+postingSlack+1)
		}
	}
	driver, err := rarestTerm(r, p, terms, loS, hiS)
	if err != nil {
		return nil, err
	}
	hashes := []uint64{termHash(driver), termHash(overflowTerm)}
	if of, ok := keyOverflow(driver); ok {
		hashes = append(hashes, termHash(of))
	}

	var out []source
	add := func(src source, err error) error {
		out = append(out, src) // never nil: closed by the caller, error or not
		return err
	}
	switch q.RangeType {
	case store.ByStartTime:
		err = add(newBlockStream(r, tbls, p, famStart, hashes, a, b, after, afterTime, nil))
	case store.Overlapping:
		overlaps := func(x *posting) bool { return x.end >= a }
		err = add(newBlockStream(r, tbls, p, famStart, hashes, loS, b, after, afterTime, overlaps))
	case store.ByEndTime, store.ByTraceID:
		fam := famEnd
		if q.RangeType == store.ByTraceID {
			fam = famEpoch
		}
		if err = add(newBlockStream(r, tbls, p, fam, hashes, a, b, after, afterTime, nil)); err != nil {
			return out, err
		}
		starts, err := newBlockStream(r, tbls, p, famStart, hashes, loS, hiS, nil, 0, nil)
		if err != nil {
			starts.close()
			return out, err
		}
		err = add(newReorder(starts, fam, a, b, after)) // the reorder closes starts
	}
	return out, err
}

// maxCountBuckets bounds how many minutes rarestTerm counts per term.
const maxCountBuckets = 16

// rarestTerm picks the term to drive a partition's query from: the one
// with the fewest postings in the newest minutes of the start window, where
// the first page comes from. Counting reads block headers, never postings,
// and stops at the best count so far.
func rarestTerm(r pebble.Reader, p uint32, terms []string, loS, hiS float64) (string, error) {
	if len(terms) == 1 || !(loS < hiS) {
		return terms[0], nil
	}
	first, last := bucketOf(hiS), bucketOf(loS)
	it, err := r.NewIter(&pebble.IterOptions{
		LowerBound: postingBucketPrefix(p, famStart, first),
		UpperBound: prefixEnd(postingBucketPrefix(p, famStart, last)),
	})
	if err != nil {
		return "", err
	}
	defer it.Close()
	best, bestN := terms[0], ^uint64(0)
	for _, t := range terms {
		h := termHash(t)
		n, buckets := uint64(0), 0
		for ok := it.First(); ok && n < bestN && buckets < maxCountBuckets; buckets++ {
			bk := bucketOfKey(it.Key())
			prefix := postingHashPrefix(p, famStart, bk, h)
			for ok = it.SeekGE(prefix); ok && hasPrefix(it.Key(), prefix); ok = it.Next() {
				v, err := it.ValueAndErr()
				if err != nil {
					return "", err
				}
				n += blockCount(v)
			}
			if bk == last {
				break
			}
			ok = it.SeekGE(postingBucketPrefix(p, famStart, bk-1))
		}
		if err := it.Error(); err != nil {
			return "", err
		}
		if n < bestN {
			best, bestN = t, n
		}
	}
	return best, nil
}

// indexedTerms returns the filter's terms that the engine indexes, without
// duplicates; the others cannot narrow a query.
func indexedTerms(f *store.Filter) []string {
	if f == nil {
		return nil
	}
	var out []string
	for _, t := range f.Terms {
		if indexed(t) && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// matcher is the filter's exact predicate. A filter without Match is its
// terms: a trace matches when it has every one.
func matcher(f *store.Filter) func(*trace.Summary) bool {
	switch {
	case f == nil:
		return func(*trace.Summary) bool { return true }
	case f.Match != nil:
		return f.Match
	}
	return func(s *trace.Summary) bool {
		have := s.Terms()
		for _, t := range f.Terms {
			if _, ok := slices.BinarySearch(have, t); !ok {
				return false
			}
		}
		return true
	}
}

// getSummary reads a trace's summary; nil when the trace has none yet.
func getSummary(r pebble.Reader, p uint32, tid segment.TraceID) (*trace.Summary, error) {
	v, closer, err := r.Get(summaryKey(p, tid))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read summary of trace %s: %w", tid, err)
	}
	defer closer.Close()
	sum, err := decodeSummary(v)
	if err != nil {
		return nil, fmt.Errorf("cannot decode summary of trace %s: %w", tid, err)
	}
	return sum, nil
}
