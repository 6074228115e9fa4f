package summarycodec

import (
	"encoding/binary"
	"math"
)

// Compact floats (FormatCompact). A summary is mostly floats: the times of
// every node and edge observation, which repeat (an edge's call is also its
// target's observation; each observation carries the trace's duration) and
// are whole microseconds (X-Ray SDKs send times with six decimals). Eight
// bytes of float each compress poorly, so FormatCompact writes a float as
// a tag, a varint, then what the tag says:
//
//	0       the 8 bytes of the float, big endian
//	1       zigzag varint: the float in µs, minus the last float written
//	        with tag 1 (0 before the first): times, close to each other
//	2       zigzag varint: the float in µs (durations, coverages)
//	3 + i   the i-th float written with tags 0-2 in this summary, again
//
// Tags 1 and 2 are used only when the float is exactly its µs count divided
// by 1e6, so every float decodes to the same bits.

const (
	tagBits     = 0
	tagDelta    = 1
	tagMicros   = 2
	tagRefFirst = 3
)

// floatTable is the encoder's state: the floats written so far.
type floatTable struct {
	seen map[uint64]int // bits → index
	last int64          // µs of the last tagDelta float
}

func newFloatTable() *floatTable { return &floatTable{seen: make(map[uint64]int)} }

// micros returns f in µs when f is exactly that count divided by 1e6.
func micros(f float64) (int64, bool) {
	m := math.Round(f * 1e6)
	if !(math.Abs(m) < 1<<53) {
		return 0, false // NaN, infinities, and counts a float64 cannot hold exactly
	}
	n := int64(m)
	return n, math.Float64bits(float64(n)/1e6) == math.Float64bits(f)
}

func (e *encoder) compactFloat(f float64) {
	t := e.floats
	bits := math.Float64bits(f)
	if i, ok := t.seen[bits]; ok {
		e.uvarint(uint64(tagRefFirst + i))
		return
	}
	t.seen[bits] = len(t.seen)
	n, ok := micros(f)
	switch {
	case !ok:
		e.uvarint(tagBits)
		e.b = binary.BigEndian.AppendUint64(e.b, bits)
	case abs(n-t.last) <= abs(n):
		e.uvarint(tagDelta)
		e.varint(n - t.last)
		t.last = n
	default:
		e.uvarint(tagMicros)
		e.varint(n)
	}
}

func abs(n int64) uint64 {
	if n < 0 {
		return uint64(-n)
	}
	return uint64(n)
}

// floatList is the decoder's state, mirroring floatTable.
type floatList struct {
	vals []float64
	last int64
}

func (d *decoder) compactFloat() float64 {
	l := d.floats
	tag := d.uvarint()
	var f float64
	switch {
	case d.err != nil:
		return 0
	case tag == tagBits:
		if len(d.b) < 8 {
			d.fail()
			return 0
		}
		f = math.Float64frombits(binary.BigEndian.Uint64(d.b))
		d.b = d.b[8:]
	case tag == tagDelta:
		l.last += d.varint()
		f = float64(l.last) / 1e6
	case tag == tagMicros:
		f = float64(d.varint()) / 1e6
	default:
		i := tag - tagRefFirst
		if i >= uint64(len(l.vals)) {
			d.fail()
			return 0
		}
		return l.vals[i]
	}
	l.vals = append(l.vals, f)
	return f
}
