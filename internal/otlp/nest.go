package otlp

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"sync"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/lightbox-tracing/lightbox/segment"
)

// item is one span of a resource on its way to a document.
type item struct {
	e      *entity // the span's entity: a document, or a subsegment of one
	host   *entity // where the span's children go (differs for split local roots)
	seg    bool    // the span is a segment
	parent int     // the item of the parent span in this resource, or -1
	top    bool    // e is a document of its own
}

type spanKey struct {
	trace pcommon.TraceID
	span  pcommon.SpanID
}

// translateResource turns one resource's spans into documents, nesting
// each subsegment inside its parent's entity when the parent is among
// them.
func (t *Translator) translateResource(rs ptrace.ResourceSpans, r *Result) {
	ri := newResourceInfo(rs.Resource())
	var items []item
	var keys []spanKey
	parents := make([]spanKey, 0)
	sss := rs.ScopeSpans()
	for i := range sss.Len() {
		spans := sss.At(i).Spans()
		for j := range spans.Len() {
			sp := spans.At(j)
			r.Spans++
			e, host, seg, err := t.spanEntity(sp, ri)
			if err != nil {
				r.reject(1, "span %s of trace %s: %v", spanIDString(sp.SpanID()), hex.EncodeToString(traceBytes(sp.TraceID())), err)
				continue
			}
			items = append(items, item{e: e, host: host, seg: seg, parent: -1})
			keys = append(keys, spanKey{sp.TraceID(), sp.SpanID()})
			parents = append(parents, spanKey{sp.TraceID(), sp.ParentSpanID()})
		}
	}
	if len(items) > 1 {
		byKey := make(map[spanKey]int, len(items))
		for i, k := range keys {
			byKey[k] = i
		}
		for i := range items {
			if items[i].seg {
				continue
			}
			if p, ok := byKey[parents[i]]; ok && p != i {
				items[i].parent = p
			}
		}
	}
	markTops(items)
	limitDepth(items)
	for i := range items {
		it := &items[i]
		if it.top {
			continue
		}
		e := it.e
		e.TraceID, e.ParentID, e.Type = "", "", ""
		host := items[it.parent].host
		host.Subsegments = append(host.Subsegments, e)
	}
	for i := range items {
		if items[i].top {
			emit(items[i].e, r)
		}
	}
}

// markTops decides which items are documents: segments, subsegments whose
// parent is not in the request, and one subsegment of each parent cycle
// (which only a broken or hostile exporter sends), so that no span is
// lost.
func markTops(items []item) {
	const unknown, pending, done = 0, 1, 2
	state := make([]uint8, len(items))
	var path []int
	for i := range items {
		path = path[:0]
		j := i
		for state[j] == unknown {
			if items[j].seg || items[j].parent < 0 {
				items[j].top = true
				break
			}
			state[j] = pending
			path = append(path, j)
			j = items[j].parent
		}
		if state[j] == pending { // a cycle through j: cut it at j
			items[j].top = true
		}
		state[j] = done
		for _, p := range path {
			state[p] = done
		}
	}
}

// encodeBuffers hold encoding space, so that a document is not grown
// through several allocations.
var encodeBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// encodeHook, set by tests, sees each entity and its encoding.
var encodeHook func(e *entity, raw []byte)

// maxNesting bounds how deep subsegments are nested in one document. A
// deeper span starts a document of its own (an independent subsegment),
// which keeps splitting an oversize document cheap: each level is encoded
// at most once more.
const maxNesting = 32

// limitDepth makes every item nested maxNesting levels below its document
// a document of its own.
func limitDepth(items []item) {
	children := make([][]int, len(items))
	for i, it := range items {
		if !it.top {
			children[it.parent] = append(children[it.parent], i)
		}
	}
	type entry struct{ item, depth int }
	var stack []entry
	for i, it := range items {
		if !it.top {
			continue
		}
		stack = append(stack[:0], entry{i, 0})
		for len(stack) > 0 {
			e := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, c := range children[e.item] {
				d := e.depth + 1
				if d >= maxNesting {
					items[c].top, d = true, 0
				}
				stack = append(stack, entry{c, d})
			}
		}
	}
}

// emit validates an entity as a document and adds it to r. A document
// over X-Ray's size limit is sent as its parts: the entity without its
// subsegments, and each subsegment as an independent one.
func emit(e *entity, r *Result) {
	buf := encodeBuffers.Get().(*[]byte)
	*buf = appendEntity((*buf)[:0], e)
	raw := bytes.Clone(*buf) // one allocation of the right size
	encodeBuffers.Put(buf)
	if encodeHook != nil {
		encodeHook(e, raw)
	}
	if len(raw) > segment.MaxDocumentSize && len(e.Subsegments) > 0 {
		children := e.Subsegments
		e.Subsegments = nil
		emit(e, r)
		for _, c := range children {
			c.TraceID, c.ParentID, c.Type = e.traceID, e.ID, "subsegment"
			emit(c, r)
		}
		return
	}
	if len(raw) > segment.MaxDocumentSize {
		r.reject(e.count(), "span %s of trace %s: %v", e.ID, e.traceID, &segment.Error{Code: segment.CodeTooLarge,
			Message: fmt.Sprintf("document is %d bytes; the limit is %d", len(raw), segment.MaxDocumentSize)})
		return
	}
	d, err := e.buildDocument(raw)
	if err != nil {
		r.reject(e.count(), "span %s of trace %s: cannot encode segment: %v", e.ID, e.traceID, err)
		return
	}
	r.Docs = append(r.Docs, d)
}

// buildDocument is e.document(raw), except for a document whose text held
// invalid UTF-8: the encoder wrote it as \ufffd, as encoding/json does,
// but the entity still holds the original bytes, so that rare document is
// parsed from its JSON instead (found by FuzzTranslate). A false positive
// (a literal backslash-u-fffd in a string) only costs the slower path.
func (e *entity) buildDocument(raw []byte) (*segment.Document, error) {
	if !bytes.Contains(raw, []byte(`\ufffd`)) {
		return e.document(raw)
	}
	docs, err := segment.Parse(raw)
	if err != nil {
		return nil, err
	}
	if len(docs) != 1 {
		return nil, fmt.Errorf("encoded entity parsed as %d documents", len(docs))
	}
	return docs[0], nil
}
