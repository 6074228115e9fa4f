package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/xray"
	"github.com/aws/aws-sdk-go-v2/service/xray/types"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestFixedAnswers(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()

	enc, err := e.client.GetEncryptionConfig(ctx, &xray.GetEncryptionConfigInput{})
	if err != nil || enc.EncryptionConfig.Type != types.EncryptionTypeNone || enc.EncryptionConfig.Status != types.EncryptionStatusActive || enc.EncryptionConfig.KeyId != nil {
		t.Errorf("GetEncryptionConfig = %+v, %v; want NONE/ACTIVE", enc.EncryptionConfig, err)
	}
	// awscli sends no body and no Content-Type (quirk 4).
	status, _, body := e.post(t, "/EncryptionConfig", nil, nil)
	if status != 200 || string(body) != `{"EncryptionConfig":{"Status":"ACTIVE","Type":"NONE"}}` {
		t.Errorf("empty-body GetEncryptionConfig: %d %s", status, body)
	}

	dest, err := e.client.GetTraceSegmentDestination(ctx, &xray.GetTraceSegmentDestinationInput{})
	if err != nil || dest.Destination != types.TraceSegmentDestinationXRay || dest.Status != types.TraceSegmentDestinationStatusActive {
		t.Errorf("GetTraceSegmentDestination = %+v, %v", dest, err)
	}

	groups, err := e.client.GetGroups(ctx, &xray.GetGroupsInput{})
	if err != nil || len(groups.Groups) != 1 {
		t.Fatalf("GetGroups = %+v, %v", groups, err)
	}
	g := groups.Groups[0]
	if aws.ToString(g.GroupName) != "Default" || aws.ToString(g.GroupARN) != "arn:aws:xray:us-east-1:000000000000:group/Default" ||
		g.FilterExpression != nil || g.InsightsConfiguration == nil || aws.ToBool(g.InsightsConfiguration.InsightsEnabled) {
		t.Errorf("group = %+v", g)
	}

	ins, err := e.client.GetInsightSummaries(ctx, &xray.GetInsightSummariesInput{StartTime: unix(t0), EndTime: unix(t0 + 60)})
	if err != nil || ins.InsightSummaries == nil || len(ins.InsightSummaries) != 0 {
		t.Errorf("GetInsightSummaries = %+v, %v; want an empty list", ins, err)
	}

	now := time.Unix(int64(t0), 0)
	if _, err := e.client.PutTelemetryRecords(ctx, &xray.PutTelemetryRecordsInput{
		TelemetryRecords: []types.TelemetryRecord{{Timestamp: &now, SegmentsReceivedCount: aws.Int32(3),
			BackendConnectionErrors: &types.BackendConnectionErrors{TimeoutCount: aws.Int32(1)}}},
		Hostname: aws.String("host"),
	}); err != nil {
		t.Errorf("PutTelemetryRecords: %v", err)
	}
}

func TestNotSupportedYet(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	calls := map[string]func() error{
		"GetInsight": func() error {
			_, err := e.client.GetInsight(ctx, &xray.GetInsightInput{InsightId: aws.String("x")})
			return err
		},
		"PutEncryptionConfig": func() error {
			_, err := e.client.PutEncryptionConfig(ctx, &xray.PutEncryptionConfigInput{Type: types.EncryptionTypeNone})
			return err
		},
	}
	for op, call := range calls {
		var ire *types.InvalidRequestException
		if err := call(); !errors.As(err, &ire) || ire.ErrorMessage() != "operation "+op+" is not supported yet" {
			t.Errorf("%s: err = %v, want InvalidRequestException \"operation %s is not supported yet\"", op, err, op)
		}
	}
}

