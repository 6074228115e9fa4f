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
// one revision of its summary, has a term. An assembly batch writes one
// table of the traces it summarized (ID, times, revision), and blocks of
// postings: all the postings of one term, one family and one minute go into
// one key, and each posting is the trace's index in the table, a byte or
// two. A trace has tens of terms; this keeps what they cost ingest to a few
// bytes each, instead of a key or a copy of the trace's ID each.
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

// famTable is the sub-kind of the trace tables blocks refer to.
const famTable byte = 't'

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
// first), the term hash and the write sequence of the batch, which names
// the batch's trace table.
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

// bucketOfKey reads the bucket of a block's key.
func bucketOfKey(k []byte) uint32 {
	return ^binary.BigEndian.Uint32(k[postingPrefixLen:postingBucketLen])
}

// seqOfKey reads the write sequence of a block's key.
func seqOfKey(k []byte) uint64 { return binary.BigEndian.Uint64(k[postingHashLen:postingKeyLen]) }

// tableKey is the key of the trace table of the batch written with seq.
func tableKey(part uint32, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(postingPrefix(part, famTable), seq)
}

// posting is one trace at one revision of its summary.
type posting struct {
	tid        segment.TraceID
	start, end float64
	rev        uint64
}

// epoch is the time the trace ID stands for (segment.TraceID.IndexTime).
func (p *posting) epoch() float64 { return p.tid.IndexTime(p.start) }

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

var errCorruptBlock = errors.New("term index block is corrupt")

// appendHeader starts a table's or a block's value.
func appendHeader(b []byte, n uint64) []byte {
	return binary.AppendUvarint(append(b, postingFormat), n)
}

func readHeader(v []byte) (n uint64, rest []byte, err error) {
	if len(v) == 0 || v[0] != postingFormat {
		return 0, nil, errCorruptBlock
	}
	n, k := binary.Uvarint(v[1:])
	if k <= 0 {
		return 0, nil, errCorruptBlock
	}
	return n, v[1+k:], nil
}

// blockCount is the number of postings a block holds, read from its header.
func blockCount(v []byte) uint64 {
	n, _, _ := readHeader(v)
	return n
}

// A trace table entry is the trace ID, then uvarints: the start time's bits
// XOR the previous entry's (0 for the first), the end time's bits XOR the
// start time's, the revision. Times of one batch share their sign, exponent
// and top mantissa bits, and a short trace's end shares them with its start,
// so the XORs are small and their varints short; the encoding is exact.
func appendEntry(b []byte, p *posting, prevStart uint64) []byte {
	start, end := math.Float64bits(p.start), math.Float64bits(p.end)
	b = append(b, p.tid[:]...)
	b = binary.AppendUvarint(b, start^prevStart)
	b = binary.AppendUvarint(b, end^start)
	return binary.AppendUvarint(b, p.rev)
}

// decodeTable reads a trace table's value.
func decodeTable(v []byte) ([]posting, error) {
	n, v, err := readHeader(v)
	if err != nil || n > uint64(len(v))/17 {
		return nil, errCorruptBlock
	}
	out := make([]posting, n)
	prev := uint64(0)
	for i := range out {
		p := &out[i]
		if len(v) < 16 {
			return nil, errCorruptBlock
		}
		copy(p.tid[:], v[:16])
		v = v[16:]
		var x [3]uint64
		for j := range x {
			var k int
			if x[j], k = binary.Uvarint(v); k <= 0 {
				return nil, errCorruptBlock
			}
			v = v[k:]
		}
		start := x[0] ^ prev
		p.start, p.end, p.rev = math.Float64frombits(start), math.Float64frombits(x[1]^start), x[2]
		prev = start
	}
	return out, nil
}

