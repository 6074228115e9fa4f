package forward

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/lightbox-tracing/lightbox/segment"
)

// scanned is one document of a datagram as the daemon forwards it: its
// bytes (a slice of the datagram) and what the forwarder needs to know.
type scanned struct {
	raw     []byte
	id      string
	traceID string
}

// scanDocuments checks a datagram's document just enough to forward it:
// a JSON object, or an array of objects (independent subsegments), whose
// brackets and strings are balanced and whose top level has an "id" of 16
// hex digits and a "trace_id" of the 1-<8>-<24> form. The upstream
// validates everything else, document by document, and names the ones it
// refuses in UnprocessedTraceSegments; the daemon counts those as dropped
// (upstream_rejected). The X-Ray daemon checks only the header; decoding
// each document fully, as segment.Parse does for the store, was more than
// half of the daemon's CPU.
//
// Everything segment.Parse accepts is accepted here with the same IDs
// (FuzzScanDocuments checks it). Key matching is case-insensitive and
// the last duplicate wins, as in encoding/json.
func scanDocuments(doc []byte, out []scanned) ([]scanned, *segment.Error) {
	if len(doc) > segment.MaxDocumentSize {
		return out, &segment.Error{Code: segment.CodeTooLarge, Message: "document is larger than 64 KiB"}
	}
	doc = bytes.TrimSpace(doc)
	if len(doc) == 0 {
		return out, &segment.Error{Code: segment.CodeInvalidJSON, Message: "document is empty"}
	}
	if doc[0] != '[' {
		s, end, err := scanObject(doc, 0)
		if err != nil {
			return out, err
		}
		if end != len(doc) {
			return out, invalidJSON("unexpected data after the document")
		}
		return append(out, s), nil
	}
	first := len(out)
	i := skipSpace(doc, 1)
	if i < len(doc) && doc[i] == ']' {
		return out, &segment.Error{Code: segment.CodeInvalidSegment, Message: "document is an empty array"}
	}
	for {
		s, end, err := scanObject(doc, i)
		if err != nil {
			return out[:first], err
		}
		out = append(out, s)
		i = skipSpace(doc, end)
		if i >= len(doc) {
			return out[:first], invalidJSON("unterminated array")
		}
		if doc[i] == ']' {
			if skipSpace(doc, i+1) != len(doc) {
				return out[:first], invalidJSON("unexpected data after the array")
			}
			return out, nil
		}
		if doc[i] != ',' {
			return out[:first], invalidJSON("expected , or ] in the array")
		}
		i = skipSpace(doc, i+1)
	}
}

func invalidJSON(msg string) *segment.Error {
	return &segment.Error{Code: segment.CodeInvalidJSON, Message: "document is not valid JSON: " + msg}
}

// scanObject reads the object starting at doc[i] (after spaces) and
// returns it with the index just past its closing brace.
func scanObject(doc []byte, i int) (scanned, int, *segment.Error) {
	var s scanned
	i = skipSpace(doc, i)
	if i >= len(doc) || doc[i] != '{' {
		return s, 0, invalidJSON("a segment document is a JSON object")
	}
	start := i
	i = skipSpace(doc, i+1)
	var (
		id, traceID  string
		hasID, hasTr bool
	)
	if i < len(doc) && doc[i] == '}' {
		i++
	} else {
		var err *segment.Error
		if i, err = scanMembers(doc, i, &id, &traceID, &hasID, &hasTr); err != nil {
			return s, 0, err
		}
	}
	switch {
	case !hasID:
		return s, 0, &segment.Error{Code: segment.CodeMissingField, Message: "id is missing"}
	case !hasTr:
		return s, 0, &segment.Error{Code: segment.CodeMissingField, ID: id, Message: "trace_id is missing"}
	}
	if _, err := segment.ParseTraceID(strings.ToLower(traceID)); err != nil {
		return s, 0, &segment.Error{Code: segment.CodeInvalidTraceID, ID: id, Message: err.Error()}
	}
	if _, err := segment.ParseSegmentID(strings.ToLower(id)); err != nil {
		return s, 0, &segment.Error{Code: segment.CodeInvalidID, ID: id, Message: err.Error()}
	}
	return scanned{raw: doc[start:i], id: id, traceID: traceID}, i, nil
}

