package api

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/xray"
)

// TestGetTraceSummariesFilter runs filter expressions end to end: the real
// aws-sdk-go-v2 client, the API, the embedded store's FindTraces with the
// compiled filter.
func TestGetTraceSummariesFilter(t *testing.T) {
	e := newEnv(t)
	ids := filterTraces(t, e)
	all := []string{"shop200", "shop503", "shop429", "shop404", "bob"}
	tests := []struct {
		expr string
		want []string
	}{
		{``, all},
		{`   `, all},
		{`fault`, []string{"shop503"}},
		{`error`, []string{"shop429", "shop404"}},
		{`ok`, []string{"shop200", "bob"}},
		{`http.status = 429 AND throttle`, []string{"shop429"}},
		{`responsetime > 1`, []string{"bob"}},
		{`service("payments")`, []string{"shop200", "shop503", "shop429", "shop404"}},
		{`!service("payments")`, []string{"bob"}},
		{`service("shop") { fault }`, []string{"shop503"}},
		{`service(id(type: "AWS::DynamoDB::Table")) { ok } AND http.status >= 400`, []string{"shop503", "shop429", "shop404"}},
		{`edge("shop", "payments") { http.method = "POST" }`, []string{"shop200", "shop503", "shop429", "shop404"}},
		{`annotation.region = "us"`, []string{"bob"}},
		{`annotation.cart_size > 2 AND annotation.premium`, []string{"shop200", "shop503", "shop429", "shop404"}},
		{`annotation.cart_size = 0`, []string{"bob"}},
		{`user = "bob"`, []string{"bob"}},
		{`user = "alice" fault`, []string{"shop503"}},
		{`user CONTAINS "" AND !annotation.premium`, []string{"bob"}},
		{`rootcause.fault.service { last AND name = "shop" }`, []string{"shop503"}},
		{`rootcause.json = #[{"Services":[{"Name":"shop"}],"ClientImpacting":true}]`, []string{"shop503", "shop429", "shop404"}},
		{`group.name = "Default" AND (fault OR throttle)`, []string{"shop503", "shop429"}},
		{`group.arn = "arn:aws:xray:us-east-1:000000000000:group/Default" AND user = "bob"`, []string{"bob"}},
		{`ResponseTime < 1 and NOT OK`, []string{"shop503", "shop429", "shop404"}},
		{`instance.id = "i-0abc" AND availabilityzone BEGINSWITH "us-east" AND resource.arn ENDSWITH "i-0abc"`, []string{"shop200", "shop503", "shop429", "shop404"}},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			out, err := e.client.GetTraceSummaries(context.Background(), &xray.GetTraceSummariesInput{
				StartTime: unix(t0 - 60), EndTime: unix(t0 + 60), FilterExpression: aws.String(tt.expr),
			})
			if err != nil {
				t.Fatalf("GetTraceSummaries: %v", err)
			}
			var want []string
			for _, name := range tt.want {
				want = append(want, ids[name])
			}
			slices.Sort(want)
			if got := summaryIDs(out); !slices.Equal(got, want) {
				t.Errorf("got %v, want %v (%v)", got, want, tt.want)
			}
			// Every trace the filter examined counts, matches or not; an
			// index may spare the engine the others.
			if n := aws.ToInt64(out.TracesProcessedCount); n < int64(len(want)) || n > int64(len(all)) {
				t.Errorf("TracesProcessedCount = %d, want %d to %d", n, len(want), len(all))
			}
		})
	}
}

// A filter that no index can narrow (a trace-level status) examines every
// trace of the window: TracesProcessedCount counts the non-matches too.
func TestGetTraceSummariesFilterProcessedCount(t *testing.T) {
	e := newEnv(t)
	filterTraces(t, e)
	out, err := e.client.GetTraceSummaries(context.Background(), &xray.GetTraceSummariesInput{
		StartTime: unix(t0 - 60), EndTime: unix(t0 + 60), FilterExpression: aws.String(`http.status = 503`),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.TraceSummaries) != 1 || aws.ToInt64(out.TracesProcessedCount) != 5 {
		t.Errorf("%d summaries, TracesProcessedCount %d; want 1 and 5", len(out.TraceSummaries), aws.ToInt64(out.TracesProcessedCount))
	}
}

// Filtered results page like unfiltered ones: the paginator walks every
// match once, newest first, and no token repeats.
func TestGetTraceSummariesFilterPages(t *testing.T) {
	e := newEnv(t)
	const n = 2*SummariesPerPage + 50
	var docs []string
	var want []string
	for i := range n {
		start := t0 + float64(i)
		id := traceID(int64(start), i)
		docs = append(docs, doc(id, segID(1), "svc", start, start+0.1, fmt.Sprintf(`,"annotations":{"even":%v}`, i%2 == 0)))
		if i%2 == 0 {
			want = append(want, id)
		}
	}
	e.put(t, docs...)
	slices.Reverse(want)
	p := xray.NewGetTraceSummariesPaginator(e.client, &xray.GetTraceSummariesInput{
		StartTime: unix(t0), EndTime: unix(t0 + n), FilterExpression: aws.String(`annotation.even = true`),
	})
	var got []string
	pages := 0
	tokens := map[string]bool{}
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, s := range out.TraceSummaries {
			got = append(got, aws.ToString(s.Id))
		}
		if tok := aws.ToString(out.NextToken); tok != "" {
			if tokens[tok] {
				t.Fatalf("token repeated: %s", tok)
			}
			tokens[tok] = true
		}
	}
	if !slices.Equal(got, want) || pages != 2 {
		t.Errorf("got %d summaries in %d pages, want the %d even traces, newest first, in 2", len(got), pages, len(want))
	}
}
