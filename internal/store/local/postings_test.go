package local

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/lightbox-tracing/lightbox/segment"
)

// Postings come back exactly, whatever their times and the block they are
// stored against, and a block's header tells how many it holds.
func TestPostingBlockRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	times := []float64{0, 1700000000, 1700000059.999999, 1073741824 - 1e-6, 1073741824, math.MaxFloat64, 1e-300, math.Inf(1)}
	var want []posting
	for range 200 {
		var p posting
		for i := range p.tid {
			p.tid[i] = byte(rng.Uint32())
		}
		p.start = times[rng.IntN(len(times))] + rng.Float64()*float64(rng.IntN(2))
		p.end = p.start + rng.Float64()*math.Pow(10, float64(rng.IntN(8)))
		p.rev = rng.Uint64() >> rng.IntN(64)
		want = append(want, p)
	}
	for _, bucket := range []uint32{0, bucketOf(1700000000), math.MaxUint32} {
		var c postingCollector
		id := blockID{part: 3, fam: famStart, bucket: bucket, hash: 42}
		for i := range want {
			c.put(id, &want[i])
		}
		blk := c.blocks[id]
		v := append(blk.header(), blk.buf...)
		if n := blockCount(v); n != uint64(len(want)) {
			t.Fatalf("bucket %d: blockCount = %d, want %d", bucket, n, len(want))
		}
		var got []posting
		if err := decodeBlock(v, bucketBits(bucket), func(p *posting) { got = append(got, *p) }); err != nil {
			t.Fatalf("bucket %d: %v", bucket, err)
		}
		if len(got) != len(want) {
			t.Fatalf("bucket %d: %d postings back, want %d", bucket, len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("bucket %d: posting %d came back as %+v, want %+v", bucket, i, got[i], want[i])
			}
		}
		if err := decodeBlock(v[:len(v)-1], bucketBits(bucket), func(*posting) {}); err == nil {
			t.Errorf("bucket %d: a truncated block decoded without error", bucket)
		}
	}
}

// A summary's postings go to famStart, plus famEnd when it is long and
// famEpoch when its trace ID epoch is far from its start, once per term.
func TestPostingFamilies(t *testing.T) {
	cases := []struct {
		name       string
		epoch      uint32
		start, end float64
		fams       string
	}{
		{"short, epoch at start", 1700000000, 1700000000.5, 1700000001, "s"},
		{"exactly the slack long", 1700000000, 1700000000, 1700000060, "s"},
		{"longer than the slack", 1700000000, 1700000000, 1700000060.5, "se"},
		{"epoch far before start", 1700000000, 1700000061, 1700000062, "si"},
		{"random epoch, long", 0x12345678, 1700000000, 1700000100, "sei"},
	}
	for _, tc := range cases {
		s := summaryWith(map[string]int{"k": 2}, 0)
		s.StartTime, s.EndTime, s.Revision = tc.start, tc.end, 1
		var tid segment.TraceID
		binary.BigEndian.PutUint32(tid[:4], tc.epoch)
		var c postingCollector
		c.add(7, tid, s)
		count := map[byte]int{}
		for id, b := range c.blocks {
			count[id.fam] += int(b.n)
		}
		terms := len(indexTerms(s))
		for _, fam := range []byte{famStart, famEnd, famEpoch} {
			want := 0
			for _, f := range []byte(tc.fams) {
				if f == fam {
					want = terms
				}
			}
			if count[fam] != want {
				t.Errorf("%s: %d postings in family %c, want %d", tc.name, count[fam], fam, want)
			}
		}
	}
}
