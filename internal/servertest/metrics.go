package servertest

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// A MetricSample is one series of a gathered metric family.
type MetricSample struct {
	Family string
	Labels map[string]string
	// Counter and Gauge are the sample's value for a family of that type;
	// the other is 0 (both are for other types).
	Counter, Gauge float64
}

// MetricSamples gathers every series from g (a server's Registry) in the
// registry's order.
func MetricSamples(t testing.TB, g prometheus.Gatherer) []MetricSample {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var out []MetricSample
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			out = append(out, MetricSample{Family: mf.GetName(), Labels: labels, Counter: m.GetCounter().GetValue(), Gauge: m.GetGauge().GetValue()})
		}
	}
	return out
}
