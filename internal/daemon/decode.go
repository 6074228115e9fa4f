package daemon

import (
	"errors"

	"github.com/lightbox-tracing/lightbox/segment"
)

// Reasons a datagram is dropped besides the segment.Code* rejection codes.
const (
	// ReasonQueueFull: the queue between socket and store was full,
	// because the store is slower than the traffic or stalled.
	ReasonQueueFull = "queue_full"
	// ReasonStoreError: WriteSegments kept failing after retries.
	ReasonStoreError = "store_error"
	// ReasonShutdown: Shutdown's context ended before the datagram's batch
	// could be written.
	ReasonShutdown = "shutdown"
)

// rejectReasons lists every label value of the dropped counter, so that
// each series exists (at zero) from the start.
var rejectReasons = append(segment.Codes(), ReasonQueueFull, ReasonStoreError, ReasonShutdown)

// decode splits a datagram into header and document and validates the
// document. The documents keep slices of b as their Raw bytes, so b must
// not be reused.
func decode(b []byte) ([]*segment.Document, error) {
	doc, err := segment.SplitDatagram(b)
	if err != nil {
		return nil, err
	}
	return segment.Parse(doc)
}

// reasonOf is the metric label of a decode error.
func reasonOf(err error) string {
	var se *segment.Error
	if errors.As(err, &se) {
		return se.Code
	}
	return segment.CodeInvalidSegment
}
