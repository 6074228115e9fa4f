package clickhouse

import (
	"encoding/binary"
	"errors"
	"math"
)

// rowWriter appends values in ClickHouse's RowBinary format: little-endian
// fixed-width integers, strings and arrays prefixed by a varint length.
type rowWriter struct{ b []byte }

func (w *rowWriter) u8(v uint8)   { w.b = append(w.b, v) }
func (w *rowWriter) u16(v uint16) { w.b = binary.LittleEndian.AppendUint16(w.b, v) }
func (w *rowWriter) u32(v uint32) { w.b = binary.LittleEndian.AppendUint32(w.b, v) }
func (w *rowWriter) u64(v uint64) { w.b = binary.LittleEndian.AppendUint64(w.b, v) }
func (w *rowWriter) str(s string) {
	w.b = binary.AppendUvarint(w.b, uint64(len(s)))
	w.b = append(w.b, s...)
}
func (w *rowWriter) bytes(s []byte) {
	w.b = binary.AppendUvarint(w.b, uint64(len(s)))
	w.b = append(w.b, s...)
}
func (w *rowWriter) strs(ss []string) {
	w.b = binary.AppendUvarint(w.b, uint64(len(ss)))
	for _, s := range ss {
		w.str(s)
	}
}

var errShortRow = errors.New("truncated RowBinary result")

// rowReader reads RowBinary results; the first error sticks.
type rowReader struct {
	b   []byte
	err error
}

func (r *rowReader) more() bool { return r.err == nil && len(r.b) > 0 }

func (r *rowReader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.b) < n {
		r.err = errShortRow
		r.b = nil
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *rowReader) u8() uint8 {
	if b := r.take(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *rowReader) u32() uint32 {
	if b := r.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (r *rowReader) u64() uint64 {
	if b := r.take(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func (r *rowReader) bytes() []byte {
	if r.err != nil {
		return nil
	}
	n, k := binary.Uvarint(r.b)
	if k <= 0 || n > math.MaxInt32 {
		r.err = errShortRow
		return nil
	}
	r.b = r.b[k:]
	return r.take(int(n))
}

func (r *rowReader) str() string { return string(r.bytes()) }
