package segment

import (
	"errors"
	"testing"

	"github.com/lightbox-tracing/lightbox/internal/realclients"
)

// FuzzParse checks that no input crashes the decoder, that every rejection
// is a *segment.Error, and that accepted documents satisfy the invariants
// the rest of Lightbox relies on.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"go-aws-xray-sdk-go-1.8.5.jsonl", "python-aws-xray-sdk-0.95-flask.jsonl", "node-aws-xray-sdk-core-3.12.0.jsonl"} {
		for _, dg := range realclients.Datagrams(f, name) {
			f.Add(dg)
		}
	}
	f.Add([]byte(Header + "\n[]"))
	f.Add([]byte("\n"))
	f.Fuzz(func(t *testing.T, dg []byte) {
		body, err := SplitDatagram(dg)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("SplitDatagram error is not *Error: %v", err)
			}
			return
		}
		docs, err := Parse(body)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse error is not *Error: %v", err)
			}
			return
		}
		for _, d := range docs {
			if _, err := ParseTraceID(d.TraceID); err != nil {
				t.Fatalf("accepted document with bad trace ID %q", d.TraceID)
			}
			if _, err := ParseSegmentID(d.ID); err != nil {
				t.Fatalf("accepted document with bad ID %q", d.ID)
			}
			if !d.InProgress && d.EndTime < d.StartTime {
				t.Fatalf("accepted document ending before it starts")
			}
			if len(d.Raw) == 0 {
				t.Fatalf("accepted document without Raw")
			}
		}
	})
}

func BenchmarkParseDatagram(b *testing.B) {
	dgs := realclients.Datagrams(b, realclients.GoSDK)
	var total int
	for _, dg := range dgs {
		total += len(dg)
	}
	b.SetBytes(int64(total / len(dgs)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		body, err := SplitDatagram(dgs[i%len(dgs)])
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Parse(body); err != nil {
			b.Fatal(err)
		}
	}
}
