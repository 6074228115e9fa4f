package api

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/xray"
	"github.com/aws/aws-sdk-go-v2/service/xray/types"
)

func unix(f float64) *time.Time {
	sec, frac := math.Modf(f)
	t := time.Unix(int64(sec), int64(frac*1e9))
	return &t
}

func TestGetTraceSummariesFields(t *testing.T) {
	e := newEnv(t)
	tid := traceID(int64(t0), 1)
	e.put(t, shopTrace(tid, t0+5, 503)...)

	out, err := e.client.GetTraceSummaries(context.Background(), &xray.GetTraceSummariesInput{StartTime: unix(t0 - 60), EndTime: unix(t0 + 60)})
	if err != nil {
		t.Fatalf("GetTraceSummaries: %v", err)
	}
	if len(out.TraceSummaries) != 1 {
		t.Fatalf("got %d summaries, want 1", len(out.TraceSummaries))
	}
	s := out.TraceSummaries[0]
	check := func(what string, got, want any) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	check("Id", aws.ToString(s.Id), tid)
	check("StartTime", s.StartTime.Unix(), int64(t0+5))
	check("Duration", aws.ToFloat64(s.Duration), 0.5)
	check("ResponseTime", aws.ToFloat64(s.ResponseTime), 0.5)
	check("HasFault", aws.ToBool(s.HasFault), true)
	check("HasError", aws.ToBool(s.HasError), false)
	check("HasThrottle", aws.ToBool(s.HasThrottle), false)
	check("IsPartial", aws.ToBool(s.IsPartial), false)
	check("Revision", s.Revision >= 1, true)
	if s.Http == nil {
		t.Fatal("Http is missing")
	}
	check("Http.HttpURL", aws.ToString(s.Http.HttpURL), "https://shop.example.com/cart")
	check("Http.HttpStatus", aws.ToInt32(s.Http.HttpStatus), int32(503))
	check("Http.HttpMethod", aws.ToString(s.Http.HttpMethod), "GET")
	check("Http.UserAgent", aws.ToString(s.Http.UserAgent), "curl/8")
	check("Http.ClientIp", aws.ToString(s.Http.ClientIp), "192.0.2.1")

	annotations := map[string]any{}
	for k, vs := range s.Annotations {
		if len(vs) != 1 {
			t.Errorf("annotation %s has %d values, want 1", k, len(vs))
			continue
		}
		switch v := vs[0].AnnotationValue.(type) {
		case *types.AnnotationValueMemberNumberValue:
			annotations[k] = v.Value
		case *types.AnnotationValueMemberBooleanValue:
			annotations[k] = v.Value
		case *types.AnnotationValueMemberStringValue:
			annotations[k] = v.Value
		default:
			t.Errorf("annotation %s has value %T", k, v)
		}
		if len(vs[0].ServiceIds) != 1 || aws.ToString(vs[0].ServiceIds[0].Name) != "shop" {
			t.Errorf("annotation %s set by %+v, want service shop", k, vs[0].ServiceIds)
		}
	}
	check("annotations", len(annotations), 3)
	check("annotation cart_size", annotations["cart_size"], 3.0)
	check("annotation premium", annotations["premium"], true)
	check("annotation region", annotations["region"], "eu")

	if len(s.Users) != 1 {
		t.Fatalf("Users = %+v, want alice", s.Users)
	}
	check("Users[0].UserName", aws.ToString(s.Users[0].UserName), "alice")
	if s.EntryPoint == nil {
		t.Fatal("EntryPoint is missing")
	}
	check("EntryPoint.Name", aws.ToString(s.EntryPoint.Name), "shop")
	check("EntryPoint.Type", aws.ToString(s.EntryPoint.Type), "AWS::EC2::Instance")
	check("EntryPoint.AccountId", aws.ToString(s.EntryPoint.AccountId), "123456789012")
	services := map[string]string{}
	for _, id := range s.ServiceIds {
		services[aws.ToString(id.Name)] = aws.ToString(id.Type)
	}
	check("ServiceIds has shop", services["shop"], "AWS::EC2::Instance")
	if _, ok := services["payments"]; !ok {
		t.Errorf("ServiceIds = %v, want payments among them", services)
	}
	check("ResourceARNs", len(s.ResourceARNs) == 1 && aws.ToString(s.ResourceARNs[0].ARN) == "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc", true)
	check("InstanceIds", len(s.InstanceIds) == 1 && aws.ToString(s.InstanceIds[0].Id) == "i-0abc", true)
	check("AvailabilityZones", len(s.AvailabilityZones) == 1 && aws.ToString(s.AvailabilityZones[0].Name) == "us-east-1a", true)
	check("MatchedEventTime", s.MatchedEventTime == nil, true)
	check("TracesProcessedCount", aws.ToInt64(out.TracesProcessedCount), int64(1))
	check("ApproximateTime", out.ApproximateTime.Unix(), int64(t0-60))
	check("NextToken", out.NextToken == nil, true)

	// Event: by the segments' time, reporting when the trace matched.
	ev, err := e.client.GetTraceSummaries(context.Background(), &xray.GetTraceSummariesInput{
		StartTime: unix(t0), EndTime: unix(t0 + 10), TimeRangeType: types.TimeRangeTypeEvent,
	})
	if err != nil {
		t.Fatalf("GetTraceSummaries(Event): %v", err)
	}
	if len(ev.TraceSummaries) != 1 || ev.TraceSummaries[0].MatchedEventTime == nil || ev.TraceSummaries[0].MatchedEventTime.Unix() != int64(t0+5) {
		t.Errorf("Event summaries = %+v, want the trace with MatchedEventTime %v", ev.TraceSummaries, t0+5)
	}
}

