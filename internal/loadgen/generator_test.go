package loadgen

import (
	"testing"
	"time"

	"github.com/lightbox-tracing/lightbox/segment"
)

// TestGeneratedDocuments checks that what the sender puts on the wire is
// what an SDK would send: valid datagrams, the documented trace shape,
// plausible sizes, and the outcome mix asked for.
func TestGeneratedDocuments(t *testing.T) {
	shape := TraceShape{Services: 4, IndependentSubsegments: 2, ErrorRate: 0.1, FaultRate: 0.1, ThrottleRate: 0.1}.withDefaults()
	g, err := newGenerator(shape, 42)
	if err != nil {
		t.Fatal(err)
	}
	const traces = 2000
	perTrace := 2 + shape.IndependentSubsegments
	now := time.Now()
	seen := map[string]bool{}
	var minSize, maxSize int = 1 << 30, 0
	var faults, errs, throttles int
	var buf []byte
	for i := range traces * perTrace {
		buf = g.next(buf[:0], now)
		body, err := segment.SplitDatagram(buf)
		if err != nil {
			t.Fatalf("datagram %d: %v", i, err)
		}
		docs, err := segment.Parse(body)
		if err != nil {
			t.Fatalf("datagram %d: %v\n%s", i, err, body)
		}
		d := docs[0]
		minSize, maxSize = min(minSize, len(body)), max(maxSize, len(body))
		key := d.TraceID + "/" + d.ID
		if seen[key] {
			t.Fatalf("document %s sent twice", key)
		}
		seen[key] = true
		if got := g.ids[i].String(); got != d.ID {
			t.Fatalf("datagram %d: recorded ID %s, sent %s", i, got, d.ID)
		}
		if tr := g.traces[len(g.traces)-1]; tr.id.String() != d.TraceID {
			t.Fatalf("datagram %d: recorded trace %s, sent %s", i, tr.id, d.TraceID)
		}
		if epoch, _ := segment.ParseTraceID(d.TraceID); epoch.Epoch() != now.Unix() {
			t.Errorf("trace ID epoch %d, want %d", epoch.Epoch(), now.Unix())
		}
		switch pos := i % perTrace; {
		case pos < shape.IndependentSubsegments:
			if !d.IsIndependentSubsegment() || d.ParentID == "" {
				t.Fatalf("datagram %d should be an independent subsegment: %s", i, body)
			}
		case pos == shape.IndependentSubsegments:
			if d.ParentID == "" || len(d.Subsegments) != 2 || d.Subsegments[0].SQL == nil || d.Subsegments[1].AWS == nil {
				t.Fatalf("datagram %d should be the downstream segment with SQL and S3 calls: %s", i, body)
			}
		default:
			if d.ParentID != "" || d.HTTP == nil || len(d.Subsegments) != 3 {
				t.Fatalf("datagram %d should be the front-end segment: %s", i, body)
			}
			if call := d.Subsegments[1]; call.Namespace != "remote" || call.HTTP == nil {
				t.Fatalf("datagram %d: second subsegment is not the remote call", i)
			}
			switch {
			case d.Fault:
				faults++
			case d.Throttle:
				throttles++
			case d.Error:
				errs++
			}
		}
	}
	if minSize < 400 || maxSize > 3000 {
		t.Errorf("document sizes %d..%d bytes, want roughly 500 B to 2 KB", minSize, maxSize)
	}
	for name, n := range map[string]int{"faults": faults, "errors": errs, "throttles": throttles} {
		if n < traces/20 || n > traces/5 {
			t.Errorf("%d %s in %d traces, want about 10%%", n, name, traces)
		}
	}
	t.Logf("document sizes %d..%d bytes", minSize, maxSize)
}

// TestParentLinks checks that the pieces of a trace point at each other.
func TestParentLinks(t *testing.T) {
	g, err := newGenerator(TraceShape{}.withDefaults(), 7)
	if err != nil {
		t.Fatal(err)
	}
	var docs []*segment.Document
	for range 3 { // one trace with the default shape
		b := g.next(nil, time.Now())
		body, _ := segment.SplitDatagram(b)
		parsed, err := segment.Parse(body)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, parsed[0])
	}
	independent, down, front := docs[0], docs[1], docs[2]
	if independent.ParentID != down.ID {
		t.Errorf("independent subsegment's parent %s, want the downstream segment %s", independent.ParentID, down.ID)
	}
	if call := front.Subsegments[1]; down.ParentID != call.ID {
		t.Errorf("downstream segment's parent %s, want the front end's call %s", down.ParentID, call.ID)
	}
	if !(front.StartTime <= down.StartTime && down.EndTime <= front.EndTime) {
		t.Errorf("downstream [%f, %f] is not inside the front end [%f, %f]", down.StartTime, down.EndTime, front.StartTime, front.EndTime)
	}
}

func BenchmarkGenerate(b *testing.B) {
	g, err := newGenerator(TraceShape{}.withDefaults(), 1)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 4096)
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		buf = g.next(buf[:0], now)
	}
	b.SetBytes(int64(len(buf)))
}
