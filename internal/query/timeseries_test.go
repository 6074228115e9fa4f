package query

import (
	"testing"

	"github.com/lightbox-tracing/lightbox/internal/trace"
)

func TestCheckPeriod(t *testing.T) {
	for _, tt := range []struct {
		period int
		ok     bool
	}{{60, true}, {120, true}, {300, true}, {3600, true}, {0, false}, {-60, false}, {30, false}, {90, false}, {61, false}} {
		if err := CheckPeriod(tt.period); (err == nil) != tt.ok {
			t.Errorf("CheckPeriod(%d) = %v, want ok=%v", tt.period, err, tt.ok)
		}
	}
}

func TestTimeSeriesGolden(t *testing.T) {
	const t0 = 1700000020.0 // 40 s into a minute
	graphs := []*trace.Graph{
		shopTrace(t0, trace.OK),           // ends in the minute starting t0-40
		shopTrace(t0+10, trace.Fault),     // ends t0+10.25: the same minute
		shopTrace(t0+25, trace.OK),        // ends t0+25.25: the next minute
		shopTrace(t0+200, trace.OK),       // outside the window
		shopTrace(t0-100, trace.Throttle), // outside the window
	}
	ts, err := NewTimeSeries(Window{Start: t0 - 40, End: t0 + 80}, 60, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range graphs {
		ts.Add(g)
	}
	got := ts.Statistics()
	if len(got) != 2 {
		t.Fatalf("got %d buckets, want 2: %+v", len(got), got)
	}
	if got[0].Timestamp != t0-40 || got[1].Timestamp != t0+20 {
		t.Errorf("bucket timestamps = %v, %v; want %v, %v", got[0].Timestamp, got[1].Timestamp, t0-40, t0+20)
	}
	if e := got[0].EdgeSummaryStatistics; e == nil || e.TotalCount != 2 || e.OkCount != 1 || e.FaultStatistics.TotalCount != 1 {
		t.Errorf("first bucket edge statistics = %+v, want 2 client calls: 1 ok, 1 fault", e)
	}
	if s := got[0].ServiceSummaryStatistics; s == nil || s.TotalCount != 2 {
		t.Errorf("first bucket service statistics = %+v, want the root's 2 segments", s)
	}
	golden(t, "timeseries-shop.json", got)
}

func TestTimeSeriesSelector(t *testing.T) {
	const t0 = 1700000000.0
	ts, err := NewTimeSeries(Window{Start: t0, End: t0 + 60}, 300, func(n *trace.Node) bool { return n.Type == "AWS::SNS" })
	if err != nil {
		t.Fatal(err)
	}
	ts.Add(shopTrace(t0, trace.OK))
	got := ts.Statistics()
	if len(got) != 1 {
		t.Fatalf("got %d buckets, want 1", len(got))
	}
	e := got[0].EdgeSummaryStatistics
	if e == nil || e.ErrorStatistics.ThrottleCount != 1 || e.TotalCount != 1 {
		t.Errorf("SNS edge statistics = %+v, want the one throttled call into SNS", e)
	}
	if got[0].Timestamp != 1699999800 {
		t.Errorf("timestamp = %v, want the 300 s boundary 1699999800", got[0].Timestamp)
	}
}

func TestNewTimeSeriesRejects(t *testing.T) {
	if _, err := NewTimeSeries(Window{Start: 10, End: 10}, 60, nil); err == nil {
		t.Error("empty window accepted")
	}
	if _, err := NewTimeSeries(Window{Start: 0, End: 100}, 45, nil); err == nil {
		t.Error("period 45 accepted")
	}
}
