package otlp

import (
	"fmt"
	"maps"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

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
