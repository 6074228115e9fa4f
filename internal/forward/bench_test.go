package forward

import (
	"context"
	"testing"
	"time"
)

// BenchmarkForward measures documents from WriteSegments to an answered
// PutTraceSegments over loopback HTTP, in batches of 50.
func BenchmarkForward(b *testing.B) {
	u := newUpstream(b, nil)
	f, err := New(Options{Endpoint: u.srv.URL, Logger: quietLogger(), FlushInterval: 10 * time.Millisecond, BufferBytes: 64 << 20})
	if err != nil {
		b.Fatal(err)
	}
	const batch = 50
	ds := docs(0, batch)
	b.SetBytes(int64(batch * docSize))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := f.WriteSegments(context.Background(), ds); err != nil {
			b.Fatal(err)
		}
	}
	if err := f.Close(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	s := f.Stats()
	if s.Sent+s.Dropped[ReasonBufferFull] != int64(b.N*batch) {
		b.Fatalf("stats %+v after %d documents", s, b.N*batch)
	}
	b.ReportMetric(float64(s.Sent)/b.Elapsed().Seconds(), "docs/s")
	b.ReportMetric(float64(s.Dropped[ReasonBufferFull]), "dropped")
}
