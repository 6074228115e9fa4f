package clickhouse

import (
	"bytes"
	"errors"
)

// The stored form of a document (the raw column). Schema version 1 stored
// the bytes received; version 2 leaves out what the row's trace_id and id
// columns already hold: every occurrence of the trace ID (a document
// repeats it in each embedded subsegment) and of the document ID becomes a
// two-byte reference. Reading puts them back, so the bytes returned are
// exactly the bytes received.
//
//	version 2: 0x00 0x02, then the document with
//	           trace ID → 0x00 0x01, document ID → 0x00 0x02, 0x00 → 0x00 0x00
//
// A version 1 document is JSON text, which never starts with a zero byte
// (nor holds one anywhere), so both forms are told apart by their first
// byte and rows written by either version read alike.
const (
	escByte  = 0x00
	refTrace = 0x01
	refID    = 0x02
)

var docFormat2 = []byte{escByte, 0x02}

var errBadStoredDoc = errors.New("stored document has a bad reference")

// appendPacked appends the version 2 stored form of raw, a document of
// trace traceID with ID id.
func appendPacked(dst, raw []byte, traceID, id string) []byte {
	dst = append(dst, docFormat2...)
	for len(raw) > 0 {
		// Jump to the next byte that may start a reference or needs
		// escaping: the first byte of either ID, or a zero byte.
		i := nextCandidate(raw, traceID, id)
		dst = append(dst, raw[:i]...)
		raw = raw[i:]
		switch {
		case len(raw) == 0:
		case raw[0] == escByte:
			dst = append(dst, escByte, escByte)
			raw = raw[1:]
		case traceID != "" && hasPrefix(raw, traceID):
			dst = append(dst, escByte, refTrace)
			raw = raw[len(traceID):]
		case id != "" && hasPrefix(raw, id):
			dst = append(dst, escByte, refID)
			raw = raw[len(id):]
		default:
			dst = append(dst, raw[0])
			raw = raw[1:]
		}
	}
	return dst
}

// nextCandidate is the index of the first byte of b that is zero or the
// first byte of traceID or id (len(b) if none).
func nextCandidate(b []byte, traceID, id string) int {
	var set [3]byte
	n := 0
	set[n] = escByte
	n++
	if traceID != "" {
		set[n] = traceID[0]
		n++
	}
	if id != "" {
		set[n] = id[0]
		n++
	}
	if i := bytes.IndexAny(b, string(set[:n])); i >= 0 {
		return i
	}
	return len(b)
}

func hasPrefix(b []byte, s string) bool { return len(b) >= len(s) && string(b[:len(s)]) == s }

// unpackDoc returns the bytes a document was received as, from its stored
// form in either version.
func unpackDoc(stored []byte, traceID, id string) ([]byte, error) {
	if !bytes.HasPrefix(stored, docFormat2) {
		return stored, nil // version 1: the bytes as received
	}
	b := stored[len(docFormat2):]
	out := make([]byte, 0, len(b)+4*len(traceID)+len(id))
	for len(b) > 0 {
		i := bytes.IndexByte(b, escByte)
		if i < 0 {
			out = append(out, b...)
			break
		}
		out = append(out, b[:i]...)
		if i+1 >= len(b) {
			return nil, errBadStoredDoc
		}
		switch b[i+1] {
		case escByte:
			out = append(out, escByte)
		case refTrace:
			out = append(out, traceID...)
		case refID:
			out = append(out, id...)
		default:
			return nil, errBadStoredDoc
		}
		b = b[i+2:]
	}
	return out, nil
}
