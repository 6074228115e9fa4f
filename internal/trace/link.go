package trace

import (
	"cmp"
	"slices"

	"github.com/lightbox-tracing/lightbox/segment"
)

// dedupe keeps one document per (trace ID, ID): the complete one over an
// in-progress one, otherwise the later one.
func dedupe(docs []*segment.Document) []*segment.Document {
	out := make([]*segment.Document, 0, len(docs))
	// Most traces have a few dozen documents: a scan is cheaper than a map
	// until they are many.
	var seen map[docKey]int
	if len(docs) > 64 {
		seen = make(map[docKey]int, len(docs))
	}
	for _, d := range docs {
		if d == nil {
			continue
		}
		i := -1
		if seen != nil {
			if j, ok := seen[docKey{d.TraceID, d.ID}]; ok {
				i = j
			}
		} else {
			i = slices.IndexFunc(out, func(o *segment.Document) bool { return o.ID == d.ID && o.TraceID == d.TraceID })
		}
		if i < 0 {
			if seen != nil {
				seen[docKey{d.TraceID, d.ID}] = len(out)
			}
			out = append(out, d)
			continue
		}
		if !(d.InProgress && !out[i].InProgress) {
			out[i] = d
		}
	}
	return out
}

type docKey struct{ trace, id string }

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
// orphans when the parent is missing or attaching would close a cycle. It
// also sorts the stored segments into t.segs.
func (t *Trace) attach() {
	// Count first, so that each parent's Children grow once, all from one
	// array.
	extra := 0
	for i := range t.entities {
		e := &t.entities[i]
		if e.stored && !e.dropped && e.Doc.IsIndependentSubsegment() {
			if p := t.index[e.Doc.ParentID]; p != nil {
				p.attachN++
				extra++
			}
		}
	}
	if extra > 0 {
		var total int
		for i := range t.entities {
			if e := &t.entities[i]; e.attachN > 0 {
				total += len(e.Children) + int(e.attachN)
			}
		}
		arena := make([]*Entity, total)
		for i := range t.entities {
			if e := &t.entities[i]; e.attachN > 0 {
				k := len(e.Children)
				grown := arena[: k : k+int(e.attachN)]
				copy(grown, e.Children)
				e.Children, arena = grown, arena[k+int(e.attachN):]
			}
		}
	}

	for i := range t.entities {
		e := &t.entities[i]
		if !e.stored || e.dropped {
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
	}

	for i := range t.entities {
		e := &t.entities[i]
		if e.dropped {
			continue
		}
		// Embedded entities that lost de-duplication leave their parent.
		if slices.ContainsFunc(e.Children, func(c *Entity) bool { return c.dropped }) {
			e.Children = slices.DeleteFunc(e.Children, func(c *Entity) bool { return c.dropped })
		}
		if e.attachN > 0 {
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
	total := 0
	for _, s := range t.segs {
		if s.Doc.ParentID == "" {
			continue
		}
		if p := t.index[s.Doc.ParentID]; p != nil {
			p.callN++
			total++
		}
	}
	arena := make([]*Entity, total)
	for _, s := range t.segs {
		if p := t.index[s.Doc.ParentID]; s.Doc.ParentID != "" && p != nil && p.Calls == nil {
			p.Calls, arena = arena[:0:p.callN], arena[p.callN:]
		}
	}

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
	// Calls were collected latest first; put them in start order.
	for i := range t.entities {
		if c := t.entities[i].Calls; len(c) > 1 {
			slices.Reverse(c)
		}
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
		id := inferredService(d)
		t.names = append(t.names, id.Name)
		id.Names = t.names[len(t.names)-1 : len(t.names) : len(t.names)]
		t.inferred = append(t.inferred, id)
		e.Inferred = &t.inferred[len(t.inferred)-1]
	}
	return called
}
