package query

import (
	"math"
	"slices"

	"github.com/lightbox-tracing/lightbox/internal/trace"
)

// add counts one observation: fault beats throttle beats error (the
// Outcome already encodes that order).
func (s *Statistics) add(o trace.Observation) {
	switch o.Outcome {
	case trace.Fault:
		s.FaultStatistics.OtherCount++
		s.FaultStatistics.TotalCount++
	case trace.Throttle:
		s.ErrorStatistics.ThrottleCount++
		s.ErrorStatistics.TotalCount++
	case trace.ErrorOther:
		s.ErrorStatistics.OtherCount++
		s.ErrorStatistics.TotalCount++
	default:
		s.OkCount++
	}
	s.TotalCount++
	// Rounded to the microsecond, the precision SDKs record: end − start
	// of two epoch times near 1.7e9 carries float noise of ~1e-7 s, which
	// would otherwise add up into sums like 0.840001.
	s.TotalResponseTime += roundMicro(o.ResponseTime())
}

// merge adds t's counts to s.
func (s *Statistics) merge(t *Statistics) {
	s.OkCount += t.OkCount
	s.ErrorStatistics.ThrottleCount += t.ErrorStatistics.ThrottleCount
	s.ErrorStatistics.OtherCount += t.ErrorStatistics.OtherCount
	s.ErrorStatistics.TotalCount += t.ErrorStatistics.TotalCount
	s.FaultStatistics.OtherCount += t.FaultStatistics.OtherCount
	s.FaultStatistics.TotalCount += t.FaultStatistics.TotalCount
	s.TotalCount += t.TotalCount
	s.TotalResponseTime += t.TotalResponseTime
}

// finish rounds the summed response time to the microsecond, the precision
// segments carry, so that float summation noise (0.30000000000000004) does
// not leak into responses.
func (s *Statistics) finish() {
	s.TotalResponseTime = roundMicro(s.TotalResponseTime)
}

func roundMicro(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// histogram counts values by millisecond. X-Ray emits one entry per
// distinct rounded value, which is exactly a map from milliseconds to count.
type histogram map[int64]int64

func (h histogram) add(seconds float64) {
	h[int64(math.Round(seconds*1000))]++
}

func (h histogram) merge(g histogram) {
	for ms, n := range g {
		h[ms] += n
	}
}

// entries returns the histogram sorted by value, or nil when it is empty.
func (h histogram) entries() []HistogramEntry {
	if len(h) == 0 {
		return nil
	}
	out := make([]HistogramEntry, 0, len(h))
	for ms, n := range h {
		out = append(out, HistogramEntry{Value: float64(ms) / 1000, Count: n})
	}
	slices.SortFunc(out, func(a, b HistogramEntry) int {
		switch {
		case a.Value < b.Value:
			return -1
		case a.Value > b.Value:
			return 1
		}
		return 0
	})
	return out
}

// span tracks the earliest start and latest end of what was counted.
type span struct {
	start, end float64
	set        bool
}

func (s *span) add(start, end float64) {
	if !s.set || start < s.start {
		s.start = start
	}
	if !s.set || end > s.end {
		s.end = end
	}
	s.set = true
}
