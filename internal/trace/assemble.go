package trace

import (
	"github.com/lightbox-tracing/lightbox/segment"
)

// Trace is an assembled trace. (Skeleton: the assembly helper fills it in.)
type Trace struct {
	ID   string
	Docs []*segment.Document
}

// OutputSegment is one entry of BatchGetTraces' Trace.Segments: the ID and
// the JSON text of a segment document with its independent subsegments
// folded in, or of a server-generated inferred segment.
type OutputSegment struct {
	ID       string
	Document string
}

// Assemble builds the trace from the stored documents of one trace, given in
// any order, possibly incomplete.
func Assemble(id string, docs []*segment.Document) *Trace {
	return &Trace{ID: id, Docs: docs}
}

// Summary computes the trace's summary and graph fragment. Revision and
// UpdatedAt are left for the caller to set.
func (t *Trace) Summary() *Summary {
	return &Summary{ID: t.ID, SegmentCount: len(t.Docs)}
}

// Segments returns the documents BatchGetTraces answers with.
func (t *Trace) Segments() []OutputSegment { return nil }

// Duration is the latest end minus the earliest start over all documents.
func (t *Trace) Duration() float64 { return 0 }
