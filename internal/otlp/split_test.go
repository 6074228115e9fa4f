package otlp

import (
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/lightbox-tracing/lightbox/segment"
)

// bigTrace is one server span with n internal children, each carrying an
// attribute of size bytes.
func bigTrace(n, size int) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "big")
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	tid := pcommon.TraceID{0x65, 0x53, 0xf1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	start := pcommon.NewTimestampFromTime(time.Unix(1700000000, 0))
	root := spans.AppendEmpty()
	root.SetTraceID(tid)
	root.SetSpanID(pcommon.SpanID{1})
	root.SetKind(ptrace.SpanKindServer)
	root.SetStartTimestamp(start)
	root.SetEndTimestamp(start + 1e9)
	for i := range n {
		c := spans.AppendEmpty()
		c.SetTraceID(tid)
		c.SetSpanID(pcommon.SpanID{2, byte(i >> 8), byte(i)})
		c.SetParentSpanID(pcommon.SpanID{1})
		c.SetName("step")
		c.SetStartTimestamp(start + pcommon.Timestamp(i))
		c.SetEndTimestamp(start + pcommon.Timestamp(i) + 1000)
		c.Attributes().PutStr("payload", strings.Repeat("x", size))
	}
	return td
}

func countEntities(docs []*segment.Document) int {
	n := 0
	var walk func(d *segment.Document)
	walk = func(d *segment.Document) {
		n++
		for _, s := range d.Subsegments {
			walk(s)
		}
	}
	for _, d := range docs {
		walk(d)
	}
	return n
}

// TestTranslateSplitsOversizeDocuments: a local tree larger than X-Ray's
// 64 KiB document limit is sent as the segment plus independent
// subsegments, every span kept and every document within the limit.
func TestTranslateSplitsOversizeDocuments(t *testing.T) {
	for _, tc := range []struct {
		name        string
		n, size     int
		wantDocs    int
		wantNoSplit bool
	}{
		{"small tree stays one document", 10, 100, 1, true},
		{"large tree is split", 200, 1000, 201, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := NewTranslator(TranslationOptions{}).Translate(bigTrace(tc.n, tc.size))
			if res.Rejected != 0 {
				t.Fatalf("rejected %d: %v", res.Rejected, res.Errors)
			}
			if got := countEntities(res.Docs); got != tc.n+1 {
				t.Errorf("documents hold %d spans, want %d", got, tc.n+1)
			}
			if len(res.Docs) != tc.wantDocs {
				t.Errorf("%d documents, want %d", len(res.Docs), tc.wantDocs)
			}
			for _, d := range res.Docs {
				if len(d.Raw) > segment.MaxDocumentSize {
					t.Errorf("document %s is %d bytes", d.ID, len(d.Raw))
				}
				if d.IsIndependentSubsegment() && d.ParentID != "0100000000000000" {
					t.Errorf("independent subsegment %s has parent %s", d.ID, d.ParentID)
				}
			}
		})
	}
}

// TestTranslateDeepChain: a chain of 5,000 nested spans (each the parent
// of the next) is translated in bounded time, into documents no deeper
// than maxNesting, every span kept.
func TestTranslateDeepChain(t *testing.T) {
	const n = 5000
	td := ptrace.NewTraces()
	spans := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	tid := pcommon.TraceID{0x65, 0x53, 0xf1, 0, 9}
	start := pcommon.NewTimestampFromTime(time.Unix(1700000000, 0))
	for i := range n {
		sp := spans.AppendEmpty()
		sp.SetTraceID(tid)
		sp.SetSpanID(pcommon.SpanID{1, byte(i >> 16), byte(i >> 8), byte(i)})
		if i > 0 {
			sp.SetParentSpanID(pcommon.SpanID{1, byte((i - 1) >> 16), byte((i - 1) >> 8), byte(i - 1)})
		}
		sp.SetName("step")
		sp.SetStartTimestamp(start)
		sp.SetEndTimestamp(start + 1000)
		sp.Attributes().PutStr("payload", strings.Repeat("x", 100))
	}
	res := NewTranslator(TranslationOptions{}).Translate(td)
	if res.Rejected != 0 {
		t.Fatalf("rejected %d: %v", res.Rejected, res.Errors)
	}
	if got := countEntities(res.Docs); got != n {
		t.Errorf("documents hold %d spans, want %d", got, n)
	}
	var depth func(d *segment.Document) int
	depth = func(d *segment.Document) int {
		m := 0
		for _, s := range d.Subsegments {
			m = max(m, depth(s))
		}
		return m + 1
	}
	for _, d := range res.Docs {
		if got := depth(d); got > maxNesting {
			t.Fatalf("document %s is %d deep", d.ID, got)
		}
	}
}
