package daemon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/udpsock"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/lightbox-tracing/lightbox/internal/store"
	"github.com/lightbox-tracing/lightbox/segment"
)

// segDoc is a valid segment document whose ID encodes i.
func segDoc(i int) string {
	return fmt.Sprintf(`{"trace_id":"1-5759e988-bd862e3fe1be46a994272793","id":"%016x","name":"web","start_time":1700000000.1,"end_time":1700000000.2}`, i+1)
}

func segDocs(from, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = dg(segDoc(from + i))
	}
	return out
}

func storedIDs(r *recorder) []string {
	var ids []string
	for _, d := range r.stored() {
		ids = append(ids, d.ID)
	}
	slices.Sort(ids)
	return ids
}

func idsOf(dgs [][]byte) []string {
	var ids []string
	for _, b := range dgs {
		docs, err := decode(b)
		if err != nil {
			panic(err)
		}
		for _, d := range docs {
			ids = append(ids, d.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

func TestFixturesReachWriterIntact(t *testing.T) {
	rec := &recorder{}
	l := startListener(t, Options{Writer: rec})
	want := map[string][]byte{} // trace ID + ID → document as sent
	var n int
	for _, dgs := range fixtureDatagrams(t) {
		send(t, l, dgs...)
		for _, b := range dgs {
			_, body, _ := bytes.Cut(b, []byte("\n"))
			docs, err := decode(b)
			if err != nil {
				t.Fatal(err)
			}
			want[docs[0].TraceID+"/"+docs[0].ID] = body
			n++
		}
	}
	shutdown(t, l)

	got := rec.stored()
	if len(got) != n {
		t.Fatalf("writer got %d documents, want %d", len(got), n)
	}
	for _, d := range got {
		body, ok := want[d.TraceID+"/"+d.ID]
		if !ok {
			t.Errorf("unexpected document %s/%s", d.TraceID, d.ID)
			continue
		}
		if !bytes.Equal(d.Raw, body) {
			t.Errorf("document %s: Raw differs from what the SDK sent", d.ID)
		}
		delete(want, d.TraceID+"/"+d.ID)
	}
	if len(want) != 0 {
		t.Errorf("documents never written: %v", slices.Collect(maps.Keys(want)))
	}
	for name, c := range map[string]prometheus.Collector{"received": l.m.received, "accepted": l.m.accepted, "stored": l.m.stored} {
		if v := testutil.ToFloat64(c); v != float64(n) {
			t.Errorf("%s = %v, want %d", name, v, n)
		}
	}
	for _, reason := range rejectReasons {
		if v := testutil.ToFloat64(l.m.dropped.WithLabelValues(reason)); v != 0 {
			t.Errorf("rejected{reason=%q} = %v, want 0", reason, v)
		}
	}
}

// TestBadDatagramsDoNotDisturbGoodOnes sends every kind of bad datagram
// between two good ones over the socket.
func TestBadDatagramsDoNotDisturbGoodOnes(t *testing.T) {
	rec := &recorder{}
	l := startListener(t, Options{Writer: rec})

	var all, good [][]byte
	wantReasons := map[string]int{}
	for i, tt := range badDatagrams {
		before, after := dg(segDoc(2*i)), dg(segDoc(2*i+1))
		all = append(all, before, tt.datagram, after)
		good = append(good, before, after)
		wantReasons[tt.reason]++
	}
	// The largest document a UDP datagram can carry must fit the buffer.
	big := dg(padded(segDoc(1000), 65507-len(segment.Header)-1))
	all, good = append(all, big), append(good, big)
	send(t, l, all...)
	waitFor(t, "every datagram to be read", func() bool { return testutil.ToFloat64(l.m.received) == float64(len(all)) })
	shutdown(t, l)

	if got, want := storedIDs(rec), idsOf(good); !slices.Equal(got, want) {
		t.Errorf("stored IDs = %v, want %v", got, want)
	}
	for _, reason := range rejectReasons {
		if got := testutil.ToFloat64(l.m.dropped.WithLabelValues(reason)); got != float64(wantReasons[reason]) {
			t.Errorf("rejected{reason=%q} = %v, want %d", reason, got, wantReasons[reason])
		}
	}
	if got := testutil.ToFloat64(l.m.accepted); got != float64(len(good)) {
		t.Errorf("accepted = %v, want %d", got, len(good))
	}
}

// TestShutdownFlushes sends datagrams and shuts down at once: what the
// kernel queued is read, and everything is written in one group commit,
// although the flush interval is far away.
func TestShutdownFlushes(t *testing.T) {
	rec := &recorder{}
	l := startListener(t, Options{Writer: rec, FlushInterval: time.Hour, MaxBatch: 1 << 20, Writers: 1})
	dgs := segDocs(0, 500)
	send(t, l, dgs...)
	shutdown(t, l)
	if got, want := storedIDs(rec), idsOf(dgs); !slices.Equal(got, want) {
		t.Fatalf("stored %d documents, want %d", len(got), len(want))
	}
	if got := rec.callSizes(); !slices.Equal(got, []int{500}) {
		t.Errorf("WriteSegments calls = %v, want one of 500", got)
	}
}

func TestBatching(t *testing.T) {
	t.Run("MaxBatch", func(t *testing.T) {
		rec := &recorder{}
		l := startListener(t, Options{Writer: rec, FlushInterval: time.Hour, MaxBatch: 3, Writers: 1})
		send(t, l, segDocs(0, 10)...)
		waitFor(t, "three full batches", func() bool { return len(rec.callSizes()) == 3 })
		shutdown(t, l)
		if got := rec.callSizes(); !slices.Equal(got, []int{3, 3, 3, 1}) {
			t.Errorf("WriteSegments calls = %v, want [3 3 3 1]", got)
		}
	})
	t.Run("FlushInterval", func(t *testing.T) {
		rec := &recorder{}
		const interval = 50 * time.Millisecond
		l := startListener(t, Options{Writer: rec, FlushInterval: interval, Writers: 1})
		start := time.Now()
		send(t, l, segDocs(0, 3)...)
		waitFor(t, "the flush", func() bool { return len(rec.stored()) == 3 })
		// Durability within one second is the promise; the interval
		// itself must be honoured in both directions.
		if d := time.Since(start); d < interval || d > time.Second {
			t.Errorf("documents written after %v, want between %v and 1s", d, interval)
		}
		if got := rec.callSizes(); !slices.Equal(got, []int{3}) {
			t.Errorf("WriteSegments calls = %v, want [3]", got)
		}
	})
}

// TestBatchesGrowUnderLoad: documents that queued up while a write was in
// progress go into the next write together, although their flush deadline
// has long passed. (Batches that shrink when the store is slow make it
// slower still.)
func TestBatchesGrowUnderLoad(t *testing.T) {
	rec := &recorder{gate: make(chan struct{})}
	l := startListener(t, Options{Writer: rec, FlushInterval: time.Millisecond, Writers: 1})
	send(t, l, segDocs(0, 1)...)
	// The batcher is inside the gated WriteSegments call from here on, so
	// it takes nothing from the queue until the gate opens.
	waitFor(t, "the first write to start", func() bool { return rec.entered.Load() == 1 })
	send(t, l, segDocs(1, 200)...)
	// Waiting for the datagrams to be read is not enough: a read datagram
	// may still be parsing, and would miss the next batch.
	waitFor(t, "the rest to queue up", func() bool { return len(l.docq[0]) == 200 })
	time.Sleep(5 * time.Millisecond) // every deadline has passed
	close(rec.gate)
	shutdown(t, l)
	if got := rec.callSizes(); !slices.Equal(got, []int{1, 200}) {
		t.Errorf("WriteSegments calls = %v, want [1 200]", got)
	}
}

// TestConcurrentWriters: with Writers 2 a batch of another trace is handed
// to the store while the first is still being written, but a later
// document of the same trace waits for the write before it.
func TestConcurrentWriters(t *testing.T) {
	// Two traces that fall to different writers.
	traceA := "1-5759e988-bd862e3fe1be46a994272793"
	var traceB string
	for i := 0; traceB == ""; i++ {
		id := fmt.Sprintf("1-5759e988-%024x", i)
		if shardOf([]*segment.Document{{TraceID: id}}, 2) != shardOf([]*segment.Document{{TraceID: traceA}}, 2) {
			traceB = id
		}
	}
	doc := func(trace string, i int) []byte {
		return dg(strings.Replace(segDoc(i), "1-5759e988-bd862e3fe1be46a994272793", trace, 1))
	}
	rec := &recorder{gate: make(chan struct{})}
	l := startListener(t, Options{Writer: rec, FlushInterval: time.Millisecond, Writers: 2})
	send(t, l, doc(traceA, 1))
	waitFor(t, "the first write", func() bool { return rec.entered.Load() == 1 })
	send(t, l, doc(traceA, 2))
	waitFor(t, "the second document to be accepted", func() bool { return testutil.ToFloat64(l.m.accepted) == 2 })
	time.Sleep(20 * time.Millisecond)
	if n := rec.entered.Load(); n != 1 {
		t.Fatalf("%d writes in progress for one trace, want 1", n)
	}
	send(t, l, doc(traceB, 3))
	waitFor(t, "a write of the other trace beside it", func() bool { return rec.entered.Load() == 2 })
	close(rec.gate)
	shutdown(t, l)
	if got := len(rec.stored()); got != 3 {
		t.Errorf("stored %d documents, want 3", got)
	}
	// Trace A's documents were written in the order they were sent.
	var order []string
	for _, d := range rec.stored() {
		if d.TraceID == traceA {
			order = append(order, d.ID)
		}
	}
	if !slices.Equal(order, []string{fmt.Sprintf("%016x", 2), fmt.Sprintf("%016x", 3)}) {
		t.Errorf("trace A written in order %v", order)
	}
}

func TestStoreErrors(t *testing.T) {
	errDisk := errors.New("disk on fire")
	tests := []struct {
		name         string
		fail         func(call int) error
		wantCalls    int
		wantStored   int
		wantRejected int
	}{
		{"recovers after retries", func(call int) error {
			if call <= 2 {
				return errDisk
			}
			return nil
		}, 3, 5, 0},
		{"keeps failing", func(int) error { return errDisk }, 4, 0, 5},
		{"closed store is not retried", func(int) error { return fmt.Errorf("cannot write: %w", store.ErrClosed) }, 1, 0, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{fail: tt.fail}
			l := startListener(t, Options{Writer: rec, FlushInterval: time.Hour, MaxBatch: 5, Writers: 1}, func(l *Listener) {
				l.retryBase = time.Millisecond
			})
			dgs := segDocs(0, 5)
			send(t, l, dgs...)
			waitFor(t, "the batch to be settled", func() bool {
				return testutil.ToFloat64(l.m.stored)+testutil.ToFloat64(l.m.dropped.WithLabelValues(ReasonStoreError)) == 5
			})
			if got := len(rec.callSizes()); got != tt.wantCalls {
				t.Errorf("WriteSegments calls = %d, want %d", got, tt.wantCalls)
			}
			if got := len(rec.stored()); got != tt.wantStored {
				t.Errorf("stored = %d, want %d", got, tt.wantStored)
			}
			if got := testutil.ToFloat64(l.m.dropped.WithLabelValues(ReasonStoreError)); got != float64(tt.wantRejected) {
				t.Errorf("rejected{store_error} = %v, want %d", got, tt.wantRejected)
			}
			// The listener goes on after a failure.
			rec.mu.Lock()
			rec.fail = nil
			rec.mu.Unlock()
			send(t, l, segDocs(100, 5)...)
			waitFor(t, "later documents", func() bool { return len(rec.stored()) == tt.wantStored+5 })
			if got := l.inflight.Load(); got != 0 {
				t.Errorf("queue holds %d datagrams after everything settled", got)
			}
		})
	}
}

// TestQueueFull stalls the store: the queue fills up to QueueSize, the
// rest is dropped as queue_full, and what was queued is written once the
// store recovers.
func TestQueueFull(t *testing.T) {
	rec := &recorder{gate: make(chan struct{})}
	const queue, sent = 10, 50
	l := startListener(t, Options{Writer: rec, QueueSize: queue, FlushInterval: time.Millisecond})
	send(t, l, segDocs(0, sent)...)
	waitFor(t, "every datagram to be read", func() bool { return testutil.ToFloat64(l.m.received) == sent })
	if got := testutil.ToFloat64(l.m.dropped.WithLabelValues(ReasonQueueFull)); got != sent-queue {
		t.Errorf("rejected{queue_full} = %v, want %d", got, sent-queue)
	}
	close(rec.gate)
	shutdown(t, l)
	if got := len(rec.stored()); got != queue {
		t.Errorf("stored %d documents, want %d", got, queue)
	}
}

// TestQueueBytes bounds the queue by size as well as by count.
func TestQueueBytes(t *testing.T) {
	rec := &recorder{gate: make(chan struct{})}
	dgs := segDocs(0, 20)
	l := startListener(t, Options{Writer: rec, QueueBytes: int64(5 * len(dgs[0])), FlushInterval: time.Millisecond})
	send(t, l, dgs...)
	waitFor(t, "every datagram to be read", func() bool { return testutil.ToFloat64(l.m.received) == 20 })
	close(rec.gate)
	shutdown(t, l)
	if got := len(rec.stored()); got != 5 {
		t.Errorf("stored %d documents, want 5", got)
	}
	if got := testutil.ToFloat64(l.m.dropped.WithLabelValues(ReasonQueueFull)); got != 15 {
		t.Errorf("rejected{queue_full} = %v, want 15", got)
	}
}

// TestShutdownDeadline: a store that never returns cannot hold Shutdown
// beyond its context, and what was not written is counted.
func TestShutdownDeadline(t *testing.T) {
	rec := &recorder{gate: make(chan struct{})} // never opened
	l := startListener(t, Options{Writer: rec, FlushInterval: time.Millisecond})
	send(t, l, segDocs(0, 7)...)
	waitFor(t, "every datagram to be accepted", func() bool { return testutil.ToFloat64(l.m.accepted) == 7 })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := l.Shutdown(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v, want a deadline error", err)
	}
	if got := testutil.ToFloat64(l.m.dropped.WithLabelValues(ReasonShutdown)); got != 7 {
		t.Errorf("rejected{shutdown} = %v, want 7", got)
	}
	checkNoListenerGoroutines(t)
}

func TestServeAndShutdownOrder(t *testing.T) {
	t.Run("Serve returns after Shutdown", func(t *testing.T) {
		rec := &recorder{}
		l, err := Listen(Options{Addr: "127.0.0.1:0", Writer: rec, QueueSize: 64, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		served := make(chan error)
		go func() { served <- l.Serve() }()
		send(t, l, segDocs(0, 3)...)
		waitFor(t, "the documents", func() bool { return len(rec.stored()) == 3 })
		shutdown(t, l)
		if err := <-served; err != nil {
			t.Errorf("Serve = %v", err)
		}
		checkNoListenerGoroutines(t)
	})
	t.Run("Shutdown before Start", func(t *testing.T) {
		l, err := Listen(Options{Addr: "127.0.0.1:0", Writer: &recorder{}, QueueSize: 64, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		shutdown(t, l)
		l.Start() // too late: must not start anything
		if err := l.Serve(); err != nil {
			t.Errorf("Serve after Shutdown = %v", err)
		}
		checkNoListenerGoroutines(t)
		// The port is free again.
		c, err := net.ListenUDP("udp", l.LocalAddr())
		if err != nil {
			t.Fatalf("port still bound after Shutdown: %v", err)
		}
		c.Close()
	})
	t.Run("Writer is required", func(t *testing.T) {
		if _, err := Listen(Options{Addr: "127.0.0.1:0"}); err == nil {
			t.Error("Listen without a Writer succeeded")
		}
	})
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	rec := &recorder{}
	l := startListener(t, Options{Writer: rec, Registerer: reg})
	send(t, l, dg(segDoc(1)), []byte("garbage"), dg(segDoc(2)), dg(`{"trace_id":"1-5759e988-bd862e3fe1be46a994272793"`))
	waitFor(t, "the documents", func() bool { return len(rec.stored()) == 2 })

	want := `
# HELP lightbox_documents_accepted_total Segment documents that passed validation.
# TYPE lightbox_documents_accepted_total counter
lightbox_documents_accepted_total{source="udp"} 2
# HELP lightbox_documents_received_total Segment documents received (over UDP: datagrams read from the socket; over the API: documents in PutTraceSegments calls).
# TYPE lightbox_documents_received_total counter
lightbox_documents_received_total{source="udp"} 4
# HELP lightbox_documents_rejected_total Segment documents dropped or refused, by reason: a validation code, or queue_full, store_error, shutdown.
# TYPE lightbox_documents_rejected_total counter
lightbox_documents_rejected_total{reason="DocumentTooLarge",source="udp"} 0
lightbox_documents_rejected_total{reason="InvalidId",source="udp"} 0
lightbox_documents_rejected_total{reason="InvalidJSON",source="udp"} 1
lightbox_documents_rejected_total{reason="InvalidName",source="udp"} 0
lightbox_documents_rejected_total{reason="InvalidSegment",source="udp"} 1
lightbox_documents_rejected_total{reason="InvalidTime",source="udp"} 0
lightbox_documents_rejected_total{reason="InvalidTraceId",source="udp"} 0
lightbox_documents_rejected_total{reason="MissingField",source="udp"} 0
lightbox_documents_rejected_total{reason="queue_full",source="udp"} 0
lightbox_documents_rejected_total{reason="shutdown",source="udp"} 0
lightbox_documents_rejected_total{reason="store_error",source="udp"} 0
# HELP lightbox_documents_stored_total Segment documents the store accepted durably.
# TYPE lightbox_documents_stored_total counter
lightbox_documents_stored_total{source="udp"} 2
# HELP lightbox_udp_queue_documents Documents read from the UDP socket but not yet stored or dropped.
# TYPE lightbox_udp_queue_documents gauge
lightbox_udp_queue_documents 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"lightbox_documents_received_total", "lightbox_documents_accepted_total", "lightbox_documents_rejected_total",
		"lightbox_documents_stored_total", "lightbox_udp_queue_documents"); err != nil {
		t.Error(err)
	}
	if n, err := testutil.GatherAndCount(reg, "lightbox_udp_store_batch_documents", "lightbox_udp_store_write_seconds", "lightbox_udp_receive_buffer_bytes"); err != nil || n != 3 {
		t.Errorf("batch, write and buffer series: %d, %v; want 3", n, err)
	}
	if _, err := udpsock.ReadHostStats(); err == nil {
		if n, err := testutil.GatherAndCount(reg, "lightbox_udp_socket_drops_total", "lightbox_udp_socket_queued_bytes", "lightbox_host_udp_rcvbuf_errors_total"); err != nil || n != 3 {
			t.Errorf("kernel series: %d, %v; want 3", n, err)
		}
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("metric %s: %s", p.Metric, p.Text)
	}
}

func TestReadBufferEnlarged(t *testing.T) {
	if _, err := udpsock.ReadHostStats(); err != nil {
		t.Skip("the granted size is only known on Linux")
	}
	const want = 8 << 20
	var logs bytes.Buffer
	l := startListener(t, Options{Writer: &recorder{}, ReadBuffer: want, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	got := testutil.ToFloat64(l.m.readBufferSize)
	t.Logf("granted receive buffer: %v bytes", got)
	switch {
	case os.Geteuid() == 0 && got != want:
		// As root SO_RCVBUFFORCE gets exactly the request.
		t.Errorf("receive buffer = %v, want %d", got, want)
	case got < want && !strings.Contains(logs.String(), "smaller than requested"):
		t.Errorf("a capped buffer (%v bytes) was not reported in the log:\n%s", got, logs.String())
	}
}

// TestBadDatagramLogIsRateLimited: a flood of bad datagrams costs a few
// log lines, and the rest are accounted for as suppressed.
func TestBadDatagramLogIsRateLimited(t *testing.T) {
	var logs bytes.Buffer
	l := startListener(t, Options{Writer: &recorder{}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	bad := make([][]byte, 100)
	for i := range bad {
		bad[i] = dg(`{"trace_id":"1-5759e988-bd862e3fe1be46a994272793"`)
	}
	send(t, l, bad...)
	waitFor(t, "every datagram to be rejected", func() bool {
		return testutil.ToFloat64(l.m.dropped.WithLabelValues(segment.CodeInvalidJSON)) == 100
	})
	shutdown(t, l)
	lines := strings.Count(logs.String(), "dropped invalid UDP datagram")
	if lines != 5 {
		t.Errorf("%d lines about invalid datagrams, want 5", lines)
	}
	if !strings.Contains(logs.String(), "reason=InvalidJSON suppressed=95") {
		t.Errorf("suppressed count missing from the log:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "from=127.0.0.1:") {
		t.Errorf("sender address missing from the log:\n%s", logs.String())
	}
}