// TestGetTraceSummariesPages walks 2½ pages with the SDK's paginator (which,
// like awscli, stops on a repeated token) and checks the order.
func TestGetTraceSummariesPages(t *testing.T) {
	e := newEnv(t)
	const n = 2*SummariesPerPage + 50
	var docs []string
	for i := range n {
		start := t0 + float64(i)
		docs = append(docs, doc(traceID(int64(start), i), segID(1), "svc", start, start+0.1, ""))
	}
	e.put(t, docs...)

	for _, rangeType := range []types.TimeRangeType{"", types.TimeRangeTypeTraceId, types.TimeRangeTypeEvent, types.TimeRangeTypeService} {
		t.Run(string(rangeType), func(t *testing.T) {
			p := xray.NewGetTraceSummariesPaginator(e.client, &xray.GetTraceSummariesInput{
				StartTime: unix(t0), EndTime: unix(t0 + n), TimeRangeType: rangeType,
			})
			var got []string
			var approx []int64
			tokens := map[string]bool{}
			for p.HasMorePages() {
				out, err := p.NextPage(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range out.TraceSummaries {
					got = append(got, aws.ToString(s.Id))
				}
				approx = append(approx, out.ApproximateTime.Unix())
				if out.NextToken != nil {
					if tokens[*out.NextToken] {
						t.Fatalf("token repeated: %s", *out.NextToken)
					}
					tokens[*out.NextToken] = true
				}
			}
			if len(got) != n || len(approx) != 3 {
				t.Fatalf("got %d summaries in %d pages, want %d in 3", len(got), len(approx), n)
			}
			for i, id := range got {
				if want := traceID(int64(t0)+int64(n-1-i), n-1-i); id != want {
					t.Fatalf("summary %d is %s, want %s (newest first)", i, id, want)
				}
			}
			if !(approx[0] > approx[1] && approx[1] > approx[2] && approx[2] == int64(t0)) {
				t.Errorf("ApproximateTime per page = %v, want decreasing down to StartTime", approx)
			}
		})
	}
}

func TestGetTraceSummariesRejects(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.MaxWindow = time.Hour })
	nan := math.NaN()
	tests := []struct {
		name string
		in   xray.GetTraceSummariesInput
		msg  string
	}{
		{"filter", xray.GetTraceSummariesInput{StartTime: unix(t0), EndTime: unix(t0 + 60), FilterExpression: aws.String(`responsetime >`)},
			`FilterExpression: unexpected end of expression after "responsetime >": expected a number at column 15`},
		{"reversed", xray.GetTraceSummariesInput{StartTime: unix(t0 + 60), EndTime: unix(t0)}, "must be before EndTime"},
		{"equal", xray.GetTraceSummariesInput{StartTime: unix(t0), EndTime: unix(t0)}, "must be before EndTime"},
		{"too wide", xray.GetTraceSummariesInput{StartTime: unix(t0), EndTime: unix(t0 + 3601)}, "the limit is 1h0m0s"},
		{"range type", xray.GetTraceSummariesInput{StartTime: unix(t0), EndTime: unix(t0 + 60), TimeRangeType: "Ingest"}, `TimeRangeType "Ingest"`},
		{"NaN strategy", xray.GetTraceSummariesInput{StartTime: unix(t0), EndTime: unix(t0 + 60), Sampling: aws.Bool(true),
			SamplingStrategy: &types.SamplingStrategy{Name: types.SamplingStrategyNameFixedRate, Value: &nan}},
			`member SamplingStrategy.Value must be a finite JSON number, not string "NaN"`},
		{"bad token", xray.GetTraceSummariesInput{StartTime: unix(t0), EndTime: unix(t0 + 60), NextToken: aws.String("bm9wZQ")}, "was not issued by this server"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.client.GetTraceSummaries(context.Background(), &tt.in)
			var ire *types.InvalidRequestException
			if !errors.As(err, &ire) {
				t.Fatalf("err = %v, want InvalidRequestException", err)
			}
			if !strings.Contains(ire.ErrorMessage(), tt.msg) {
				t.Errorf("message %q does not contain %q", ire.ErrorMessage(), tt.msg)
			}
		})
	}
}

