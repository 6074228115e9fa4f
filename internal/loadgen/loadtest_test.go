//go:build loadtest

package loadgen

import (
	"context"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lightbox-tracing/lightbox/internal/daemon"
	"github.com/lightbox-tracing/lightbox/segment"
)

// TestLosslessRate measures the listener + embedded engine's highest
// lossless rate on this machine, sender included:
//
//	go test -tags loadtest -run LosslessRate -v -timeout 30m ./internal/loadgen
//
// LOADGEN_RATES (comma-separated, default 10000,20000,…,100000),
// LOADGEN_STEP (default 10s) and LOADGEN_WRITERS (the listener's Writers)
// tune it. The figure is logged, and the test
// fails below the 20,000/s bar.
func TestLosslessRate(t *testing.T) {
	rates := []float64{10000, 20000, 30000, 40000, 50000, 60000, 70000, 80000, 90000, 100000}
	if s := os.Getenv("LOADGEN_RATES"); s != "" {
		rates = rates[:0]
		for _, f := range strings.Split(s, ",") {
			r, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil {
				t.Fatal(err)
			}
			rates = append(rates, r)
		}
	}
	step := 10 * time.Second
	if s := os.Getenv("LOADGEN_STEP"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatal(err)
		}
		step = d
	}
	tg := startTarget(t, nil, func(o *daemon.Options) {
		if s := os.Getenv("LOADGEN_WRITERS"); s != "" {
			o.Writers, _ = strconv.Atoi(s)
		}
	})
	opts := tg.options(0, step)
	opts.SettleTimeout = time.Minute
	rep, err := Step(context.Background(), opts, rates)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("listener + local engine, %s:\n%s", step, rep)
	mfs, err := tg.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if !strings.HasPrefix(mf.GetName(), "lightbox_") {
			continue
		}
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			v := m.GetCounter().GetValue() + m.GetGauge().GetValue()
			if h := m.GetHistogram(); h != nil {
				v = h.GetSampleSum() / max(1, float64(h.GetSampleCount()))
				labels = append(labels, "mean of "+strconv.FormatUint(h.GetSampleCount(), 10))
			}
			if v != 0 {
				t.Logf("%s{%s} %g", mf.GetName(), strings.Join(labels, ","), v)
			}
		}
	}
	if rep.MaxLossless < 20000 {
		t.Errorf("highest lossless rate %.0f/s, below the 20,000/s bar", rep.MaxLossless)
	}
}

// discard counts documents and keeps none: it isolates the listener.
type discard struct{ n atomic.Int64 }

func (d *discard) WriteSegments(_ context.Context, docs []*segment.Document) error {
	d.n.Add(int64(len(docs)))
	return nil
}

// TestListenerCeiling measures the listener alone (a Writer that keeps
// nothing) with the load tool's documents, to show how much of the
// machine the listener itself needs:
//
//	go test -tags loadtest -run ListenerCeiling -v ./internal/loadgen
func TestListenerCeiling(t *testing.T) {
	rates := []float64{25000, 50000, 75000, 100000, 125000, 150000}
	var w discard
	reg := prometheus.NewRegistry()
	l, err := daemon.Listen(daemon.Options{Addr: "127.0.0.1:0", Writer: &w, Logger: slog.New(slog.DiscardHandler), Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	l.Start()
	defer l.Shutdown(context.Background())
	best := 0.0
	for i, rate := range rates {
		before := w.n.Load()
		rep, err := Run(context.Background(), Options{UDPAddr: l.LocalAddr().String(), SkipVerify: true, Rate: rate, Duration: 5 * time.Second, Seed: uint64(i + 1)})
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for w.n.Load()-before < int64(rep.Sent) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		stored := w.n.Load() - before
		ok := stored == int64(rep.Sent) && rep.RcvbufErrors == 0 && rep.AchievedRate() >= 0.98*rate
		t.Logf("target %6.0f/s  sent %6.0f/s  handed to the Writer %d of %d  rcvbuf errors %d  lossless %v",
			rate, rep.AchievedRate(), stored, rep.Sent, rep.RcvbufErrors, ok)
		if !ok {
			break
		}
		best = rate
	}
	t.Logf("listener alone: highest lossless rate %.0f documents/s", best)
}
