package otlp

import (
	"bytes"
	"encoding/binary"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// spansPerTrace is the size of the benchmark's traces: a server span, an
// HTTP call, a SQL query, a DynamoDB call and four internal steps.
const spansPerTrace = 8

// workload builds an export request like an OTel SDK's batch exporter
// sends (512 spans by default): traces of one service, every span with
// the attributes its instrumentation sets.
func workload(traces int, at time.Time) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	res := rs.Resource().Attributes()
	res.PutStr("service.name", "checkout")
	res.PutStr("service.version", "1.4.2")
	res.PutStr("telemetry.sdk.name", "opentelemetry")
	res.PutStr("telemetry.sdk.language", "go")
	res.PutStr("telemetry.sdk.version", "1.47.0")
	res.PutStr("host.name", "ip-10-0-1-17")
	res.PutStr("k8s.pod.name", "checkout-7d9f")
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("checkout")
	spans := ss.Spans()
	start := pcommon.NewTimestampFromTime(at)
	for i := range traces {
		var tid pcommon.TraceID
		binary.BigEndian.PutUint32(tid[:4], uint32(at.Unix()))
		binary.BigEndian.PutUint64(tid[8:], uint64(i)+1)
		tid[4] = 0xbe // a marker the ID patcher looks for
		add := func(n int, parent int, kind ptrace.SpanKind, name string, off, dur time.Duration) ptrace.Span {
			sp := spans.AppendEmpty()
			sp.SetTraceID(tid)
			sp.SetSpanID(pcommon.SpanID{byte(i >> 8), byte(i), 0, 0, 0, 0, 0, byte(n + 1)})
			if parent >= 0 {
				sp.SetParentSpanID(pcommon.SpanID{byte(i >> 8), byte(i), 0, 0, 0, 0, 0, byte(parent + 1)})
			}
			sp.SetKind(kind)
			sp.SetName(name)
			sp.SetStartTimestamp(start + pcommon.Timestamp(off))
			sp.SetEndTimestamp(start + pcommon.Timestamp(off+dur))
			return sp
		}
		root := add(0, -1, ptrace.SpanKindServer, "GET /orders/{id}", 0, 40*time.Millisecond)
		a := root.Attributes()
		a.PutStr("http.request.method", "GET")
		a.PutStr("url.scheme", "http")
		a.PutStr("url.path", "/orders/42")
		a.PutStr("server.address", "checkout.local")
		a.PutInt("server.port", 8080)
		a.PutStr("http.route", "/orders/{id}")
		a.PutInt("http.response.status_code", 200)
		a.PutStr("user_agent.original", "Mozilla/5.0 (X11; Linux x86_64)")
		a.PutStr("client.address", "10.0.3.4")
		c := add(1, 0, ptrace.SpanKindClient, "GET", time.Millisecond, 10*time.Millisecond).Attributes()
		c.PutStr("http.request.method", "GET")
		c.PutStr("url.full", "http://inventory.local/items/42")
		c.PutStr("server.address", "inventory.local")
		c.PutInt("http.response.status_code", 200)
		d := add(2, 0, ptrace.SpanKindClient, "SELECT orders", 12*time.Millisecond, 5*time.Millisecond).Attributes()
		d.PutStr("db.system", "postgresql")
		d.PutStr("db.name", "orders")
		d.PutStr("db.statement", "SELECT * FROM orders WHERE id = $1")
		d.PutStr("server.address", "db.local")
		w := add(3, 0, ptrace.SpanKindClient, "DynamoDB.GetItem", 18*time.Millisecond, 6*time.Millisecond).Attributes()
		w.PutStr("rpc.system", "aws-api")
		w.PutStr("rpc.service", "DynamoDB")
		w.PutStr("rpc.method", "GetItem")
		w.PutStr("aws.region", "eu-west-1")
		w.PutStr("aws.request_id", "R4ND0MREQUESTID")
		for k := 4; k < spansPerTrace; k++ {
			add(k, 0, ptrace.SpanKindInternal, "render", time.Duration(25+k)*time.Millisecond, time.Millisecond).Attributes().PutInt("items", int64(k))
		}
	}
	return td
}

// requestPatcher re-issues one encoded request with fresh trace IDs, so a
// load of many requests costs the sender next to nothing and every trace
// is new to the store.
type requestPatcher struct {
	body    []byte
	offsets []int // where each trace ID's 12 random bytes sit
	next    atomic.Uint64
}

func newRequestPatcher(traces int, at time.Time) (*requestPatcher, error) {
	body, err := ptraceotlp.NewExportRequestFromTraces(workload(traces, at)).MarshalProto()
	if err != nil {
		return nil, err
	}
	p := &requestPatcher{body: body}
	var prefix [5]byte
	binary.BigEndian.PutUint32(prefix[:4], uint32(at.Unix()))
	prefix[4] = 0xbe
	for i := 0; ; {
		j := bytes.Index(body[i:], prefix[:])
		if j < 0 {
			break
		}
		p.offsets = append(p.offsets, i+j+4)
		i += j + 16
	}
	return p, nil
}

// request returns a copy of the body whose traces all have new IDs.
func (p *requestPatcher) request() []byte {
	b := append([]byte(nil), p.body...)
	n := p.next.Add(1)
	for _, off := range p.offsets {
		// Keep the 8 bytes that tell traces apart inside a request; the
		// 4 before them tell requests apart.
		binary.BigEndian.PutUint32(b[off:], uint32(n))
	}
	return b
}
