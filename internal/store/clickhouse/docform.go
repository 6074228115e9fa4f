package clickhouse

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strconv"
)

// The stored form of a document (the raw column). Schema version 1 stored
// the bytes received. Version 2 splits them into a shape and values:
//
//	0x00 0x02, uvarint length of the shape, the shape, the values
//
// The shape is the document with
//
//	the trace ID (the row's trace_id)              → 0x00 0x01
//	the document ID (the row's id)                 → 0x00 0x02
//	a time, 10 digits '.' 6 digits                 → 0x00 0x03
//	an entity ID, '"' 16 lowercase hex digits '"'  → 0x00 0x04
//	a zero byte                                    → 0x00 0x00
//
// and the values are, in the shape's order, each time's µs as a zigzag
// varint difference from the previous time (from 0 for the first), and
// each entity ID's 8 bytes. Documents that SDKs send from the same code
// differ in little but IDs and times, so their shapes repeat byte for byte
// and compress to almost nothing, while the values are what is left: about
// 1,100 bytes of a loadgen document become 58 on disk with ZSTD
// (docs/benchmarks.md).
// Reading puts every byte back where it was, so a document reads as
// exactly the bytes received (a time's digits are rebuilt zero-padded, an
// ID's hex digits lower case, as they were matched).
//
// A version 1 document is JSON text, which never starts with a zero byte,
// so both forms are told apart by their first byte and rows written by
// either version read alike.
const (
	escByte  = 0x00
	refTrace = 0x01
	refID    = 0x02
	refTime  = 0x03
	refHex   = 0x04
	timeLen  = 17 // 1795334903.965771
	hexLen   = 18 // "2967ff80e344c91e"
)

var docFormat2 = []byte{escByte, 0x02}

var errBadStoredDoc = errors.New("stored document is truncated or has a bad reference")

// packer reuses its buffers across documents.
type packer struct{ shape, vals []byte }

// appendPacked appends the version 2 stored form of raw, a document of
// trace traceID with ID id.
func (p *packer) appendPacked(dst, raw []byte, traceID, id string) []byte {
	shape, vals := p.shape[:0], p.vals[:0]
	var last int64
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == escByte:
			shape = append(shape, escByte, escByte)
			i++
			continue
		case traceID != "" && c == traceID[0] && hasPrefix(raw[i:], traceID):
			shape = append(shape, escByte, refTrace)
			i += len(traceID)
			continue
		case id != "" && c == id[0] && hasPrefix(raw[i:], id):
			shape = append(shape, escByte, refID)
			i += len(id)
			continue
		case c >= '0' && c <= '9':
			if v, ok := parseTime(raw[i:]); ok {
				shape = append(shape, escByte, refTime)
				vals = binary.AppendVarint(vals, v-last)
				last = v
				i += timeLen
				continue
			}
		case c == '"':
			// The document's own ID, quoted, is left to the case above.
			if v, ok := parseHexID(raw[i:]); ok && (id == "" || !hasPrefix(raw[i+1:], id)) {
				shape = append(shape, escByte, refHex)
				vals = binary.BigEndian.AppendUint64(vals, v)
				i += hexLen
				continue
			}
		}
		shape = append(shape, c)
		i++
	}
	p.shape, p.vals = shape, vals
	dst = append(dst, docFormat2...)
	dst = binary.AppendUvarint(dst, uint64(len(shape)))
	dst = append(dst, shape...)
	return append(dst, vals...)
}

// parseTime reads a time at the start of b: 10 digits, '.', 6 digits, as
// a count of µs.
func parseTime(b []byte) (int64, bool) {
	if len(b) < timeLen || b[10] != '.' {
		return 0, false
	}
	var v int64
	for j := range timeLen {
		if j == 10 {
			continue
		}
		d := b[j] - '0'
		if d > 9 {
			return 0, false
		}
		v = v*10 + int64(d)
	}
	return v, true
}

// parseHexID reads '"', 16 lowercase hex digits, '"' at the start of b.
func parseHexID(b []byte) (uint64, bool) {
	if len(b) < hexLen || b[hexLen-1] != '"' {
		return 0, false
	}
	var v uint64
	for _, c := range b[1 : hexLen-1] {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | uint64(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | uint64(c-'a'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

func hasPrefix(b []byte, s string) bool { return len(b) >= len(s) && string(b[:len(s)]) == s }

// unpackDoc returns the bytes a document was received as, from its stored
// form in either version.
func unpackDoc(stored []byte, traceID, id string) ([]byte, error) {
	if !bytes.HasPrefix(stored, docFormat2) {
		return stored, nil // version 1: the bytes as received
	}
	b := stored[len(docFormat2):]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return nil, errBadStoredDoc
	}
	shape, vals := b[k:k+int(n)], b[k+int(n):]
	out := make([]byte, 0, len(shape)+4*len(traceID)+len(id)+2*len(vals))
	var last int64
	for len(shape) > 0 {
		i := bytes.IndexByte(shape, escByte)
		if i < 0 {
			out = append(out, shape...)
			break
		}
		out = append(out, shape[:i]...)
		if i+1 >= len(shape) {
			return nil, errBadStoredDoc
		}
		switch shape[i+1] {
		case escByte:
			out = append(out, escByte)
		case refTrace:
			out = append(out, traceID...)
		case refID:
			out = append(out, id...)
		case refTime:
			d, k := binary.Varint(vals)
			if k <= 0 {
				return nil, errBadStoredDoc
			}
			vals = vals[k:]
			last += d
			if last < 0 || last > 9_999_999_999_999_999 {
				return nil, errBadStoredDoc
			}
			out = appendTime(out, last)
		case refHex:
			if len(vals) < 8 {
				return nil, errBadStoredDoc
			}
			out = append(out, '"')
			out = appendHex16(out, binary.BigEndian.Uint64(vals))
			out = append(out, '"')
			vals = vals[8:]
		default:
			return nil, errBadStoredDoc
		}
		shape = shape[i+2:]
	}
	if len(vals) != 0 {
		return nil, errBadStoredDoc
	}
	return out, nil
}

// appendTime writes µs as 10 digits, '.', 6 digits.
func appendTime(b []byte, us int64) []byte {
	var buf [timeLen]byte
	for j := timeLen - 1; j >= 0; j-- {
		if j == 10 {
			buf[j] = '.'
			continue
		}
		buf[j] = byte('0' + us%10)
		us /= 10
	}
	return append(b, buf[:]...)
}

func appendHex16(b []byte, v uint64) []byte {
	s := strconv.FormatUint(v, 16)
	for range 16 - len(s) {
		b = append(b, '0')
	}
	return append(b, s...)
}
