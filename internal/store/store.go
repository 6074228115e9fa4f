// Package store is the storage contract every engine implements: the
// embedded engine (local) and the scale-out engine (clickhouse). It is kept
// narrow on purpose, and it never assumes that one process sees a whole
// trace: a writer may receive any piece of any trace, and an engine may
// assemble traces when it writes (local) or when it is read (clickhouse).
package store

import (
	"context"
	"errors"

	"github.com/lightbox-tracing/lightbox/internal/trace"
	"github.com/lightbox-tracing/lightbox/segment"
)

// ErrClosed is returned by an engine used after Close.
var ErrClosed = errors.New("store is closed")

// Writer accepts validated documents.
type Writer interface {
	// WriteSegments stores documents (validated by segment.Parse; each keeps
	// its Raw bytes). A later document with the same (trace ID, ID)
	// replaces the earlier one, except that an in-progress document never
	// replaces a complete one: UDP may deliver a segment's in-progress
	// version after its final one. When WriteSegments returns nil the
	// documents are durable: they survive a crash of the process.
	// An engine may keep reading the documents after it returns (the
	// embedded engine summarizes new traces from them), so callers must
	// not modify them afterwards.
	WriteSegments(ctx context.Context, docs []*segment.Document) error
}

// Reader answers queries.
type Reader interface {
	// GetTraces returns the stored documents of each requested trace that
	// exists, in the order requested; unknown IDs are left out.
	GetTraces(ctx context.Context, ids []string) ([]TraceDocuments, error)

	// FindTraces calls fn with the summary of each trace matching q, ordered
	// by q.RangeType's time, newest first (ties by trace ID, descending),
	// starting strictly after q.After when it is set. It stops when fn
	// returns false.
	FindTraces(ctx context.Context, q TraceQuery, fn func(s *trace.Summary, pos Position) bool) error
}

// Store is an engine: reading, writing and lifecycle.
type Store interface {
	Writer
	Reader
	// Sync returns once every document written before the call is visible
	// to readers, summaries included.
	Sync(ctx context.Context) error
	// Stats reports figures for metrics.
	Stats() Stats
	// Close flushes and releases the engine.
	Close() error
}

// TraceDocuments is the stored documents of one trace, in no particular
// order.
type TraceDocuments struct {
	ID        string
	Documents []*segment.Document
}

// RangeType says which time of a trace a query's window applies to.
type RangeType uint8

const (
	// ByTraceID uses the epoch inside the trace ID (X-Ray's default).
	ByTraceID RangeType = iota
	// ByStartTime uses the trace's earliest segment start (X-Ray's Event).
	ByStartTime
	// ByEndTime uses the trace's latest segment end (X-Ray's Service).
	ByEndTime
	// Overlapping selects traces whose [StartTime, EndTime] overlaps the
	// window, ordered by start time; service graphs and time series use it.
	Overlapping
)

// TraceQuery selects traces by time. Start is inclusive, End exclusive
// (Unix seconds).
type TraceQuery struct {
	Start, End float64
	RangeType  RangeType
	After      *Position
	// Filter, when set, keeps only the traces it matches.
	Filter *Filter
}

// Filter narrows FindTraces to the traces Match accepts (a compiled filter
// expression). Terms (trace.Summary.Terms vocabulary) are index terms that
// every trace Match accepts is known to have; an engine may use them to
// skip traces without decoding them, and must still call Match.
type Filter struct {
	Terms []string
	Match func(*trace.Summary) bool
}

// Position is where a FindTraces result sits in its order: the time used
// for ordering and the trace ID. It is what pagination tokens carry.
type Position struct {
	Time    float64
	TraceID string
}

// Stats are an engine's figures for /metrics.
type Stats struct {
	DiskBytes     int64
	Traces        int64 // traces summarized since start, or total when known
	PendingTraces int64 // traces written but not yet summarized
}
