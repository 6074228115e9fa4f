package otlp

import (
	"encoding/hex"
	"hash/fnv"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// xrayTraceID writes an OTel trace ID in X-Ray's form: "1-", the first 8 hex
// digits (a timestamp when the ID came from X-Ray's ID generator, random
// otherwise), "-", the other 24. It does not check the timestamp: random
// W3C IDs are accepted as they are.
func xrayTraceID(id pcommon.TraceID) string {
	var b [35]byte
	b[0], b[1], b[10] = '1', '-', '-'
	hex.Encode(b[2:10], id[:4])
	hex.Encode(b[11:], id[4:])
	return string(b[:])
}

func spanIDString(id pcommon.SpanID) string { return hex.EncodeToString(id[:]) }

// derivedID makes a stable ID from a span and a salt, for what the
// translation adds (the segment of a local-root client span, exception
// IDs): stable so that a retried export replaces rather than duplicates.
func derivedID(trace pcommon.TraceID, span pcommon.SpanID, salt byte) string {
	h := fnv.New64a()
	h.Write(trace[:])
	h.Write(span[:])
	h.Write([]byte{salt})
	var b [8]byte
	sum := h.Sum64()
	for i := range b {
		b[i] = byte(sum >> (56 - 8*i))
	}
	return hex.EncodeToString(b[:])
}
