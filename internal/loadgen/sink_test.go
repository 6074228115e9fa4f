package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/lightbox-tracing/lightbox/segment"
)

// The sink finds every generated document in PutTraceSegments bodies as
// a JSON encoder writes them, in batches like a forwarder's, and
// verification through it sees exactly what was delivered.
func TestSinkFindsGeneratedDocuments(t *testing.T) {
	s, err := NewSink("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	g, err := newGenerator(TraceShape{}.withDefaults(), 7)
	if err != nil {
		t.Fatal(err)
	}
	const n = 1000
	const skip = 17 // this document is never delivered
	var docs []string
	var buf []byte
	for i := range n {
		buf = g.next(buf[:0], time.Now())
		doc, err := segment.SplitDatagram(buf)
		if err != nil {
			t.Fatal(err)
		}
		if i != skip {
			docs = append(docs, string(doc))
		}
	}
	for start := 0; start < len(docs); start += 50 {
		body, _ := json.Marshal(map[string][]string{"TraceSegmentDocuments": docs[start:min(start+50, len(docs))]})
		resp, err := http.Post("http://"+s.Addr()+"/TraceSegments", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("sink answered %s", resp.Status)
		}
	}
	if s.Documents() != n-1 || s.Calls() != (n-1+49)/50 {
		t.Errorf("sink counted %d documents in %d calls, want %d in %d", s.Documents(), s.Calls(), n-1, (n-1+49)/50)
	}
	pending := make([]int, len(g.traces))
	for i := range pending {
		pending[i] = i
	}
	incomplete, err := s.check(context.Background(), g, pending, 1)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, tr := range g.traces {
		found += int(tr.found)
	}
	if found != n-1 || len(incomplete) != 1 {
		t.Errorf("found %d documents, %d incomplete traces; want %d and 1", found, len(incomplete), n-1)
	}
}
