package forward

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/store"
)

func TestBatchesOfAtMost50CarryEveryDocumentOnce(t *testing.T) {
	u := newUpstream(t, nil)
	f := newForwarder(t, u, func(o *Options) { o.Concurrency = 3 })
	const n = 537
	for i := 0; i < n; i += 37 {
		if err := f.WriteSegments(context.Background(), docs(i, min(37, n-i))); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "all sent", func() bool { return f.Stats().Sent == n })
	calls, _ := u.snapshot()
	seen := map[string]int{}
	for _, c := range calls {
		if len(c) == 0 || len(c) > 50 {
			t.Errorf("batch of %d documents, want 1..50", len(c))
		}
		for _, id := range c {
			seen[id]++
		}
	}
	if len(seen) != n {
		t.Errorf("upstream saw %d distinct documents, want %d", len(seen), n)
	}
	for id, k := range seen {
		if k != 1 {
			t.Errorf("document %s sent %d times", id, k)
		}
	}
	if len(calls) < n/50+1 {
		t.Errorf("%d calls for %d documents: batches are larger than 50", len(calls), n)
	}
	s := f.Stats()
	checkBalance(t, s)
	if s.Requests[ResultOK] != int64(len(calls)) || s.Retries != 0 {
		t.Errorf("requests %v retries %d, want %d ok and no retries", s.Requests, s.Retries, len(calls))
	}
}

func TestPartialBatchWaitsForFlushInterval(t *testing.T) {
	u := newUpstream(t, nil)
	const interval = 300 * time.Millisecond
	f := newForwarder(t, u, func(o *Options) { o.FlushInterval = interval })
	start := time.Now()
	if err := f.WriteSegments(context.Background(), docs(0, 3)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "flush", func() bool { return f.Stats().Sent == 3 })
	_, at := u.snapshot()
	if len(at) != 1 {
		t.Fatalf("%d calls, want 1 batch of 3", len(at))
	}
	if waited := at[0].Sub(start); waited < interval {
		t.Errorf("partial batch sent after %v, before the flush interval %v", waited, interval)
	}
}

func TestFullBufferDropsAreCountedExactly(t *testing.T) {
	release := make(chan struct{})
	u := newUpstream(t, func(_ int, _ []string, w http.ResponseWriter) {
		<-release // the upstream hangs until the test lets it answer
		ok(w)
	})
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	const fit = 120
	f := newForwarder(t, u, func(o *Options) {
		o.BufferBytes = int64(fit*docSize + docSize/2) // room for exactly 120
		o.Concurrency = 2
	})
	const n = 1000
	for i := 0; i < n; i += 10 {
		if err := f.WriteSegments(context.Background(), docs(i, 10)); err != nil {
			t.Fatal(err)
		}
	}
	s := f.Stats()
	if s.Offered != n || s.Buffered != fit || s.Dropped[ReasonBufferFull] != n-fit {
		t.Fatalf("offered %d buffered %d dropped %v; want %d, %d, buffer_full %d", s.Offered, s.Buffered, s.Dropped, n, fit, n-fit)
	}
	checkBalance(t, s)
	close(release)
	waitFor(t, "buffered documents sent", func() bool { return f.Stats().Sent == fit })
	s = f.Stats()
	if s.Buffered != 0 || s.BufferedBytes != 0 || s.Dropped[ReasonBufferFull] != n-fit {
		t.Errorf("after recovery: %+v", s)
	}
	// Room again: new documents are taken.
	if err := f.WriteSegments(context.Background(), docs(n, 5)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "new documents sent", func() bool { return f.Stats().Sent == fit+5 })
	checkBalance(t, f.Stats())
}

func TestTransientFailuresAreRetriedUntilDelivered(t *testing.T) {
	// Every batch meets 503, then 429 ThrottledException, then a 500,
	// then success: nothing may be lost or duplicated.
	failures := map[string]int{}
	u := newUpstream(t, func(_ int, ids []string, w http.ResponseWriter) {
		// Keyed by the batch's first document: the same batch returns.
		switch failures[ids[0]]++; failures[ids[0]] {
		case 1:
			fail(w, 503, "ServiceUnavailableException")
		case 2:
			fail(w, 429, "ThrottledException")
		case 3:
			fail(w, 500, "InternalFailure")
		default:
			ok(w)
		}
	})
	f := newForwarder(t, u, func(o *Options) { o.Concurrency = 1 })
	const n = 120
	if err := f.WriteSegments(context.Background(), docs(0, n)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "delivery", func() bool { return f.Stats().Sent == n })
	s := f.Stats()
	checkBalance(t, s)
	batches := int64(3) // 50 + 50 + 20
	want := map[string]int64{ResultOK: batches, ResultThrottled: batches, ResultServerError: 2 * batches, ResultClientError: 0, ResultNetworkError: 0}
	for r, w := range want {
		if s.Requests[r] != w {
			t.Errorf("requests[%s] = %d, want %d (all %v)", r, s.Requests[r], w, s.Requests)
		}
	}
	if s.Retries != 3*batches {
		t.Errorf("retries %d, want %d", s.Retries, 3*batches)
	}
	for r, k := range s.Dropped {
		if k != 0 {
			t.Errorf("dropped %d for %s, want none", k, r)
		}
	}
	if s.LastError != "" {
		t.Errorf("last error %q after recovery, want none", s.LastError)
	}
}

