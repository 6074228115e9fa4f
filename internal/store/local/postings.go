package local

import (
	"encoding/binary"
	"errors"
	"math"

	"github.com/cockroachdb/pebble/v2"

	"github.com/lightbox-tracing/lightbox/internal/trace"
	"github.com/lightbox-tracing/lightbox/segment"
)

// The term index (FORMAT.md, "Term index"). A posting says that a trace, at
// one revision of its summary, has a term. Postings are written in blocks:
// all the postings of one term, one family and one minute that an assembly
// batch produced go into one key, because a Pebble key costs ingest about as
// much as 100 bytes of value, and a trace has tens of terms.
//
// Each family orders its postings by one time. Every indexed trace is in
// famStart; the two others hold only the traces whose end or trace ID epoch
// is far from their start (postingSlack), so that a query ordered by end
// time or by trace ID can walk famStart and still emit in its own order by
// holding back postingSlack seconds of candidates (reorder.go).
const (
	famStart byte = 's' // every indexed trace, bucketed and ordered by start time
	famEnd   byte = 'e' // traces with end − start > postingSlack, by end time
	famEpoch byte = 'i' // traces with |epoch − start| > postingSlack, by trace ID epoch
)

// postingSlack bounds how far a trace's end and trace ID epoch may be from
// its start for the trace to be found through famStart alone. Most traces
// last well under a minute and carry an X-Ray trace ID minted at their start.
const postingSlack = 60.0

// bucketWidth is the time span of one block, in seconds: the unit a query
// reads and sorts at once.
const bucketWidth = 60.0

// postingFormat is the first byte of a block's value.
const postingFormat byte = 1

// postingSize is the most bytes one posting takes in a block.
const postingSize = 16 + 3*binary.MaxVarintLen64

const (
	postingPrefixLen = partPrefixLen + 2
	postingBucketLen = postingPrefixLen + 4
	postingHashLen   = postingBucketLen + 8
	postingKeyLen    = postingHashLen + 8
)

// bucketOf is the block bucket holding time t; it grows with t.
func bucketOf(t float64) uint32 {
	b := math.Floor(t / bucketWidth)
	switch {
	case !(b >= 0): // also NaN
		return 0
	case b > math.MaxUint32:
		return math.MaxUint32
	}
	return uint32(b)
}

// postingPrefix starts the blocks of one family in one partition. After it
// come the inverted bucket (so that a forward scan meets the newest minute
// first), the term hash and a write sequence that keeps blocks of different
// batches apart.
func postingPrefix(part uint32, fam byte) []byte {
	b := appendPartPrefix(make([]byte, 0, postingKeyLen), part)
	return append(b, kindPosting, fam)
}

func postingBucketPrefix(part uint32, fam byte, bucket uint32) []byte {
	return binary.BigEndian.AppendUint32(postingPrefix(part, fam), ^bucket)
}

func postingHashPrefix(part uint32, fam byte, bucket uint32, hash uint64) []byte {
	return binary.BigEndian.AppendUint64(postingBucketPrefix(part, fam, bucket), hash)
}

func postingKey(part uint32, fam byte, bucket uint32, hash, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(postingHashPrefix(part, fam, bucket, hash), seq)
}

// bucketOfKey reads the bucket of a posting key of the family prefix p.
func bucketOfKey(k []byte) uint32 {
	return ^binary.BigEndian.Uint32(k[postingPrefixLen:postingBucketLen])
}

// posting is one trace at one revision of its summary.
type posting struct {
	tid        segment.TraceID
	start, end float64
	rev        uint64
}

func (p *posting) epoch() float64 { return float64(p.tid.Epoch()) }

// long and skewed decide, for writers and readers alike, which traces are
// in famEnd and famEpoch. Both sides compute them from the same stored
// floats, so they always agree.
func (p *posting) long() bool { return p.end-p.start > postingSlack }

func (p *posting) skewed() bool {
	d := p.epoch() - p.start
	return d > postingSlack || -d > postingSlack
}

// timeIn is the time family fam orders the posting by.
func (p *posting) timeIn(fam byte) float64 {
	switch fam {
	case famEnd:
		return p.end
	case famEpoch:
		return p.epoch()
	}
	return p.start
}

// bucketBits is what a block's start times are stored against: the bits
// of its minute's first second. Times of one minute share their sign,
// exponent and top mantissa bits with it, so the XOR of the two is small
// and its varint short (about 4 bytes instead of 8), and exact.
func bucketBits(bucket uint32) uint64 { return math.Float64bits(float64(bucket) * bucketWidth) }

