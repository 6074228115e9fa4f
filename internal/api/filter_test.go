package api

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/xray"
	"github.com/aws/aws-sdk-go-v2/service/xray/types"
)

// filterTraces stores four shop traces (root status 200, 503, 429, 404) and
// a batch job run by bob, and returns their IDs by name.
func filterTraces(t *testing.T, e *env) map[string]string {
	t.Helper()
	ids := map[string]string{}
	var docs []string
	for i, status := range []int{200, 503, 429, 404} {
		name := fmt.Sprintf("shop%d", status)
		ids[name] = traceID(int64(t0)+int64(i), i+1)
		docs = append(docs, shopTrace(ids[name], t0+float64(i), status)...)
	}
	ids["bob"] = traceID(int64(t0)+10, 10)
	docs = append(docs, doc(ids["bob"], segID(1), "batch", t0+10, t0+12, `,"user":"bob","annotations":{"region":"us","cart_size":0}`))
	e.put(t, docs...)
	return ids
}

func summaryIDs(out *xray.GetTraceSummariesOutput) []string {
	var ids []string
	for _, s := range out.TraceSummaries {
		ids = append(ids, aws.ToString(s.Id))
	}
	slices.Sort(ids)
	return ids
}

// Invalid expressions are InvalidRequestExceptions that name the problem
// and its column, never empty results or server errors.
func TestGetTraceSummariesFilterErrors(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct{ expr, msg string }{
		{`responsetime >`, `FilterExpression: unexpected end of expression after "responsetime >": expected a number at column 15`},
		{`http.status = "200"`, `FilterExpression: number keyword http.status cannot be compared with string "200" at column 15`},
		{`ok AND AND fault`, `FilterExpression: unexpected AND: it needs a condition on each side at column 8`},
		{`service("a") {`, "FilterExpression: unexpected end of expression after `service(\"a\") {` at column 15"},
		{`responsetime > 5s`, `FilterExpression: malformed number "5s" at column 16`},
		{`group.name = "slow"`, `FilterExpression: cannot resolve group.name = "slow": group "slow" does not exist`},
		{`fault OR group.arn = "arn:aws:xray:us-east-1:000000000000:group/x"`, `group "arn:aws:xray:us-east-1:000000000000:group/x" does not exist`},
		{strings.Repeat("ok AND ", 300) + "ok", "FilterExpression is 2102 characters long; the limit is 2000"},
	} {
		t.Run(tt.expr, func(t *testing.T) {
			_, err := e.client.GetTraceSummaries(context.Background(), &xray.GetTraceSummariesInput{
				StartTime: unix(t0), EndTime: unix(t0 + 60), FilterExpression: aws.String(tt.expr),
			})
			var ire *types.InvalidRequestException
			if !errors.As(err, &ire) {
				t.Fatalf("err = %v, want InvalidRequestException", err)
			}
			if ire.ErrorMessage() != tt.msg && !strings.Contains(ire.ErrorMessage(), tt.msg) {
				t.Errorf("message %q, want %q", ire.ErrorMessage(), tt.msg)
			}
		})
	}
}