func TestRejectedDocumentsAreDroppedNotRetried(t *testing.T) {
	// Call 0: a 400 for the whole batch. Later calls: UnprocessedTrace-
	// Segments marks document 0x33 invalid and 0x34 throttled once.
	throttled := false
	u := newUpstream(t, func(call int, ids []string, w http.ResponseWriter) {
		if call == 0 {
			fail(w, 400, "InvalidRequestException")
			return
		}
		var un []string
		for _, id := range ids {
			switch {
			case id == fmt.Sprintf("%016x", 0x33):
				un = append(un, fmt.Sprintf(`{"Id":%q,"ErrorCode":"InvalidSegment","Message":"bad"}`, id))
			case id == fmt.Sprintf("%016x", 0x34) && !throttled:
				throttled = true
				un = append(un, fmt.Sprintf(`{"Id":%q,"ErrorCode":"ThrottledException","Message":"slow down"}`, id))
			}
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"UnprocessedTraceSegments":[%s]}`, join(un))
	})
	f := newForwarder(t, u, func(o *Options) { o.Concurrency = 1 })
	if err := f.WriteSegments(context.Background(), docs(0, 10)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "first batch rejected", func() bool { return f.Stats().Dropped[ReasonUpstreamRejected] == 10 })
	if err := f.WriteSegments(context.Background(), docs(0x30, 10)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "second batch settled", func() bool { s := f.Stats(); return s.Buffered == 0 && s.Sent == 9 })
	s := f.Stats()
	if s.Dropped[ReasonUpstreamRejected] != 11 || s.Requests[ResultClientError] != 1 || s.Retries != 1 {
		t.Errorf("stats %+v; want 11 rejected (10 + 1 invalid), 1 client error, 1 retry of the throttled document", s)
	}
	calls, _ := u.snapshot()
	if last := calls[len(calls)-1]; !slices.Equal(last, []string{fmt.Sprintf("%016x", 0x34)}) {
		t.Errorf("retry carried %v, want only the throttled document", last)
	}
	checkBalance(t, s)
}

func TestCloseUploadsBufferedDocuments(t *testing.T) {
	u := newUpstream(t, nil)
	f := newForwarder(t, u, func(o *Options) { o.FlushInterval = time.Hour })
	if err := f.WriteSegments(context.Background(), docs(0, 7)); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := f.Stats(); s.Sent != 7 {
		t.Errorf("sent %d at close, want 7", s.Sent)
	}
	if err := f.WriteSegments(context.Background(), docs(7, 1)); err != store.ErrClosed {
		t.Errorf("WriteSegments after Close: %v, want store.ErrClosed", err)
	}
}

func TestCloseDeadlineDropsWhatCannotBeUploaded(t *testing.T) {
	u := newUpstream(t, func(_ int, _ []string, w http.ResponseWriter) { fail(w, 503, "ServiceUnavailableException") })
	f := newForwarder(t, u, nil)
	if err := f.WriteSegments(context.Background(), docs(0, 75)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "retries", func() bool { return f.Stats().Retries > 2 })
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := f.Close(ctx); err == nil {
		t.Error("Close returned nil though the upstream never accepted")
	}
	s := f.Stats()
	if s.Dropped[ReasonShutdown] != 75 || s.Buffered != 0 || s.Sent != 0 {
		t.Errorf("stats %+v; want all 75 dropped as shutdown", s)
	}
	checkBalance(t, s)
	// No goroutine of the forwarder survives Close.
	waitFor(t, "forwarder goroutines to end", func() bool {
		buf := make([]byte, 1<<20)
		return !strings.Contains(string(buf[:runtime.Stack(buf, true)]), "forward.(*Forwarder)")
	})
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}