// appendPosting encodes a posting of a block whose bucketBits is ref:
// tid, start XOR ref, end XOR start (uvarints), revision (uvarint).
func appendPosting(b []byte, p *posting, ref uint64) []byte {
	start, end := math.Float64bits(p.start), math.Float64bits(p.end)
	b = append(b, p.tid[:]...)
	b = binary.AppendUvarint(b, start^ref)
	b = binary.AppendUvarint(b, end^start)
	return binary.AppendUvarint(b, p.rev)
}

var errCorruptBlock = errors.New("posting block is corrupt")

// decodeBlock calls fn with each posting of a block's value; ref is the
// bucketBits of the block's key.
func decodeBlock(v []byte, ref uint64, fn func(*posting)) error {
	if len(v) == 0 || v[0] != postingFormat {
		return errCorruptBlock
	}
	v = v[1:]
	n, k := binary.Uvarint(v)
	if k <= 0 {
		return errCorruptBlock
	}
	v = v[k:]
	var p posting
	for range n {
		if len(v) < 16 {
			return errCorruptBlock
		}
		copy(p.tid[:], v[:16])
		v = v[16:]
		var x [3]uint64
		for i := range x {
			if x[i], k = binary.Uvarint(v); k <= 0 {
				return errCorruptBlock
			}
			v = v[k:]
		}
		start := x[0] ^ ref
		p.start = math.Float64frombits(start)
		p.end = math.Float64frombits(x[1] ^ start)
		p.rev = x[2]
		fn(&p)
	}
	return nil
}

// blockCount is the number of postings a block holds, read from its header.
func blockCount(v []byte) uint64 {
	if len(v) < 2 || v[0] != postingFormat {
		return 0
	}
	n, _ := binary.Uvarint(v[1:])
	return n
}

// blockID names the block a posting goes to in one batch.
type blockID struct {
	part   uint32
	fam    byte
	bucket uint32
	hash   uint64
}

type block struct {
	n   uint64
	buf []byte // the encoded postings
}

// header is what a block's value starts with: the format and the count.
func (b *block) header() []byte {
	return binary.AppendUvarint(append(make([]byte, 0, 1+binary.MaxVarintLen64), postingFormat), b.n)
}

// postingCollector gathers the postings of the summaries of one assembly
// batch into blocks, written into the batch just before it is committed,
// so that a summary and its postings are stored atomically.
type postingCollector struct {
	blocks map[blockID]*block
	bytes  int
}

// add indexes one summary revision of a trace under every term of
// indexTerms.
func (c *postingCollector) add(part uint32, tid segment.TraceID, sum *trace.Summary) {
	p := posting{tid: tid, start: sum.StartTime, end: sum.EndTime, rev: uint64(sum.Revision)}
	long, skewed := p.long(), p.skewed()
	for _, t := range indexTerms(sum) {
		h := termHash(t)
		c.put(blockID{part, famStart, bucketOf(p.start), h}, &p)
		if long {
			c.put(blockID{part, famEnd, bucketOf(p.end), h}, &p)
		}
		if skewed {
			c.put(blockID{part, famEpoch, bucketOf(p.epoch()), h}, &p)
		}
	}
}

func (c *postingCollector) put(id blockID, p *posting) {
	if c.blocks == nil {
		c.blocks = make(map[blockID]*block)
	}
	b := c.blocks[id]
	if b == nil {
		b = &block{buf: make([]byte, 0, 2*postingSize)}
		c.blocks[id] = b
		c.bytes += postingKeyLen + 1 + binary.MaxVarintLen64
	}
	n := len(b.buf)
	b.buf = appendPosting(b.buf, p, bucketBits(id.bucket))
	b.n++
	c.bytes += len(b.buf) - n
}

// flush writes the gathered blocks into b under write sequence seq and
// empties the collector.
func (c *postingCollector) flush(b *pebble.Batch, seq uint64) {
	for id, blk := range c.blocks {
		k := postingKey(id.part, id.fam, id.bucket, id.hash, seq)
		hdr := blk.header()
		op := b.SetDeferred(len(k), len(hdr)+len(blk.buf))
		copy(op.Key, k)
		copy(op.Value[copy(op.Value, hdr):], blk.buf)
		_ = op.Finish()
	}
	clear(c.blocks)
	c.bytes = 0
}
