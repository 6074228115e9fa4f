package local

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/cockroachdb/pebble/v2"
)

// blockStream is a source over the postings of a few terms (hashes) in one
// family of one partition: the postings whose family time is in [lo, hi),
// strictly after the position key after (when set) and accepted by keep
// (when set), in position order. It reads a bucket (a minute) of blocks at
// a time, newest first, and sorts it in memory: every posting of a minute
// is in that minute's blocks, so the stream as a whole is in order.
type blockStream struct {
	it     *pebble.Iterator
	tables *tables
	part   uint32
	fam    byte
	hashes []uint64 // ascending, so that the seeks of one bucket move forward
	lo, hi float64
	after  []byte
	keep   func(*posting) bool

	nextBucket uint32 // the newest bucket not read yet
	lastBucket uint32 // the oldest bucket that can hold postings in [lo, hi)
	more       bool   // buckets remain to be read
	buf        []candidate
	i          int
}

// newBlockStream opens a stream; afterTime is the time of after (ignored
// when after is nil), so that reading starts at its bucket. The stream it
// returns is never nil and must be closed, error or not.
func newBlockStream(r pebble.Reader, tbls *tables, part uint32, fam byte, hashes []uint64, lo, hi float64, after []byte, afterTime float64, keep func(*posting) bool) (*blockStream, error) {
	s := &blockStream{tables: tbls, part: part, fam: fam, hashes: slices.Sorted(slices.Values(hashes)), lo: lo, hi: hi, after: after, keep: keep}
	if !(lo < hi) {
		return s, nil
	}
	s.nextBucket, s.lastBucket = bucketOf(hi), bucketOf(lo)
	if after != nil {
		s.nextBucket = min(s.nextBucket, bucketOf(afterTime))
	}
	if s.nextBucket < s.lastBucket {
		return s, nil
	}
	it, err := r.NewIter(&pebble.IterOptions{
		LowerBound: postingBucketPrefix(part, fam, s.nextBucket),
		UpperBound: prefixEnd(postingBucketPrefix(part, fam, s.lastBucket)),
	})
	if err != nil {
		return s, err
	}
	s.it, s.more = it, true
	return s, s.fill()
}

func (s *blockStream) cur() *candidate {
	if s.i < len(s.buf) {
		return &s.buf[s.i]
	}
	return nil
}

func (s *blockStream) next() error {
	s.i++
	return s.fill()
}

func (s *blockStream) close() {
	if s.it != nil {
		_ = s.it.Close()
	}
}

// fill reads buckets, newest first, until one yields a candidate or none
// remain. Empty minutes cost nothing: one seek lands on the next minute
// that has postings of any term.
func (s *blockStream) fill() error {
	for s.i >= len(s.buf) && s.more {
		s.buf, s.i = s.buf[:0], 0
		if !s.it.SeekGE(postingBucketPrefix(s.part, s.fam, s.nextBucket)) {
			s.more = false
			return s.it.Error()
		}
		b := bucketOfKey(s.it.Key())
		if err := s.readBucket(b); err != nil {
			return err
		}
		if b == s.lastBucket {
			s.more = false
		} else {
			s.nextBucket = b - 1
		}
		slices.SortFunc(s.buf, func(x, y candidate) int { return bytes.Compare(x.key[:], y.key[:]) })
	}
	return nil
}

func (s *blockStream) readBucket(b uint32) error {
	for _, h := range s.hashes {
		prefix := postingHashPrefix(s.part, s.fam, b, h)
		for ok := s.it.SeekGE(prefix); ok && hasPrefix(s.it.Key(), prefix); ok = s.it.Next() {
			tbl, err := s.tables.get(s.part, seqOfKey(s.it.Key()))
			if err != nil {
				return err
			}
			v, err := s.it.ValueAndErr()
			if err != nil {
				return err
			}
			bad := false
			err = decodeBlock(v, func(i uint64) {
				if i >= uint64(len(tbl)) {
					bad = true
					return
				}
				s.add(&tbl[i])
			})
			if err != nil || bad {
				return fmt.Errorf("cannot read term index block %x: %w", s.it.Key(), errCorruptBlock)
			}
		}
		if err := s.it.Error(); err != nil {
			return err
		}
	}
	return nil
}

func (s *blockStream) add(p *posting) {
	t := p.timeIn(s.fam)
	if t < s.lo || t >= s.hi || (s.keep != nil && !s.keep(p)) {
		return
	}
	s.buf = append(s.buf, candidate{})
	c := &s.buf[len(s.buf)-1]
	c.set(s.part, t, p)
	if s.after != nil && bytes.Compare(c.key[:], s.after) <= 0 {
		s.buf = s.buf[:len(s.buf)-1]
	}
}
