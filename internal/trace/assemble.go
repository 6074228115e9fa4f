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

	entities []Entity  // one arena for every entity; the pointers below point into it
	segs     []*Entity // top-level segments, in Docs order
	roots    []*Entity // segments with no caller; roots[0] is the root segment
	orphans  []*Entity // independent subsegments whose parent never arrived
	index    map[string]*Entity

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

	stored  bool // a stored document, not embedded in one
	dropped bool // lost de-duplication to a better entity with the same ID
	sorted  bool // Children were reordered by start time after attachment
	embIdx  int  // index in the parent document's subsegments array; -1 for stored documents
}

// IsSegment reports whether the entity is a top-level segment (not a
// subsegment, embedded or independent).
func (e *Entity) IsSegment() bool { return e.stored && !e.Doc.IsIndependentSubsegment() }

type docKey struct{ trace, id string }

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

	n := 0
	for _, d := range t.Docs {
		n += countEntities(d)
		t.size += len(d.Raw)
	}
	t.entities = make([]Entity, 0, n)
	// children is carved into each entity's Children with a capped
	// capacity, so that attaching an independent subsegment reallocates
	// that one slice instead of overwriting a neighbour.
	children := make([]*Entity, n)
	t.index = make(map[string]*Entity, n)

	tops := make([]*Entity, len(t.Docs))
	for i, d := range t.Docs {
		tops[i] = t.build(d, nil, -1, &children)
	}
	for _, e := range tops {
		t.register(e)
	}
	t.attach(tops)
	t.Docs = t.Docs[:0]
	for _, e := range tops {
		if !e.dropped {
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

// dedupe keeps one document per (trace ID, ID).
func dedupe(docs []*segment.Document) []*segment.Document {
	out := make([]*segment.Document, 0, len(docs))
	seen := make(map[docKey]int, len(docs))
	for _, d := range docs {
		if d == nil {
			continue
		}
		k := docKey{d.TraceID, d.ID}
		i, dup := seen[k]
		if !dup {
			seen[k] = len(out)
			out = append(out, d)
			continue
		}
		if !(d.InProgress && !out[i].InProgress) {
			out[i] = d
		}
	}
	return out
}

func countEntities(d *segment.Document) int {
	n := 1
	for _, s := range d.Subsegments {
		if s != nil {
			n += countEntities(s)
		}
	}
	return n
}

// build creates the entity of d and of every subsegment embedded in it.
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

// register indexes e and its embedded subsegments by ID, settling
// duplicates: complete beats in-progress, otherwise the later one wins.
func (t *Trace) register(e *Entity) {
	if old, ok := t.index[e.Doc.ID]; ok {
		if e.Doc.InProgress && !old.Doc.InProgress {
			t.drop(e)
			return
		}
		t.drop(old)
		if e.dropped { // e was inside old (a malformed document)
			return
		}
	}
	t.index[e.Doc.ID] = e
	for _, c := range e.Children {
		t.register(c)
	}
}

// drop removes e and its subtree from the index.
func (t *Trace) drop(e *Entity) {
	e.dropped = true
	if t.index[e.Doc.ID] == e {
		delete(t.index, e.Doc.ID)
	}
	for _, c := range e.Children {
		t.drop(c)
	}
}

// attach places each independent subsegment under its parent, or among the
// orphans when the parent is missing or attaching would close a cycle.
func (t *Trace) attach(tops []*Entity) {
	for _, e := range tops {
		if e.dropped {
			continue
		}
		if !e.Doc.IsIndependentSubsegment() {
			t.segs = append(t.segs, e)
			continue
		}
		p := t.index[e.Doc.ParentID]
		if p == nil || encloses(e, p) {
			t.orphans = append(t.orphans, e)
			continue
		}
		e.Parent = p
		p.Children = append(p.Children, e)
		p.sorted = true
	}
	for i := range t.entities {
		e := &t.entities[i]
		if e.dropped {
			continue
		}
		// Embedded entities that lost de-duplication leave their parent.
		e.Children = slices.DeleteFunc(e.Children, func(c *Entity) bool { return c.dropped })
		if e.sorted {
			slices.SortStableFunc(e.Children, func(a, b *Entity) int {
				return cmp.Compare(a.Doc.StartTime, b.Doc.StartTime)
			})
		}
	}
}

// encloses reports whether e is p or one of p's ancestors, following
// enclosing entities and then callers.
func encloses(e, p *Entity) bool {
	for x := p; x != nil; {
		if x == e {
			return true
		}
		if x.Parent != nil {
			x = x.Parent
		} else {
			x = x.Caller
		}
	}
	return false
}

// link hangs each segment under the entity that called it. A segment whose
// parent is absent is a root candidate; the earliest one is the root
// segment. Segments are linked latest first so that, when parent_ids form a
// cycle, the link cut is the earliest segment's, which then becomes the root.
func (t *Trace) link() {
	for _, s := range slices.Backward(t.segs) {
		if s.Doc.ParentID != "" {
			if p := t.index[s.Doc.ParentID]; p != nil && !encloses(s, p) {
				s.Caller = p
				p.Calls = append(p.Calls, s)
				continue
			}
		}
		t.roots = append(t.roots, s)
	}
	slices.Reverse(t.roots)
	for i := range t.entities {
		slices.Reverse(t.entities[i].Calls)
	}
}

// own records the owning segment of every entity in e's tree, the trace's
// time span, and which downstream calls become inferred nodes. It reports
// whether a segment hangs anywhere under e. inCall says an enclosing
// subsegment is already a downstream call: the calls nested in it (an HTTP
// request made by an AWS SDK call, say) are part of that call, not nodes of
// their own.
func (t *Trace) own(e, seg *Entity, inCall bool) (called bool) {
	e.Segment = seg
	d := e.Doc
	if t.start == 0 || d.StartTime < t.start {
		t.start = d.StartTime
	}
	if !d.InProgress && d.EndTime > 0 && (!t.hasEnd || d.EndTime > t.end) {
		t.end, t.hasEnd = d.EndTime, true
	}
	call := !inCall && !e.IsSegment() && isDownstream(d)
	for _, c := range e.Children {
		if t.own(c, seg, inCall || call) {
			called = true
		}
	}
	if len(e.Calls) > 0 {
		called = true
	}
	if call && !called {
		e.Inferred = inferredService(d)
	}
	return called
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
