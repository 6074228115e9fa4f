package api

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/xray"
	"github.com/aws/aws-sdk-go-v2/service/xray/types"
)

// threeShopTraces stores an ok, a faulting and a throttled shop trace.
func threeShopTraces(t *testing.T, e *env) []string {
	ids := []string{traceID(int64(t0), 1), traceID(int64(t0), 2), traceID(int64(t0), 3)}
	var docs []string
	for i, status := range []int{200, 500, 429} {
		docs = append(docs, shopTrace(ids[i], t0+float64(i), status)...)
	}
	e.put(t, docs...)
	return ids
}

func TestGetServiceGraph(t *testing.T) {
	e := newEnv(t)
	threeShopTraces(t, e)
	out, err := e.client.GetServiceGraph(context.Background(), &xray.GetServiceGraphInput{StartTime: unix(t0 - 60), EndTime: unix(t0 + 60)})
	if err != nil {
		t.Fatalf("GetServiceGraph: %v", err)
	}
	if out.StartTime.Unix() != int64(t0-60) || out.EndTime.Unix() != int64(t0+60) || out.ContainsOldGroupVersions {
		t.Errorf("window = [%v, %v], old versions %v", out.StartTime, out.EndTime, out.ContainsOldGroupVersions)
	}
	byType := map[string]types.Service{}
	for _, s := range out.Services {
		byType[aws.ToString(s.Type)] = s
	}
	if len(out.Services) != 4 || len(byType) != 4 {
		t.Fatalf("got services %v, want client, shop, DynamoDB table, payments", byType)
	}
	client, shop := byType["client"], byType["AWS::EC2::Instance"]
	if aws.ToString(client.Name) != "shop" || aws.ToString(client.State) != "unknown" || client.SummaryStatistics != nil {
		t.Errorf("client node: name %q state %q statistics %+v; want shop, unknown, none", aws.ToString(client.Name), aws.ToString(client.State), client.SummaryStatistics)
	}
	if len(client.Edges) != 1 || aws.ToInt32(client.Edges[0].ReferenceId) != aws.ToInt32(shop.ReferenceId) {
		t.Fatalf("client edges = %+v, want one to shop", client.Edges)
	}
	ce := client.Edges[0].SummaryStatistics
	if aws.ToInt64(ce.TotalCount) != 3 || aws.ToInt64(ce.OkCount) != 1 ||
		aws.ToInt64(ce.FaultStatistics.TotalCount) != 1 || aws.ToInt64(ce.ErrorStatistics.ThrottleCount) != 1 ||
		aws.ToFloat64(ce.TotalResponseTime) != 1.5 {
		t.Errorf("client→shop statistics = %s, want 3 calls (1 ok, 1 fault, 1 throttle) totalling 1.5 s", statsString(ce))
	}
	if !aws.ToBool(shop.Root) || aws.ToString(shop.State) != "active" || aws.ToString(shop.AccountId) != "123456789012" {
		t.Errorf("shop: root %v state %q account %q", aws.ToBool(shop.Root), aws.ToString(shop.State), aws.ToString(shop.AccountId))
	}
	if ss := shop.SummaryStatistics; ss == nil || aws.ToInt64(ss.TotalCount) != 3 {
		t.Errorf("shop statistics = %+v, want 3 segments", ss)
	}
	if len(shop.ResponseTimeHistogram) != 1 || shop.ResponseTimeHistogram[0].Value != 0.5 || shop.ResponseTimeHistogram[0].Count != 3 {
		t.Errorf("shop histogram = %+v, want {0.5 s × 3}", shop.ResponseTimeHistogram)
	}
	table := byType["AWS::DynamoDB::Table"]
	if aws.ToString(table.State) != "unknown" || len(shop.Edges) != 2 {
		t.Errorf("DynamoDB node state %q, shop edges %d; want unknown and 2", aws.ToString(table.State), len(shop.Edges))
	}
	// Edges into payments carry the caller's round trip (0.3 s), the
	// payments node its own segments (0.28 s): quirk 20.
	pay := byType[""] // payments has no origin, so no type
	for _, edge := range shop.Edges {
		if aws.ToInt32(edge.ReferenceId) == aws.ToInt32(pay.ReferenceId) {
			if h := edge.ResponseTimeHistogram; len(h) != 1 || h[0].Value != 0.3 {
				t.Errorf("shop→payments histogram = %+v, want 0.3 s", h)
			}
		}
	}
	if h := pay.ResponseTimeHistogram; len(h) != 1 || h[0].Value != 0.28 {
		t.Errorf("payments histogram = %+v, want 0.28 s", h)
	}

	// The same graph as raw JSON, against the golden file.
	status, _, body := e.post(t, "/ServiceGraph", jsonBody(`{"StartTime":1699999940,"EndTime":1700000060}`), nil)
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	golden(t, "service-graph-shop.json", body)

	// Outside the window: nothing.
	empty, err := e.client.GetServiceGraph(context.Background(), &xray.GetServiceGraphInput{StartTime: unix(t0 + 100), EndTime: unix(t0 + 200)})
	if err != nil || len(empty.Services) != 0 {
		t.Errorf("empty window: %d services, err %v", len(empty.Services), err)
	}
}

