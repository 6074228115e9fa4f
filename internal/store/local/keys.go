package local

import (
	"encoding/binary"
	"math"

	"github.com/lightbox-tracing/lightbox/internal/store"
	"github.com/lightbox-tracing/lightbox/segment"
)

// Key namespaces and kinds; FORMAT.md is the reference. Every key of a time
// partition starts with the partition prefix so that retention drops a
// partition with one range deletion.
const (
	nsMeta = 'm' // engine-wide settings
	nsPart = 'p' // followed by the partition number (uint32, big endian)

	kindDoc     = 'D' // trace ID, segment ID → stored document
	kindTrace   = 'T' // trace ID → nothing: the trace lives in this partition
	kindPending = 'Q' // trace ID, write sequence → nothing: summary is stale
	kindSummary = 'S' // trace ID → summary
	kindIndex   = 'I' // index ID, inverted time, inverted trace ID → index value
	kindMaxDur  = 'M' // ordered duration → nothing: a trace this long exists
	// kindPosting sorts before kindTrace on purpose: the assembler's keys
	// then stay out of the key range that placing every new trace probes
	// (a point read of its T key). With postings after T (as 'X'), placing
	// new traces took 2.6 times the CPU at 25,000 documents/s.
	kindPosting = 'P' // family, inverted minute, term hash, write sequence → postings; 't', write sequence → trace table (postings.go)
)

// Index IDs inside kindIndex keys. Overlapping queries use indexStart, whose
// entries carry the trace's end time as their value.
const (
	indexTraceID byte = 'i'
	indexStart   byte = 's'
	indexEnd     byte = 'e'
)

// Value format versions, the first byte of stored documents and summaries,
// so that a later encoding can be told apart from this one.
const (
	docFormatRaw        byte = 1 // the document's bytes as received
	summaryFormatJSON   byte = 1 // encoding/json of trace.Summary (early versions)
	summaryFormatBinary byte = 2 // summary_codec.go without root causes (still read)
	summaryFormatRoots  byte = 3 // summary_codec.go with root causes
)

const (
	partPrefixLen = 1 + 4
	traceKeyLen   = partPrefixLen + 1 + 16
	docKeyLen     = traceKeyLen + 8
	pendingKeyLen = traceKeyLen + 8
	indexKeyLen   = partPrefixLen + 2 + 8 + 16
)

var (
	metaFormatKey    = []byte{nsMeta, 'f'}
	metaPartitionKey = []byte{nsMeta, 'w'}
)

func appendPartPrefix(b []byte, part uint32) []byte {
	b = append(b, nsPart)
	return binary.BigEndian.AppendUint32(b, part)
}

// partRange is the key range [start, end) holding all of a partition.
func partRange(part uint32) (start, end []byte) {
	start = appendPartPrefix(nil, part)
	if part == math.MaxUint32 {
		return start, []byte{nsPart + 1}
	}
	return start, appendPartPrefix(nil, part+1)
}

func partOfKey(k []byte) (uint32, bool) {
	if len(k) < partPrefixLen || k[0] != nsPart {
		return 0, false
	}
	return binary.BigEndian.Uint32(k[1:5]), true
}

func appendTraceKey(b []byte, part uint32, kind byte, tid segment.TraceID) []byte {
	b = appendPartPrefix(b, part)
	b = append(b, kind)
	return append(b, tid[:]...)
}

func appendDocKey(b []byte, part uint32, tid segment.TraceID, sid segment.SegmentID) []byte {
	b = appendTraceKey(b, part, kindDoc, tid)
	return append(b, sid[:]...)
}

func pendingKey(part uint32, tid segment.TraceID, seq uint64) []byte {
	b := appendTraceKey(make([]byte, 0, pendingKeyLen), part, kindPending, tid)
	return binary.BigEndian.AppendUint64(b, seq)
}

func traceKey(part uint32, tid segment.TraceID) []byte {
	return appendTraceKey(make([]byte, 0, traceKeyLen), part, kindTrace, tid)
}

func summaryKey(part uint32, tid segment.TraceID) []byte {
	return appendTraceKey(make([]byte, 0, traceKeyLen), part, kindSummary, tid)
}

