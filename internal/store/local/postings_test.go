package local

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/lightbox-tracing/lightbox/internal/trace"
	"github.com/lightbox-tracing/lightbox/segment"
)

// Trace tables give back each trace's ID, times and revision exactly,
// whatever the times, and blocks their ascending table indices.
func TestPostingTableAndBlockRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	times := []float64{0, 1700000000, 1700000059.999999, 1073741824 - 1e-6, 1073741824, math.MaxFloat64, 1e-300, math.Inf(1)}
	var want []posting
	var tbl traceTable
	for range 200 {
		var p posting
		for i := range p.tid {
			p.tid[i] = byte(rng.Uint32())
		}
		p.start = times[rng.IntN(len(times))] + rng.Float64()*float64(rng.IntN(2))
		p.end = p.start + rng.Float64()*math.Pow(10, float64(rng.IntN(8)))
		p.rev = rng.Uint64() >> rng.IntN(64)
		want = append(want, p)
		tbl.buf = appendEntry(tbl.buf, &p, tbl.prevStart)
		tbl.prevStart = math.Float64bits(p.start)
	}
	v := append(appendHeader(nil, uint64(len(want))), tbl.buf...)
	got, err := decodeTable(v)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d entries back, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d came back as %+v, want %+v", i, got[i], want[i])
		}
	}
	if _, err := decodeTable(v[:len(v)-1]); err == nil {
		t.Error("a truncated table decoded without error")
	}

	var c postingCollector
	c.tables, c.blocks = map[uint32]*traceTable{}, map[blockID]*block{}
	id := blockID{part: 3, fam: famStart, bucket: 9, hash: 42}
	idx := []uint64{0, 1, 1, 7, 300, 100000}
	for _, i := range idx {
		c.put(id, i)
	}
	blk := c.blocks[id]
	v = append(appendHeader(nil, blk.n), blk.buf...)
	if n := blockCount(v); n != uint64(len(idx)) {
		t.Fatalf("blockCount = %d, want %d", n, len(idx))
	}
	var back []uint64
	if err := decodeBlock(v, func(i uint64) { back = append(back, i) }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back, idx) {
		t.Errorf("block indices came back as %v, want %v", back, idx)
	}
	if err := decodeBlock(v[:len(v)-1], func(uint64) {}); err == nil {
		t.Error("a truncated block decoded without error")
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
		{"epoch an hour from start", 1700000000, 1700003600, 1700003601, "si"},
		{"random epoch, long: indexed at its start", 0x12345678, 1700000000, 1700000100, "se"},
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

// BenchmarkPostingCollectorAdd is the assembler's cost of indexing one
// summary with 21 terms (7 annotation keys with their values, a user, six
// services), the shape of loadgen's traces.
func BenchmarkPostingCollectorAdd(b *testing.B) {
	raw := `{"trace_id":"1-6553f100-0123456789abcdef01234567","id":"0000000000000001","name":"web","start_time":1700000000.5,"end_time":1700000000.75,` +
		`"user":"user-17","annotations":{"customer_tier":"gold","cart_items":3,"ab_test":true,"order_type":"express","items":4,"pages":2,"template":"receipt-v3"},` +
		`"subsegments":[{"id":"0000000000000002","name":"orders","namespace":"remote","start_time":1700000000.5,"end_time":1700000000.6},` +
		`{"id":"0000000000000003","name":"DynamoDB","namespace":"aws","start_time":1700000000.6,"end_time":1700000000.7},` +
		`{"id":"0000000000000004","name":"S3","namespace":"aws","start_time":1700000000.6,"end_time":1700000000.7},` +
		`{"id":"0000000000000005","name":"SQS","namespace":"aws","start_time":1700000000.6,"end_time":1700000000.7},` +
		`{"id":"0000000000000006","name":"db@host","namespace":"remote","start_time":1700000000.6,"end_time":1700000000.7}]}`
	docs := mustParse(b, raw)
	sum := trace.Assemble(docs[0].TraceID, docs).Summary()
	sum.Revision = 1
	if n := len(indexTerms(sum)); n != 21 {
		b.Fatalf("%d terms, want 21: %q", n, indexTerms(sum))
	}
	tid, _ := segment.ParseTraceID(docs[0].TraceID)
	var c postingCollector
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.add(3, tid, sum)
		if i++; i%250 == 0 {
			clear(c.tables)
			clear(c.blocks)
		}
	}
}
