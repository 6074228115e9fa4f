package otlp

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"maps"
	"sync"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/lightbox-tracing/lightbox/segment"
)

// TranslationOptions configure the translation.
type TranslationOptions struct {
	// IndexedAttributes are attribute keys that become annotations on every
	// span that has them, besides the keys a span lists in
	// aws.xray.annotations (the X-Ray exporter's indexed_attributes).
	// Resource attributes are named "otel.resource.<key>".
	IndexedAttributes []string
	// IndexAllAttributes makes every scalar attribute an annotation.
	IndexAllAttributes bool
}

// Translator turns OTLP traces into segment documents. It is safe for
// concurrent use.
type Translator struct {
	indexed  map[string]bool
	indexAll bool
}

// NewTranslator returns a translator with the given options.
func NewTranslator(o TranslationOptions) *Translator {
	t := &Translator{indexed: map[string]bool{}, indexAll: o.IndexAllAttributes}
	for _, k := range o.IndexedAttributes {
		t.indexed[k] = true
	}
	return t
}

// maxErrors bounds the messages a Result keeps.
const maxErrors = 5

// Result is the translation of one export request.
type Result struct {
	Docs     []*segment.Document // validated, each with its Raw bytes
	Spans    int                 // spans in the request
	Rejected int                 // spans that became no document
	Errors   []string            // why, for the first few
}

func (r *Result) reject(spans int, format string, args ...any) {
	r.Rejected += spans
	if len(r.Errors) < maxErrors {
		r.Errors = append(r.Errors, fmt.Sprintf(format, args...))
	}
}

// Message summarizes the rejections for an OTLP partial-success response.
func (r *Result) Message() string {
	if r.Rejected == 0 {
		return ""
	}
	msg := fmt.Sprintf("%d of %d spans rejected", r.Rejected, r.Spans)
	for _, e := range r.Errors {
		msg += "; " + e
	}
	return msg
}

// Translate converts every span of td. Spans it cannot convert are counted
// in Rejected; the others are in Docs.
func (t *Translator) Translate(td ptrace.Traces) Result {
	var r Result
	rss := td.ResourceSpans()
	for i := range rss.Len() {
		t.translateResource(rss.At(i), &r)
	}
	return r
}

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
	d, err := e.document(raw)
	if err != nil {
		r.reject(e.count(), "span %s of trace %s: cannot encode segment: %v", e.ID, e.traceID, err)
		return
	}
	r.Docs = append(r.Docs, d)
}

// spanEntity converts one span. host is where the span's child spans are
// nested: e itself, except for a local-root client or producer span, which
// becomes a segment for its service holding a subsegment for the call (as
// the X-Ray exporter does), and host is that subsegment.
func (t *Translator) spanEntity(sp ptrace.Span, ri *resourceInfo) (e, host *entity, seg bool, err error) {
	tid, sid := sp.TraceID(), sp.SpanID()
	switch {
	case tid.IsEmpty():
		return nil, nil, false, fmt.Errorf("trace_id is empty or all zeros")
	case sid.IsEmpty():
		return nil, nil, false, fmt.Errorf("span_id is empty or all zeros")
	}
	start := seconds(sp.StartTimestamp())
	if start <= 0 { // X-Ray times are microseconds, and must be positive
		return nil, nil, false, fmt.Errorf("start_time_unix_nano %d is not after the Unix epoch", sp.StartTimestamp())
	}
	end := seconds(sp.EndTimestamp())
	if end < start {
		end = start // a span that ends before it starts (or never) lasts 0 s
	}
	a := attrs{sp.Attributes()}
	kind := sp.Kind()
	root := sp.ParentSpanID().IsEmpty()
	awsSDK := a.str("rpc.system") == "aws-api"
	seg = root || kind == ptrace.SpanKindServer || kind == ptrace.SpanKindConsumer

	e = &entity{ID: spanIDString(sid), TraceID: ri.traceIDString(tid), StartTime: start, EndTime: end, spans: 1}
	e.traceID = e.TraceID
	if !root {
		e.ParentID = spanIDString(sp.ParentSpanID())
	}
	e.HTTP = makeHTTP(a, kind)
	status, hasStatus := a.int(keyStatus...)
	o := makeOutcome(sp, status, hasStatus)
	e.Fault, e.Error, e.Throttle, e.Cause = o.fault, o.error, o.throttle, o.cause
	e.SQL = makeSQL(a)
	e.Links = makeLinks(sp.Links())

	if !seg {
		t.fillSubsegment(e, sp, a, ri, awsSDK)
		return e, e, false, nil
	}
	e.Name = segmentName(a, ri, sp.Name())
	e.Origin = ri.origin
	e.Service = ri.service
	if root && (kind == ptrace.SpanKindClient || kind == ptrace.SpanKindProducer) {
		call := *e
		t.fillSubsegment(&call, sp, a, ri, awsSDK)
		call.TraceID, call.ParentID, call.Type = "", "", ""
		svc := &entity{
			ID: derivedID(tid, sid, 0), TraceID: e.TraceID, traceID: e.traceID, Name: e.Name,
			StartTime: start, EndTime: end, Origin: ri.origin, Service: ri.service,
			Fault: o.fault, Error: o.error, Throttle: o.throttle,
			AWS: maps.Clone(ri.aws), Subsegments: []*entity{&call},
		}
		t.annotateSpan(svc, pcommon.NewMap(), ri, true)
		return svc, &call, true, nil
	}
	e.AWS = makeAWS(a, awsSDK, maps.Clone(ri.aws), ri.region)
	t.annotateSpan(e, sp.Attributes(), ri, true)
	return e, e, true, nil
}

// fillSubsegment gives e what a subsegment has: a name after what it
// calls, a namespace, the call's aws block, annotations and metadata.
func (t *Translator) fillSubsegment(e *entity, sp ptrace.Span, a attrs, ri *resourceInfo, awsSDK bool) {
	e.Type = "subsegment"
	e.Name = subsegmentName(sp, a, awsSDK)
	switch kind := sp.Kind(); {
	case awsSDK || a.has("aws.service"):
		e.Namespace = "aws"
	case kind == ptrace.SpanKindClient || kind == ptrace.SpanKindProducer:
		e.Namespace = "remote"
	}
	e.AWS = makeAWS(a, awsSDK, nil, ri.region)
	t.annotateSpan(e, sp.Attributes(), ri, false)
}

// seconds converts to X-Ray's float seconds at microsecond precision (as
// X-Ray SDKs write them), which float64 holds exactly enough to print
// without rounding noise.
func seconds(ts pcommon.Timestamp) float64 { return float64(uint64(ts)/1000) / 1e6 }

func traceBytes(id pcommon.TraceID) []byte { return id[:] }

// makeLinks converts span links (a batch consumer's producers, for
// instance); links without a trace or span ID are left out.
func makeLinks(ls ptrace.SpanLinkSlice) []link {
	var out []link
	for i := range ls.Len() {
		l := ls.At(i)
		if l.TraceID().IsEmpty() || l.SpanID().IsEmpty() {
			continue
		}
		k := link{TraceID: xrayTraceID(l.TraceID()), ID: spanIDString(l.SpanID())}
		if l.Attributes().Len() > 0 {
			k.Attributes = make(map[string]any, l.Attributes().Len())
			for ak, av := range l.Attributes().All() {
				k.Attributes[ak] = rawValue(av)
			}
		}
		out = append(out, k)
	}
	return out
}
