package trace

import (
	"cmp"
	"slices"

	"github.com/lightbox-tracing/lightbox/segment"
)

// MaxSize is X-Ray's limit on the stored size of one trace, in bytes of
// segment documents. Traces above it are still assembled; BatchGetTraces
// reports them with LimitExceeded.
const MaxSize = 500 * 1024

// Trace is an assembled trace: every stored document placed in one tree.
// Segments hang under the subsegment that called them (Entity.Calls),
// independent subsegments under the entity named by their parent_id
// (Entity.Children). Assembly never fails: whatever does not fit is kept as
// an orphan and makes the trace partial.
type Trace struct {
	ID string
	// Docs are the stored documents that survived de-duplication, ordered by
	// start time then ID, so that the arrival order never shows in results.
	Docs []*segment.Document

	// Assembly runs for every trace at ingest, so entities, the slices
	// that point to them and inferred service IDs are carved out of a few
	// arrays sized up front instead of being allocated one by one.
	entities []Entity
	segs     []*Entity // top-level segments, in Docs order
	roots    []*Entity // segments with no caller; roots[0] is the root segment
	orphans  []*Entity // independent subsegments whose parent never arrived
	index    map[string]*Entity
	inferred []ServiceID // what Entity.Inferred points into
	names    []string    // what inferred ServiceID.Names point into

	start, end float64
	hasEnd     bool
	size       int
}

// Entity is a segment or subsegment placed in the trace.
type Entity struct {
	Doc *segment.Document
	// Parent is the enclosing entity: the segment or subsegment that embeds
	// this subsegment, or that an independent subsegment was attached to.
	// It is nil for segments and for orphans.
	Parent *Entity
	// Children are the subsegments, embedded ones in document order; when
	// independent subsegments were attached, all of them by start time.
	Children []*Entity
	// Calls are the segments whose parent_id is this entity's ID: the
	// downstream services this (sub)segment called.
	Calls []*Entity
	// Caller is, for a segment, the entity whose ID is its parent_id; nil
	// for root candidates.
	Caller *Entity
	// Segment is the top-level segment this entity belongs to (itself for a
	// segment); nil inside an orphan's tree, whose service is unknown.
	Segment *Entity
	// Inferred is the node a downstream call (aws, remote or SQL) stands
	// for when no segment of the callee arrived; nil otherwise.
	Inferred *ServiceID

	stored  bool  // a stored document, not embedded in one
	dropped bool  // lost de-duplication to a better entity with the same ID
	attachN int32 // independent subsegments attached (then Children are re-sorted)
	callN   int32 // segments that name this entity as parent (upper bound of Calls)
	embIdx  int   // index in the parent document's subsegments array; -1 for stored documents
}

// IsSegment reports whether the entity is a top-level segment (not a
// subsegment, embedded or independent).
func (e *Entity) IsSegment() bool { return e.stored && !e.Doc.IsIndependentSubsegment() }

// Assemble builds the trace from the stored documents of one trace, given in
// any order, possibly incomplete.
//
// When two documents share a (trace ID, ID), the complete one wins over an
// in-progress one, otherwise the later one in docs does: callers pass
// documents in storage order. The same rule settles an independent
// subsegment that repeats a subsegment already embedded elsewhere.
func Assemble(id string, docs []*segment.Document) *Trace {
	t := &Trace{ID: id, Docs: dedupe(docs)}
	slices.SortStableFunc(t.Docs, func(a, b *segment.Document) int {
		return cmp.Or(cmp.Compare(a.StartTime, b.StartTime), cmp.Compare(a.ID, b.ID))
	})

	var n, calls int
	for _, d := range t.Docs {
		c, k := countEntities(d)
		n, calls = n+c, calls+k
		t.size += len(d.Raw)
	}
	t.entities = make([]Entity, 0, n)
	// Each entity's Children get a capped window of this array, so that
	// appending to one never overwrites a neighbour.
	children := make([]*Entity, n)
	for _, d := range t.Docs {
		t.build(d, nil, -1, &children)
	}
	t.inferred = make([]ServiceID, 0, calls)
	t.names = make([]string, 0, calls)
	nd := len(t.Docs)
	lists := make([]*Entity, 3*nd)
	t.segs, t.roots, t.orphans = lists[:0:nd], lists[nd:nd:2*nd], lists[2*nd:2*nd:3*nd]

	t.index = make(map[string]*Entity, n)
	for i := range t.entities {
		if e := &t.entities[i]; e.stored {
			t.register(e)
		}
	}
	t.attach()
	t.Docs = t.Docs[:0]
	for i := range t.entities {
		if e := &t.entities[i]; e.stored && !e.dropped {
			t.Docs = append(t.Docs, e.Doc)
		}
	}
	t.link()
	for _, e := range t.segs {
		t.own(e, e, false)
	}
	for _, e := range t.orphans {
		t.own(e, nil, false)
	}
	return t
}

// countEntities counts d and its embedded subsegments, and the downstream
// calls among them.
func countEntities(d *segment.Document) (n, calls int) {
	n = 1
	if isDownstream(d) {
		calls = 1
	}
	for _, s := range d.Subsegments {
		if s != nil {
			c, k := countEntities(s)
			n, calls = n+c, calls+k
		}
	}
	return n, calls
}

// build creates the entity of d and of every subsegment embedded in it,
// parents before children.
func (t *Trace) build(d *segment.Document, parent *Entity, embIdx int, arena *[]*Entity) *Entity {
	t.entities = append(t.entities, Entity{Doc: d, Parent: parent, stored: parent == nil, embIdx: embIdx})
	e := &t.entities[len(t.entities)-1]
	k := len(d.Subsegments)
	e.Children = (*arena)[:0:k]
	*arena = (*arena)[k:]
	for i, s := range d.Subsegments {
		if s != nil {
			e.Children = append(e.Children, t.build(s, e, i, arena))
		}
	}
	return e
}

// Root returns the root segment: the earliest-starting segment with no
// parent_id or whose parent is missing. It is nil when no segment arrived.
func (t *Trace) Root() *Entity {
	if len(t.roots) == 0 {
		return nil
	}
	return t.roots[0]
}

// Roots returns every root candidate, the root segment first.
func (t *Trace) Roots() []*Entity { return t.roots }

// Orphans returns the independent subsegments whose parent never arrived.
func (t *Trace) Orphans() []*Entity { return t.orphans }

// Duration is the latest end minus the earliest start over all documents.
func (t *Trace) Duration() float64 {
	if !t.hasEnd || t.end < t.start {
		return 0
	}
	return t.end - t.start
}

// Size is the total size of the stored documents, in bytes.
func (t *Trace) Size() int { return t.size }

// LimitExceeded reports whether the trace is larger than X-Ray keeps.
func (t *Trace) LimitExceeded() bool { return t.size > MaxSize }