// maxDurPrefix starts the keys recording a partition's longest trace. Each
// new maximum is its own key (the duration, ordered, in the key), so that
// concurrent writers never overwrite a larger value with a smaller one; the
// last key is the maximum.
func maxDurPrefix(part uint32) []byte {
	return append(appendPartPrefix(make([]byte, 0, partPrefixLen+1+8), part), kindMaxDur)
}

func maxDurKey(part uint32, d float64) []byte {
	return binary.BigEndian.AppendUint64(maxDurPrefix(part), orderedTime(d))
}

func hasPrefix(k, p []byte) bool { return len(k) >= len(p) && string(k[:len(p)]) == string(p) }

func beUint64(b []byte) uint64 { return binary.BigEndian.Uint64(b) }

// prefixEnd is the smallest key greater than every key starting with p.
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] != 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil // p is all 0xff: no upper bound
}

// orderedTime maps a float64 to a uint64 with the same order (for every
// non-NaN value), so times can sort as bytes.
func orderedTime(t float64) uint64 {
	b := math.Float64bits(t)
	if b>>63 == 1 {
		return ^b
	}
	return b | 1<<63
}

func timeFromOrdered(u uint64) float64 {
	if u>>63 == 1 {
		return math.Float64frombits(u &^ (1 << 63))
	}
	return math.Float64frombits(^u)
}

// indexPrefix is the start of one index in one partition. Keys after it
// are the inverted ordered time and the inverted trace ID, so that a forward
// scan visits the newest time first and, within a time, the greatest trace
// ID first: exactly FindTraces' order.
func indexPrefix(part uint32, index byte) []byte {
	b := appendPartPrefix(make([]byte, 0, indexKeyLen), part)
	return append(b, kindIndex, index)
}

func appendIndexSuffix(b []byte, t float64, tid segment.TraceID) []byte {
	b = binary.BigEndian.AppendUint64(b, ^orderedTime(t))
	for _, c := range tid {
		b = append(b, ^c)
	}
	return b
}

func indexKey(part uint32, index byte, t float64, tid segment.TraceID) []byte {
	return appendIndexSuffix(indexPrefix(part, index), t, tid)
}

// decodeIndexSuffix reads the position from the part of an index key that
// follows indexPrefix.
func decodeIndexSuffix(s []byte) (float64, segment.TraceID) {
	var tid segment.TraceID
	t := timeFromOrdered(^binary.BigEndian.Uint64(s[:8]))
	for i := range tid {
		tid[i] = ^s[8+i]
	}
	return t, tid
}

// indexBounds returns the key range of index entries of one partition whose
// time t satisfies start ≤ t < end. ok is false when the range is empty.
func indexBounds(part uint32, index byte, start, end float64) (lo, hi []byte, ok bool) {
	if !(start < end) {
		return nil, nil, false
	}
	p := indexPrefix(part, index)
	// Inverted times: t < end ⇔ inv(t) > inv(end); t ≥ start ⇔ inv(t) ≤ inv(start).
	invEnd, invStart := ^orderedTime(end), ^orderedTime(start)
	if invEnd == math.MaxUint64 {
		return nil, nil, false
	}
	lo = binary.BigEndian.AppendUint64(append([]byte(nil), p...), invEnd+1)
	if invStart == math.MaxUint64 {
		hi = prefixEnd(p)
	} else {
		hi = binary.BigEndian.AppendUint64(append([]byte(nil), p...), invStart+1)
	}
	return lo, hi, true
}

// indexOf maps a query's range type to the index that orders it.
func indexOf(rt store.RangeType) (byte, bool) {
	switch rt {
	case store.ByTraceID:
		return indexTraceID, true
	case store.ByStartTime, store.Overlapping:
		return indexStart, true
	case store.ByEndTime:
		return indexEnd, true
	}
	return 0, false
}

func encodeFloat(f float64) []byte {
	return binary.BigEndian.AppendUint64(nil, math.Float64bits(f))
}

func decodeFloat(b []byte) (float64, bool) {
	if len(b) != 8 {
		return 0, false
	}
	return math.Float64frombits(binary.BigEndian.Uint64(b)), true
}