func TestErrorShape(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, method, path, body string
		status                   int
		code, msg                string
	}{
		{"unknown path", "POST", "/NoSuchOperation", `{}`, 404, CodeUnknownOperation, "no X-Ray operation is served at POST /NoSuchOperation"},
		{"wrong method", "GET", "/TraceSummaries", ``, 404, CodeUnknownOperation, "no X-Ray operation is served at GET /TraceSummaries"},
		{"not an object", "POST", "/TraceSummaries", `[1]`, 400, CodeInvalidRequest, "request body must be a JSON object, not array"},
		{"syntax", "POST", "/TraceSummaries", `{"StartTime":`, 400, CodeInvalidRequest, "request body is not valid JSON"},
		{"string time", "POST", "/TraceSummaries", `{"StartTime":"1700000000","EndTime":1700000060}`, 400, CodeInvalidRequest,
			`member StartTime must be a JSON number of seconds since the Unix epoch, not string "1700000000"`},
		{"infinity", "POST", "/TraceSummaries", `{"StartTime":1700000000,"EndTime":"Infinity"}`, 400, CodeInvalidRequest,
			`member EndTime must be a JSON number of seconds since the Unix epoch, not string "Infinity"`},
		{"huge number", "POST", "/TraceSummaries", `{"StartTime":1e999,"EndTime":1}`, 400, CodeInvalidRequest, "not number 1e999"},
		{"missing time", "POST", "/TraceSummaries", `{"EndTime":1700000060}`, 400, CodeInvalidRequest, "member StartTime is required"},
		{"float count", "POST", "/SamplingTargets", `{"SamplingStatisticsDocuments":[{"RuleName":"Default","RequestCount":1.5}]}`, 400, CodeInvalidRequest,
			"member SamplingStatisticsDocuments.RequestCount must be an integer that fits 32 bits, not number 1.5"},
		{"list element", "POST", "/TraceSegments", `{"TraceSegmentDocuments":[{}]}`, 400, CodeInvalidRequest,
			"each element of member TraceSegmentDocuments must be a string, not object"},
		{"list", "POST", "/Traces", `{"TraceIds":"1-5759e988-bd862e3fe1be46a994272793"}`, 400, CodeInvalidRequest,
			"member TraceIds must be a list of strings, not string"},
		{"bool", "POST", "/TraceSummaries", `{"StartTime":1,"EndTime":2,"Sampling":"yes"}`, 400, CodeInvalidRequest, "member Sampling must be true or false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, e.srv.URL+tt.path, strings.NewReader(tt.body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct {
				Type    string `json:"__type"`
				Message string `json:"message"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatalf("error body is not JSON: %v", err)
			}
			if resp.StatusCode != tt.status || resp.Header.Get("x-amzn-ErrorType") != tt.code || body.Type != tt.code {
				t.Errorf("got %d, header %q, __type %q; want %d %s", resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"), body.Type, tt.status, tt.code)
			}
			if resp.Header.Get("Content-Type") != "application/json" || len(resp.Header.Get("x-amzn-RequestId")) != 36 {
				t.Errorf("headers %v lack JSON content type or request ID", resp.Header)
			}
			if !strings.Contains(body.Message, tt.msg) {
				t.Errorf("message %q does not contain %q", body.Message, tt.msg)
			}
		})
	}
}

func TestPathPrefix(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.PathPrefix = "xray/" })
	if _, err := e.client.GetSamplingRules(context.Background(), &xray.GetSamplingRulesInput{}); err != nil {
		t.Errorf("with prefix: %v", err)
	}
	if status, _, _ := e.post(t, "/GetSamplingRules", jsonBody(`{}`), nil); status != 404 {
		t.Errorf("without prefix: status %d, want 404", status)
	}
}

func TestLatencyMetric(t *testing.T) {
	e := newEnv(t)
	for range 3 {
		if _, err := e.client.GetSamplingRules(context.Background(), &xray.GetSamplingRulesInput{}); err != nil {
			t.Fatal(err)
		}
	}
	e.post(t, "/Nope", nil, nil)
	if n := testutil.CollectAndCount(e.reg, "lightbox_api_request_duration_seconds"); n != 2 {
		t.Errorf("%d latency series, want 2 (GetSamplingRules/200, unknown/404)", n)
	}
	mfs, err := e.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["operation"] == "GetSamplingRules" && (labels["code"] != "200" || m.GetHistogram().GetSampleCount() != 3) {
				t.Errorf("GetSamplingRules series %v has %d samples, want code 200 and 3", labels, m.GetHistogram().GetSampleCount())
			}
		}
	}
}

func TestBodyLimit(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.MaxBodyBytes = 1024 })
	status, h, body := e.post(t, "/TraceSegments", jsonBody(`{"TraceSegmentDocuments":["`+strings.Repeat("x", 2000)+`"]}`), nil)
	if status != http.StatusRequestEntityTooLarge || h.Get("x-amzn-ErrorType") != CodeInvalidRequest || !strings.Contains(string(body), "larger than 1024 bytes") {
		t.Errorf("oversized body: %d %s %s", status, h.Get("x-amzn-ErrorType"), body)
	}
}
