package sampling

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkTargets is one SDK client's 10-second report on five rules with
// 50 clients active on each: the work a targets poll costs the server.
func BenchmarkTargets(b *testing.B) {
	ctx := context.Background()
	now := time.Unix(1_700_000_000, 0)
	m := New(Options{Now: func() time.Time { return now }})
	var stats []Statistics
	for i := range 5 {
		r := validRule(fmt.Sprint("rule", i))
		r.ReservoirSize = 100
		if _, err := m.Create(ctx, r); err != nil {
			b.Fatal(err)
		}
		for c := range 50 {
			if _, err := m.Targets(ctx, []Statistics{{RuleName: r.RuleName, ClientID: fmt.Sprintf("%024x", c), RequestCount: int64(c)}}); err != nil {
				b.Fatal(err)
			}
		}
		stats = append(stats, Statistics{RuleName: r.RuleName, ClientID: fmt.Sprintf("%024x", 7), RequestCount: 40, SampledCount: 3})
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Targets(ctx, stats); err != nil {
			b.Fatal(err)
		}
	}
}