func TestGroupsInGraphQueries(t *testing.T) {
	e := newEnv(t)
	filterTraces(t, e)
	ctx := context.Background()
	for _, in := range []xray.GetServiceGraphInput{
		{GroupName: aws.String("Default")},
		{GroupARN: aws.String("arn:aws:xray:us-east-1:000000000000:group/Default")},
		{GroupName: aws.String("Default"), GroupARN: aws.String("arn:aws:xray:us-east-1:000000000000:group/Default")},
	} {
		in.StartTime, in.EndTime = unix(t0-60), unix(t0+60)
		out, err := e.client.GetServiceGraph(ctx, &in)
		if err != nil {
			t.Errorf("GetServiceGraph(%v, %v): %v", aws.ToString(in.GroupName), aws.ToString(in.GroupARN), err)
			continue
		}
		// client shop, shop, DynamoDB, payments; client batch, batch.
		if len(out.Services) != 6 {
			t.Errorf("Default group graph has %d services, want all 6", len(out.Services))
		}
	}
	for _, tt := range []struct {
		name, arn, msg string
	}{
		{"slow", "", `group "slow" does not exist`},
		{"", "arn:aws:xray:us-east-1:000000000000:group/slow/x", `group "arn:aws:xray:us-east-1:000000000000:group/slow/x" does not exist`},
		{"Default", "arn:aws:xray:us-east-1:000000000000:group/slow", `group "arn:aws:xray:us-east-1:000000000000:group/slow" does not exist`},
	} {
		var ire *types.InvalidRequestException
		_, err := e.client.GetServiceGraph(ctx, &xray.GetServiceGraphInput{StartTime: unix(t0), EndTime: unix(t0 + 60), GroupName: nonEmpty(tt.name), GroupARN: nonEmpty(tt.arn)})
		if !errors.As(err, &ire) || ire.ErrorMessage() != tt.msg {
			t.Errorf("GetServiceGraph(%q, %q): err = %v, want InvalidRequestException %q", tt.name, tt.arn, err, tt.msg)
		}
		_, err = e.client.GetTimeSeriesServiceStatistics(ctx, &xray.GetTimeSeriesServiceStatisticsInput{StartTime: unix(t0), EndTime: unix(t0 + 60), GroupName: nonEmpty(tt.name), GroupARN: nonEmpty(tt.arn)})
		if !errors.As(err, &ire) || ire.ErrorMessage() != tt.msg {
			t.Errorf("GetTimeSeriesServiceStatistics(%q, %q): err = %v, want InvalidRequestException %q", tt.name, tt.arn, err, tt.msg)
		}
	}
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// EntitySelectorExpression picks the node or edge whose statistics the time
// series returns.
func TestTimeSeriesEntitySelector(t *testing.T) {
	e := newEnv(t)
	filterTraces(t, e)
	type want struct {
		edge, edgeFault, edgeError, svc int64 // svc -1: no ServiceSummaryStatistics
	}
	for _, tt := range []struct {
		selector string
		want     want
	}{
		// No selector: the entry points (shop ×4, batch) and their client calls.
		{"", want{edge: 5, edgeFault: 1, edgeError: 2, svc: 5}},
		{`service("shop")`, want{edge: 4, edgeFault: 1, edgeError: 2, svc: 4}},
		{`service(id(name: "shop", type: "AWS::EC2::Instance", account.id: "123456789012"))`, want{edge: 4, edgeFault: 1, edgeError: 2, svc: 4}},
		{`id(name: "payments")`, want{edge: 4, svc: 4}},
		{`  ID ( type: "AWS::DynamoDB::Table" )`, want{edge: 4, svc: 4}},
		{`edge("shop", "payments")`, want{edge: 4, svc: -1}},
		{`edge("shop", "payments") OR service("batch")`, want{edge: 5, svc: 1}},
		{`service("nosuch")`, want{}},
	} {
		t.Run(tt.selector, func(t *testing.T) {
			out, err := e.client.GetTimeSeriesServiceStatistics(context.Background(), &xray.GetTimeSeriesServiceStatisticsInput{
				StartTime: unix(t0 - 20), EndTime: unix(t0 + 100), Period: aws.Int32(300), EntitySelectorExpression: nonEmpty(tt.selector),
			})
			if err != nil {
				t.Fatalf("GetTimeSeriesServiceStatistics: %v", err)
			}
			if tt.want == (want{}) {
				if len(out.TimeSeriesServiceStatistics) != 0 {
					t.Errorf("got %d buckets, want none", len(out.TimeSeriesServiceStatistics))
				}
				return
			}
			if len(out.TimeSeriesServiceStatistics) != 1 {
				t.Fatalf("got %d buckets, want 1", len(out.TimeSeriesServiceStatistics))
			}
			b := out.TimeSeriesServiceStatistics[0]
			es, ss := b.EdgeSummaryStatistics, b.ServiceSummaryStatistics
			if es == nil || aws.ToInt64(es.TotalCount) != tt.want.edge || aws.ToInt64(es.FaultStatistics.TotalCount) != tt.want.edgeFault ||
				aws.ToInt64(es.ErrorStatistics.TotalCount) != tt.want.edgeError {
				t.Errorf("EdgeSummaryStatistics = %s, want %+v", statsString(es), tt.want)
			}
			switch {
			case tt.want.svc < 0 && ss != nil:
				t.Errorf("ServiceSummaryStatistics = %+v, want none", *ss)
			case tt.want.svc >= 0 && (ss == nil || aws.ToInt64(ss.TotalCount) != tt.want.svc):
				t.Errorf("ServiceSummaryStatistics = %+v, want %d", ss, tt.want.svc)
			}
		})
	}
	for _, tt := range []struct{ selector, msg string }{
		{`service("shop") { fault }`, `EntitySelectorExpression: an entity selector takes service(…), edge(…) and id(…) without { } blocks, joined by OR; service("shop") { fault } is not one`},
		{`fault`, `EntitySelectorExpression: an entity selector takes service(…), edge(…) and id(…) without { } blocks, joined by OR; fault is not one`},
		{`service("shop"`, `EntitySelectorExpression: `},
		{`edge("a")`, `EntitySelectorExpression: edge() needs two nodes, as in edge("from", "to") at column 9`},
		// A bare id(): columns count from the member's own first character.
		{`id(nme: "a")`, `EntitySelectorExpression: expected name:, type: or account.id: after "id(", found nme at column 4`},
		{`service("` + strings.Repeat("a", 500) + `")`, "EntitySelectorExpression is 511 characters long; the limit is 500"},
	} {
		_, err := e.client.GetTimeSeriesServiceStatistics(context.Background(), &xray.GetTimeSeriesServiceStatisticsInput{
			StartTime: unix(t0), EndTime: unix(t0 + 60), EntitySelectorExpression: aws.String(tt.selector),
		})
		var ire *types.InvalidRequestException
		if !errors.As(err, &ire) || !strings.HasPrefix(ire.ErrorMessage(), tt.msg) {
			t.Errorf("%s: err = %v, want InvalidRequestException %q", tt.selector, err, tt.msg)
		}
	}
}
