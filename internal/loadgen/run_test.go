package loadgen

import (
	"context"
	"log/slog"
	"math"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lightbox-tracing/lightbox/internal/api"
	"github.com/lightbox-tracing/lightbox/internal/daemon"
	"github.com/lightbox-tracing/lightbox/internal/store"
	"github.com/lightbox-tracing/lightbox/internal/store/local"
	"github.com/lightbox-tracing/lightbox/segment"
)

// target is a Lightbox put together from its real parts: the UDP listener
// writing to the embedded engine on disk, and the X-Ray API reading it.
type target struct {
	reg    *prometheus.Registry
	udp    *daemon.Listener
	api    *httptest.Server
	store  *local.Store
	udpStr string
}

// startTarget starts the parts; wrap, when set, sits between the
// listener and the engine, and tune adjusts the listener's options.
func startTarget(t testing.TB, wrap func(store.Writer) store.Writer, tune ...func(*daemon.Options)) *target {
	t.Helper()
	st, err := local.Open(local.Options{Dir: t.TempDir(), RetentionInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	var w store.Writer = st
	if wrap != nil {
		w = wrap(st)
	}
	reg := prometheus.NewRegistry()
	opts := daemon.Options{
		Addr:       "127.0.0.1:0",
		Writer:     w,
		Logger:     slog.New(slog.DiscardHandler),
		Registerer: reg,
	}
	for _, f := range tune {
		f(&opts)
	}
	l, err := daemon.Listen(opts)
	if err != nil {
		t.Fatal(err)
	}
	l.Start()
	srv := httptest.NewServer(api.New(api.Options{Reader: st, Writer: st}))
	t.Cleanup(func() {
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := l.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	return &target{reg: reg, udp: l, api: srv, store: st, udpStr: l.LocalAddr().String()}
}

func (tg *target) options(rate float64, d time.Duration) Options {
	return Options{UDPAddr: tg.udpStr, APIURL: tg.api.URL, Rate: rate, Duration: d, Seed: 1, SettleTimeout: 10 * time.Second}
}

func TestRunLossless(t *testing.T) {
	tg := startTarget(t, nil)
	rep, err := Run(context.Background(), tg.options(3000, time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", rep)
	if rep.Sent != 3000 || rep.Stored != 3000 || rep.Lost != 0 || rep.SendErrors != 0 {
		t.Errorf("sent %d, stored %d, lost %d; want 3000, 3000, 0", rep.Sent, rep.Stored, rep.Lost)
	}
	if rep.Traces != 1000 {
		t.Errorf("traces = %d, want 1000 (three documents each)", rep.Traces)
	}
	// Pacing never overshoots; how close it gets from below depends on how
	// busy this shared machine is, so that is not asserted.
	if r := rep.AchievedRate(); r > 3000*1.05 {
		t.Errorf("achieved %.0f/s, want at most 3000/s (+5%%)", r)
	}
	if !strings.Contains(rep.String(), "lost      0 documents (0.000%)") {
		t.Errorf("report text lacks the loss line:\n%s", rep)
	}
}

// dropping is a Writer that loses every document whose ID ends in 0, as a
// broken server might: the run must count exactly those as lost.
type dropping struct {
	store.Writer
	dropped atomic.Int64
}

func (d *dropping) WriteSegments(ctx context.Context, docs []*segment.Document) error {
	kept := docs[:0:0]
	for _, doc := range docs {
		if strings.HasSuffix(doc.ID, "0") {
			d.dropped.Add(1)
			continue
		}
		kept = append(kept, doc)
	}
	return d.Writer.WriteSegments(ctx, kept)
}

func TestRunCountsLoss(t *testing.T) {
	var d *dropping
	tg := startTarget(t, func(w store.Writer) store.Writer {
		d = &dropping{Writer: w}
		return d
	})
	rep, err := Run(context.Background(), tg.options(2000, 500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if d.dropped.Load() == 0 {
		t.Fatal("nothing was dropped; the test proves nothing")
	}
	if int64(rep.Lost) != d.dropped.Load() || rep.Stored+rep.Lost != rep.Sent || rep.Lossless() {
		t.Errorf("sent %d, stored %d, lost %d; the writer dropped %d", rep.Sent, rep.Stored, rep.Lost, d.dropped.Load())
	}
}

func TestRunWithoutVerify(t *testing.T) {
	tg := startTarget(t, nil)
	opts := tg.options(1000, 200*time.Millisecond)
	opts.SkipVerify = true
	rep, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sent != 200 || rep.Stored != -1 || rep.Lost != -1 || !math.IsNaN(rep.LossPercent()) {
		t.Errorf("report %+v: want 200 sent and nothing verified", rep)
	}
	if !strings.Contains(rep.String(), "not verified") {
		t.Errorf("report text:\n%s", rep)
	}
}

func TestRunFailsWithoutAPI(t *testing.T) {
	srv := httptest.NewServer(nil)
	srv.Close() // nothing listens there any more
	_, err := Run(context.Background(), Options{UDPAddr: "127.0.0.1:9", APIURL: srv.URL, Rate: 10, Duration: time.Second})
	if err == nil || !strings.Contains(err.Error(), "BatchGetTraces") {
		t.Errorf("Run = %v, want a BatchGetTraces error before sending", err)
	}
	if _, err := Run(context.Background(), Options{}); err == nil {
		t.Error("Run without a rate succeeded")
	}
}

func TestStep(t *testing.T) {
	tg := startTarget(t, nil)
	opts := tg.options(0, 500*time.Millisecond)
	rep, err := Step(context.Background(), opts, []float64{400, 200})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", rep)
	// Steps run in ascending order and stop at the first that is not
	// lossless. Whether the sender keeps pace depends on how busy the
	// machine is, so the test checks the report's logic, not the timing;
	// nothing may be lost at these rates in any case.
	if len(rep.Steps) == 0 || rep.Steps[0].Rate != 200 {
		t.Fatalf("steps %+v, want the lower rate first", rep.Steps)
	}
	want := 0.0
	for i, r := range rep.Steps {
		if r.Lost != 0 || r.Stored != r.Sent {
			t.Errorf("step %.0f/s: %d sent, %d stored, %d lost", r.Rate, r.Sent, r.Stored, r.Lost)
		}
		if !r.Lossless() {
			if i != len(rep.Steps)-1 {
				t.Errorf("Step went on after the non-lossless step at %.0f/s", r.Rate)
			}
			break
		}
		want = r.Rate
	}
	if rep.MaxLossless != want {
		t.Errorf("max lossless %.0f, want %.0f", rep.MaxLossless, want)
	}
	if want == 400 && (len(rep.Steps) != 2 || !strings.Contains(rep.String(), "highest lossless rate: 400")) {
		t.Errorf("step table:\n%s", rep)
	}
}
