package segment

import (
	"encoding/hex"
	"fmt"
)

// TraceID is a trace identifier in binary form: the 32-bit epoch followed by
// 96 random bits. It sorts like its text form.
type TraceID [16]byte

// SegmentID is a segment, subsegment or exception identifier in binary form.
type SegmentID [8]byte

// ParseTraceID parses "1-<8 hex>-<24 hex>". Upper-case hex is accepted.
func ParseTraceID(s string) (TraceID, error) {
	var id TraceID
	if len(s) != 35 || s[0] != '1' || s[1] != '-' || s[10] != '-' {
		return id, fmt.Errorf("trace ID %q is not of the form 1-<8 hex digits>-<24 hex digits>", s)
	}
	if _, err := hex.Decode(id[:4], []byte(s[2:10])); err != nil {
		return id, fmt.Errorf("trace ID %q has a non-hex epoch", s)
	}
	if _, err := hex.Decode(id[4:], []byte(s[11:])); err != nil {
		return id, fmt.Errorf("trace ID %q has non-hex random digits", s)
	}
	return id, nil
}

// String returns the canonical lower-case text form.
func (id TraceID) String() string {
	var b [35]byte
	b[0], b[1], b[10] = '1', '-', '-'
	hex.Encode(b[2:10], id[:4])
	hex.Encode(b[11:], id[4:])
	return string(b[:])
}

// Epoch is the Unix time, in seconds, carried by the trace ID. For IDs
// derived from W3C trace IDs it may be arbitrary.
func (id TraceID) Epoch() int64 {
	return int64(uint32(id[0])<<24 | uint32(id[1])<<16 | uint32(id[2])<<8 | uint32(id[3]))
}

// EpochSlack is how far a trace ID's epoch may be from its trace's start
// and still be taken as the trace's time.
const EpochSlack = 24 * 60 * 60

// IndexTime is the time a trace is found at by its trace ID (X-Ray's
// TimeRangeType TraceId): the epoch in the ID when it lies within
// EpochSlack of the trace's start, as it does for IDs that X-Ray SDKs and
// X-Ray's OTel ID generator make; otherwise the start itself, because the
// ID came from a W3C trace ID whose first 32 bits are random.
func (id TraceID) IndexTime(start float64) float64 {
	e := float64(id.Epoch())
	if d := e - start; d <= EpochSlack && -d <= EpochSlack {
		return e
	}
	return start
}

// ParseSegmentID parses 16 hex digits.
func ParseSegmentID(s string) (SegmentID, error) {
	var id SegmentID
	if len(s) != 16 {
		return id, fmt.Errorf("ID %q is not 16 hex digits", s)
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return id, fmt.Errorf("ID %q is not 16 hex digits", s)
	}
	return id, nil
}

// String returns the lower-case hex form.
func (id SegmentID) String() string { return hex.EncodeToString(id[:]) }