// scanMembers reads the members of the object whose first key starts at
// doc[i], noting id and trace_id, and returns the index just past the
// closing brace.
func scanMembers(doc []byte, i int, id, traceID *string, hasID, hasTr *bool) (int, *segment.Error) {
	for {
		if i >= len(doc) || doc[i] != '"' {
			return 0, invalidJSON("expected a key")
		}
		keyEnd, escaped := skipString(doc, i)
		if keyEnd < 0 {
			return 0, invalidJSON("unterminated key")
		}
		key := doc[i+1 : keyEnd-1]
		if escaped {
			var k string
			if json.Unmarshal(doc[i:keyEnd], &k) != nil {
				return 0, invalidJSON("bad escape in a key")
			}
			key = []byte(k)
		}
		i = skipSpace(doc, keyEnd)
		if i >= len(doc) || doc[i] != ':' {
			return 0, invalidJSON("expected : after a key")
		}
		i = skipSpace(doc, i+1)
		valStart := i
		end := skipValue(doc, i)
		if end < 0 {
			return 0, invalidJSON("unterminated value")
		}
		isID, isTrace := bytes.EqualFold(key, []byte("id")), bytes.EqualFold(key, []byte("trace_id"))
		if isID || isTrace {
			v, null, ok := stringValue(doc[valStart:end])
			switch {
			case !ok:
				return 0, invalidJSON("id and trace_id must be strings")
			case null:
				// encoding/json leaves a string field as it was.
			case isID:
				*id, *hasID = v, v != ""
			default:
				*traceID, *hasTr = v, v != ""
			}
		}
		i = skipSpace(doc, end)
		if i >= len(doc) {
			return 0, invalidJSON("unterminated object")
		}
		if doc[i] == '}' {
			return i + 1, nil
		}
		if doc[i] != ',' {
			return 0, invalidJSON("expected , or } in an object")
		}
		i = skipSpace(doc, i+1)
	}
}

// stringValue decodes a JSON string value, or reports null.
func stringValue(v []byte) (s string, null, ok bool) {
	if string(v) == "null" {
		return "", true, true
	}
	if len(v) < 2 || v[0] != '"' {
		return "", false, false
	}
	if bytes.IndexByte(v, '\\') < 0 {
		return string(v[1 : len(v)-1]), false, true
	}
	return s, false, json.Unmarshal(v, &s) == nil
}

func skipSpace(doc []byte, i int) int {
	for i < len(doc) {
		switch doc[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipString returns the index just past the string starting at doc[i]
// (a quote), or -1, and whether it holds escapes. A quote ends the string
// unless an odd number of backslashes precede it; IndexByte finds the
// candidates (vectorized), so a long string costs little.
func skipString(doc []byte, i int) (int, bool) {
	j := i + 1
	for {
		k := bytes.IndexByte(doc[j:], '"')
		if k < 0 {
			return -1, false
		}
		q := j + k
		n := 0
		for p := q - 1; p > i && doc[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return q + 1, bytes.IndexByte(doc[i+1:q], '\\') >= 0
		}
		j = q + 1
	}
}

// skipValue returns the index just past the value starting at doc[i], or
// -1. Nested objects and arrays are skipped by counting brackets outside
// strings: their contents are the upstream's to validate.
func skipValue(doc []byte, i int) int {
	if i >= len(doc) {
		return -1
	}
	switch doc[i] {
	case '"':
		end, _ := skipString(doc, i)
		return end
	case '{', '[':
		depth := 0
		for i < len(doc) {
			switch doc[i] {
			case '"':
				end, _ := skipString(doc, i)
				if end < 0 {
					return -1
				}
				i = end
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return -1
	case ',', '}', ']', ':':
		return -1
	default:
		// A number, true, false or null: up to the next delimiter.
		start := i
		for i < len(doc) {
			switch doc[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				if i == start {
					return -1
				}
				return i
			}
			i++
		}
		return i
	}
}
