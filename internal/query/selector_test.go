package query

import (
	"strings"
	"testing"

	"github.com/lightbox-tracing/lightbox/internal/trace"
)

func TestCompileEntitySelectorRejects(t *testing.T) {
	for _, expr := range []string{
		`service("a") { fault }`,
		`edge("a", "b") { error }`,
		`fault`,
		`service("a") AND service("b")`,
		`!service("a")`,
		`annotation.x = "y"`,
		`service("a") OR responsetime > 1`,
	} {
		_, err := CompileEntitySelector(mustParse(t, expr))
		if err == nil || !strings.Contains(err.Error(), "an entity selector takes service(…), edge(…) and id(…)") {
			t.Errorf("%s: err = %v, want a selector error", expr, err)
		}
	}
}

// Entity selectors pick what a time series describes, on the spec's shop
// graph: client → shop → orders (DynamoDB table, OK) and SNS (throttled).
func TestSelectedTimeSeries(t *testing.T) {
	const t0 = 1700000000.0
	type want struct {
		edgeTotal, edgeOK, edgeThrottle int64
		svcTotal                        int64 // -1: no ServiceSummaryStatistics
	}
	for _, tt := range []struct {
		expr string
		want want
	}{
		{`service("SNS")`, want{edgeTotal: 1, edgeThrottle: 1, svcTotal: 1}},
		{`service(id(type: "AWS::DynamoDB::Table"))`, want{edgeTotal: 1, edgeOK: 1, svcTotal: 1}},
		// The entry point: its segments, and the client's calls.
		{`service(id(name: "shop", type: "AWS::EC2::Instance"))`, want{edgeTotal: 1, edgeOK: 1, svcTotal: 1}},
		{`edge("shop", "orders")`, want{edgeTotal: 1, edgeOK: 1, svcTotal: -1}},
		{`edge("shop", "orders") OR edge("shop", "SNS")`, want{edgeTotal: 2, edgeOK: 1, edgeThrottle: 1, svcTotal: -1}},
		{`service("SNS") OR edge("shop", "orders")`, want{edgeTotal: 2, edgeOK: 1, edgeThrottle: 1, svcTotal: 1}},
		// A call into a selected node that the selector also names counts once.
		{`service("SNS") OR edge("shop", "SNS")`, want{edgeTotal: 1, edgeThrottle: 1, svcTotal: 1}},
		{`service()`, want{edgeTotal: 3, edgeOK: 2, edgeThrottle: 1, svcTotal: 3}},
	} {
		t.Run(tt.expr, func(t *testing.T) {
			sel, err := CompileEntitySelector(mustParse(t, tt.expr))
			if err != nil {
				t.Fatal(err)
			}
			ts, err := NewSelectedTimeSeries(Window{Start: t0, End: t0 + 60}, 60, sel)
			if err != nil {
				t.Fatal(err)
			}
			ts.Add(shopTrace(t0, trace.OK))
			got := ts.Statistics()
			if len(got) != 1 {
				t.Fatalf("got %d buckets, want 1", len(got))
			}
			e, s := got[0].EdgeSummaryStatistics, got[0].ServiceSummaryStatistics
			if e == nil || e.TotalCount != tt.want.edgeTotal || e.OkCount != tt.want.edgeOK || e.ErrorStatistics.ThrottleCount != tt.want.edgeThrottle {
				t.Errorf("edge statistics = %+v, want %+v", e, tt.want)
			}
			switch {
			case tt.want.svcTotal < 0 && s != nil:
				t.Errorf("service statistics = %+v, want none", s)
			case tt.want.svcTotal >= 0 && (s == nil || s.TotalCount != tt.want.svcTotal):
				t.Errorf("service statistics = %+v, want total %d", s, tt.want.svcTotal)
			}
		})
	}
}

// A selector that matches nothing describes nothing.
func TestSelectedTimeSeriesNothing(t *testing.T) {
	sel, err := CompileEntitySelector(mustParse(t, `service("nosuch")`))
	if err != nil {
		t.Fatal(err)
	}
	ts, err := NewSelectedTimeSeries(Window{Start: 1700000000, End: 1700000060}, 60, sel)
	if err != nil {
		t.Fatal(err)
	}
	ts.Add(shopTrace(1700000000, trace.OK))
	if got := ts.Statistics(); len(got) != 0 {
		t.Errorf("got %d buckets, want none", len(got))
	}
}
