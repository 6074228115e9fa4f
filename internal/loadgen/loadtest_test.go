//go:build loadtest

package loadgen

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestLosslessRate measures the listener + embedded engine's highest
// lossless rate on this machine, sender included:
//
//	go test -tags loadtest -run LosslessRate -v -timeout 30m ./internal/loadgen
//
// LOADGEN_RATES (comma-separated, default 10000,20000,…,100000) and
// LOADGEN_STEP (default 10s) tune it. The figure is logged, and the test
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
	tg := startTarget(t, nil)
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