// Sampling and SamplingStrategy are accepted; every trace still comes back.
func TestGetTraceSummariesSamplingAccepted(t *testing.T) {
	e := newEnv(t)
	e.put(t, doc(traceID(int64(t0), 1), segID(1), "s", t0, t0+1, ""))
	out, err := e.client.GetTraceSummaries(context.Background(), &xray.GetTraceSummariesInput{
		StartTime: unix(t0 - 1), EndTime: unix(t0 + 1), Sampling: aws.Bool(true),
		SamplingStrategy: &types.SamplingStrategy{Name: types.SamplingStrategyNamePartialScan, Value: aws.Float64(0.5)},
	})
	if err != nil || len(out.TraceSummaries) != 1 {
		t.Fatalf("got %+v, %v; want the one trace", out, err)
	}
}

// TestGetTraceSummariesRootCauses reads the root causes of a trace through
// the SDK, member by member: a fault that started two services down with
// an exception, a throttled DynamoDB call (an error root cause at an
// inferred node the client never saw), and the response-time path.
func TestGetTraceSummariesRootCauses(t *testing.T) {
	e := newEnv(t)
	tid := traceID(int64(t0), 1)
	start := t0 + 5
	root := doc(tid, segID(1), "shop", start, start+1, fmt.Sprintf(`,"origin":"AWS::EC2::Instance","aws":{"account_id":"123456789012"},"fault":true,`+
		`"http":{"response":{"status":500}},"subsegments":[`+
		`{"id":%q,"name":"payments","namespace":"remote","start_time":%.6f,"end_time":%.6f,"http":{"request":{"traced":true},"response":{"status":500}}},`+
		`{"id":%q,"name":"DynamoDB","namespace":"aws","start_time":%.6f,"end_time":%.6f,"error":true,"throttle":true,"aws":{"operation":"PutItem","table_name":"carts"},`+
		`"http":{"response":{"status":400}},"cause":{"exceptions":[{"id":"00000000000000e1","type":"ProvisionedThroughputExceededException","message":"Rate exceeded","remote":true}]}}]`,
		segID(2), start+0.1, start+0.7, segID(3), start+0.75, start+0.8))
	pay := doc(tid, segID(4), "payments", start+0.15, start+0.65, fmt.Sprintf(`,"parent_id":%q,"fault":true,"subsegments":[`+
		`{"id":%q,"name":"charge","start_time":%.6f,"end_time":%.6f,"fault":true,"cause":{"exceptions":[{"id":"00000000000000e2","type":"GatewayTimeout","message":"bank did not answer"}]}}]`,
		segID(2), segID(5), start+0.2, start+0.6))
	e.put(t, root, pay)

	out, err := e.client.GetTraceSummaries(context.Background(), &xray.GetTraceSummariesInput{StartTime: unix(t0), EndTime: unix(t0 + 60)})
	if err != nil {
		t.Fatalf("GetTraceSummaries: %v", err)
	}
	if len(out.TraceSummaries) != 1 {
		t.Fatalf("got %d summaries, want 1", len(out.TraceSummaries))
	}
	s := out.TraceSummaries[0]
	check := func(what string, got, want any) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}

	if len(s.FaultRootCauses) != 1 || len(s.FaultRootCauses[0].Services) != 2 {
		t.Fatalf("FaultRootCauses = %+v, want one through two services", s.FaultRootCauses)
	}
	f := s.FaultRootCauses[0]
	check("Fault.ClientImpacting", aws.ToBool(f.ClientImpacting), true)
	shop, payments := f.Services[0], f.Services[1]
	check("Fault.Services[0].Name", aws.ToString(shop.Name), "shop")
	check("Fault.Services[0].Names", fmt.Sprint(shop.Names), "[shop]")
	check("Fault.Services[0].Type", aws.ToString(shop.Type), "AWS::EC2::Instance")
	check("Fault.Services[0].AccountId", aws.ToString(shop.AccountId), "123456789012")
	check("Fault.Services[0].Inferred", aws.ToBool(shop.Inferred), false)
	if len(shop.EntityPath) != 2 {
		t.Fatalf("Fault.Services[0].EntityPath = %+v, want shop, payments", shop.EntityPath)
	}
	check("Fault.Services[0].EntityPath[0].Name", aws.ToString(shop.EntityPath[0].Name), "shop")
	check("Fault.Services[0].EntityPath[0].Remote", aws.ToBool(shop.EntityPath[0].Remote), false)
	check("Fault.Services[0].EntityPath[0].Exceptions", len(shop.EntityPath[0].Exceptions), 0)
	check("Fault.Services[0].EntityPath[1].Name", aws.ToString(shop.EntityPath[1].Name), "payments")
	check("Fault.Services[0].EntityPath[1].Remote", aws.ToBool(shop.EntityPath[1].Remote), true)
	check("Fault.Services[1].Name", aws.ToString(payments.Name), "payments")
	check("Fault.Services[1].Type", payments.Type == nil, true)
	check("Fault.Services[1].AccountId", payments.AccountId == nil, true)
	check("Fault.Services[1].Inferred", aws.ToBool(payments.Inferred), false)
	if len(payments.EntityPath) != 2 || len(payments.EntityPath[1].Exceptions) != 1 {
		t.Fatalf("Fault.Services[1].EntityPath = %+v, want payments, charge with one exception", payments.EntityPath)
	}
	check("Fault.Services[1].EntityPath[0].Name", aws.ToString(payments.EntityPath[0].Name), "payments")
	charge := payments.EntityPath[1]
	check("Fault.Services[1].EntityPath[1].Name", aws.ToString(charge.Name), "charge")
	check("Fault.Services[1].EntityPath[1].Remote", aws.ToBool(charge.Remote), false)
	check("Fault.Services[1].EntityPath[1].Exceptions[0].Name", aws.ToString(charge.Exceptions[0].Name), "GatewayTimeout")
	check("Fault.Services[1].EntityPath[1].Exceptions[0].Message", aws.ToString(charge.Exceptions[0].Message), "bank did not answer")

	if len(s.ErrorRootCauses) != 1 || len(s.ErrorRootCauses[0].Services) != 2 {
		t.Fatalf("ErrorRootCauses = %+v, want one through two services", s.ErrorRootCauses)
	}
	er := s.ErrorRootCauses[0]
	check("Error.ClientImpacting", aws.ToBool(er.ClientImpacting), false) // the root faulted; it had no error
	call, ddb := er.Services[0].EntityPath, er.Services[1]
	if len(call) != 2 || len(call[1].Exceptions) != 1 {
		t.Fatalf("Error.Services[0].EntityPath = %+v, want shop, DynamoDB with one exception", call)
	}
	check("Error.Services[0].EntityPath[1].Name", aws.ToString(call[1].Name), "DynamoDB")
	check("Error.Services[0].EntityPath[1].Remote", aws.ToBool(call[1].Remote), true)
	check("Error.Services[0].EntityPath[1].Exceptions[0].Name", aws.ToString(call[1].Exceptions[0].Name), "ProvisionedThroughputExceededException")
	check("Error.Services[0].EntityPath[1].Exceptions[0].Message", aws.ToString(call[1].Exceptions[0].Message), "Rate exceeded")
	check("Error.Services[1].Name", aws.ToString(ddb.Name), "DynamoDB")
	check("Error.Services[1].Names", fmt.Sprint(ddb.Names), "[DynamoDB]")
	check("Error.Services[1].Type", aws.ToString(ddb.Type), "AWS::DynamoDB::Table")
	check("Error.Services[1].Inferred", aws.ToBool(ddb.Inferred), true)
	if len(ddb.EntityPath) != 1 || len(ddb.EntityPath[0].Exceptions) != 1 {
		t.Fatalf("Error.Services[1].EntityPath = %+v, want the inferred segment with the call's exception", ddb.EntityPath)
	}
	check("Error.Services[1].EntityPath[0].Name", aws.ToString(ddb.EntityPath[0].Name), "DynamoDB")
	check("Error.Services[1].EntityPath[0].Remote", aws.ToBool(ddb.EntityPath[0].Remote), true)
	check("Error.Services[1].EntityPath[0].Exceptions[0].Message", aws.ToString(ddb.EntityPath[0].Exceptions[0].Message), "Rate exceeded")

	if len(s.ResponseTimeRootCauses) != 1 || len(s.ResponseTimeRootCauses[0].Services) != 2 {
		t.Fatalf("ResponseTimeRootCauses = %+v, want one through two services", s.ResponseTimeRootCauses)
	}
	rt := s.ResponseTimeRootCauses[0]
	check("ResponseTime.ClientImpacting", aws.ToBool(rt.ClientImpacting), true)
	type ent struct {
		name     string
		coverage float64
		remote   bool
	}
	var path []ent
	for _, svc := range rt.Services {
		for _, e := range svc.EntityPath {
			path = append(path, ent{aws.ToString(e.Name), aws.ToFloat64(e.Coverage), aws.ToBool(e.Remote)})
		}
	}
	check("ResponseTime path", fmt.Sprint(path), fmt.Sprint([]ent{{"shop", 1, false}, {"payments", 0.6, true}, {"payments", 0.5, false}, {"charge", 0.4, false}}))
	check("ResponseTime.Services[1].Name", aws.ToString(rt.Services[1].Name), "payments")
}

// The three root-cause lists are sent as [] when empty, as AWS sends them.
func TestGetTraceSummariesEmptyRootCauses(t *testing.T) {
	e := newEnv(t)
	e.put(t, doc(traceID(int64(t0), 1), segID(1), "s", t0, t0, ""))
	status, _, body := e.post(t, "/TraceSummaries", jsonBody(fmt.Sprintf(`{"StartTime":%v,"EndTime":%v}`, t0-1, t0+1)), nil)
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	for _, member := range []string{`"FaultRootCauses":[]`, `"ErrorRootCauses":[]`, `"ResponseTimeRootCauses":[]`} {
		if !strings.Contains(string(body), member) {
			t.Errorf("response lacks %s: %s", member, body)
		}
	}
}