func statsString(s *types.EdgeStatistics) string {
	if s == nil {
		return "nil"
	}
	return strings.Join([]string{
		"ok=" + itoa(aws.ToInt64(s.OkCount)),
		"throttle=" + itoa(aws.ToInt64(s.ErrorStatistics.ThrottleCount)),
		"error=" + itoa(aws.ToInt64(s.ErrorStatistics.OtherCount)),
		"fault=" + itoa(aws.ToInt64(s.FaultStatistics.TotalCount)),
		"total=" + itoa(aws.ToInt64(s.TotalCount)),
	}, " ")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestGetServiceGraphGroups(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.client.GetServiceGraph(ctx, &xray.GetServiceGraphInput{StartTime: unix(t0), EndTime: unix(t0 + 1), GroupName: aws.String("Default")}); err != nil {
		t.Errorf("Default group: %v", err)
	}
	_, err := e.client.GetServiceGraph(ctx, &xray.GetServiceGraphInput{StartTime: unix(t0), EndTime: unix(t0 + 1), GroupName: aws.String("slow")})
	var ire *types.InvalidRequestException
	if !errors.As(err, &ire) || !strings.Contains(ire.ErrorMessage(), `group "slow" does not exist`) {
		t.Errorf("unknown group: err = %v", err)
	}
}

func TestGetTraceGraph(t *testing.T) {
	e := newEnv(t)
	ids := threeShopTraces(t, e)
	out, err := e.client.GetTraceGraph(context.Background(), &xray.GetTraceGraphInput{TraceIds: []string{ids[1], traceID(int64(t0), 99)}})
	if err != nil {
		t.Fatalf("GetTraceGraph: %v", err)
	}
	var shop *types.Service
	for i, s := range out.Services {
		if aws.ToString(s.Type) == "AWS::EC2::Instance" {
			shop = &out.Services[i]
		}
	}
	if len(out.Services) != 4 || shop == nil {
		t.Fatalf("got %d services, want the 4 of one shop trace", len(out.Services))
	}
	if ss := shop.SummaryStatistics; aws.ToInt64(ss.TotalCount) != 1 || aws.ToInt64(ss.FaultStatistics.TotalCount) != 1 {
		t.Errorf("shop statistics = %+v, want only the faulting trace", ss)
	}
	_, err = e.client.GetTraceGraph(context.Background(), &xray.GetTraceGraphInput{TraceIds: []string{"nope"}})
	var ire *types.InvalidRequestException
	if !errors.As(err, &ire) {
		t.Errorf("malformed ID: err = %v, want InvalidRequestException", err)
	}
}

func TestGetTimeSeriesServiceStatistics(t *testing.T) {
	e := newEnv(t)
	threeShopTraces(t, e)
	// t0 is 20 s into a minute: the three traces end in the same minute.
	out, err := e.client.GetTimeSeriesServiceStatistics(context.Background(), &xray.GetTimeSeriesServiceStatisticsInput{
		StartTime: unix(t0 - 20), EndTime: unix(t0 + 100),
	})
	if err != nil {
		t.Fatalf("GetTimeSeriesServiceStatistics: %v", err)
	}
	if len(out.TimeSeriesServiceStatistics) != 1 {
		t.Fatalf("got %d buckets, want 1", len(out.TimeSeriesServiceStatistics))
	}
	b := out.TimeSeriesServiceStatistics[0]
	if b.Timestamp.Unix() != int64(t0-20) {
		t.Errorf("Timestamp = %v, want %v", b.Timestamp.Unix(), int64(t0-20))
	}
	if es := b.EdgeSummaryStatistics; es == nil || aws.ToInt64(es.TotalCount) != 3 || aws.ToInt64(es.FaultStatistics.TotalCount) != 1 {
		t.Errorf("EdgeSummaryStatistics = %s, want 3 calls, 1 fault", statsString(es))
	}
	if ss := b.ServiceSummaryStatistics; ss == nil || aws.ToInt64(ss.TotalCount) != 3 {
		t.Errorf("ServiceSummaryStatistics = %+v, want 3", ss)
	}
	if len(b.ResponseTimeHistogram) != 1 || b.ResponseTimeHistogram[0].Count != 3 {
		t.Errorf("ResponseTimeHistogram = %+v, want {0.5 × 3}", b.ResponseTimeHistogram)
	}

	for name, in := range map[string]*xray.GetTimeSeriesServiceStatisticsInput{
		"Period: period 90": {StartTime: unix(t0), EndTime: unix(t0 + 60), Period: aws.Int32(90)},
		"EntitySelectorExpression: an entity selector takes": {StartTime: unix(t0), EndTime: unix(t0 + 60), EntitySelectorExpression: aws.String(`service("shop") { fault }`)},
		`group "x" does not exist`:                           {StartTime: unix(t0), EndTime: unix(t0 + 60), GroupARN: aws.String("x")},
	} {
		_, err := e.client.GetTimeSeriesServiceStatistics(context.Background(), in)
		var ire *types.InvalidRequestException
		if !errors.As(err, &ire) || !strings.Contains(ire.ErrorMessage(), name) {
			t.Errorf("err = %v, want InvalidRequestException containing %q", err, name)
		}
	}
	if _, err := e.client.GetTimeSeriesServiceStatistics(context.Background(), &xray.GetTimeSeriesServiceStatisticsInput{
		StartTime: unix(t0), EndTime: unix(t0 + 600), Period: aws.Int32(300), ForecastStatistics: aws.Bool(true),
	}); err != nil {
		t.Errorf("Period 300 with ForecastStatistics: %v", err)
	}
}