// decodeBlock calls fn with the table index of each posting of a block's
// value: uvarint differences from the previous index (indices ascend).
func decodeBlock(v []byte, fn func(uint64)) error {
	n, v, err := readHeader(v)
	if err != nil {
		return err
	}
	idx := uint64(0)
	for range n {
		d, k := binary.Uvarint(v)
		if k <= 0 {
			return errCorruptBlock
		}
		v = v[k:]
		idx += d
		fn(idx)
	}
	return nil
}

// blockID names the block a posting goes to in one batch.
type blockID struct {
	part   uint32
	fam    byte
	bucket uint32
	hash   uint64
}

// block is a block being gathered: its postings, encoded.
type block struct {
	n    uint64
	last uint64 // the last index added
	buf  []byte
}

// traceTable is a partition's trace table being gathered.
type traceTable struct {
	n         uint64
	prevStart uint64
	buf       []byte
}

// postingCollector gathers the postings of the summaries of one assembly
// batch, written into the batch just before it is committed, so that a
// summary and its postings are stored atomically.
type postingCollector struct {
	tables map[uint32]*traceTable // by partition
	blocks map[blockID]*block
	bytes  int
}

// add indexes one summary revision of a trace under every term of
// indexTerms.
func (c *postingCollector) add(part uint32, tid segment.TraceID, sum *trace.Summary) {
	terms := indexTerms(sum)
	if len(terms) == 0 {
		return
	}
	if c.tables == nil {
		c.tables = make(map[uint32]*traceTable)
		c.blocks = make(map[blockID]*block)
	}
	tbl := c.tables[part]
	if tbl == nil {
		tbl = &traceTable{}
		c.tables[part] = tbl
		c.bytes += postingKeyLen + 1 + binary.MaxVarintLen64
	}
	p := posting{tid: tid, start: sum.StartTime, end: sum.EndTime, rev: uint64(sum.Revision)}
	n := len(tbl.buf)
	tbl.buf = appendEntry(tbl.buf, &p, tbl.prevStart)
	tbl.prevStart = math.Float64bits(p.start)
	idx := tbl.n
	tbl.n++
	c.bytes += len(tbl.buf) - n

	long, skewed := p.long(), p.skewed()
	for _, t := range terms {
		h := termHash(t)
		c.put(blockID{part, famStart, bucketOf(p.start), h}, idx)
		if long {
			c.put(blockID{part, famEnd, bucketOf(p.end), h}, idx)
		}
		if skewed {
			c.put(blockID{part, famEpoch, bucketOf(p.epoch()), h}, idx)
		}
	}
}

func (c *postingCollector) put(id blockID, idx uint64) {
	b := c.blocks[id]
	if b == nil {
		b = &block{buf: make([]byte, 0, 8)}
		c.blocks[id] = b
		c.bytes += postingKeyLen + 1 + binary.MaxVarintLen64
	}
	n := len(b.buf)
	b.buf = binary.AppendUvarint(b.buf, idx-b.last)
	b.last = idx
	b.n++
	c.bytes += len(b.buf) - n
}

// empty reports whether nothing was gathered since the last flush.
func (c *postingCollector) empty() bool { return len(c.tables) == 0 }

// flush writes the gathered tables and blocks into b under write sequence
// seq and empties the collector.
func (c *postingCollector) flush(b *pebble.Batch, seq uint64) {
	set := func(k []byte, n uint64, body []byte) {
		var hdr [1 + binary.MaxVarintLen64]byte
		h := appendHeader(hdr[:0], n)
		op := b.SetDeferred(len(k), len(h)+len(body))
		copy(op.Key, k)
		copy(op.Value[copy(op.Value, h):], body)
		_ = op.Finish()
	}
	for part, tbl := range c.tables {
		set(tableKey(part, seq), tbl.n, tbl.buf)
	}
	for id, blk := range c.blocks {
		set(postingKey(id.part, id.fam, id.bucket, id.hash, seq), blk.n, blk.buf)
	}
	clear(c.tables)
	clear(c.blocks)
	c.bytes = 0
}
