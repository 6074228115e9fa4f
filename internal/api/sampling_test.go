package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/xray"
	"github.com/aws/aws-sdk-go-v2/service/xray/types"
)

func TestGetSamplingRules(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Region, o.AccountID = "eu-west-1", "123456789012" })
	out, err := e.client.GetSamplingRules(context.Background(), &xray.GetSamplingRulesInput{})
	if err != nil {
		t.Fatalf("GetSamplingRules: %v", err)
	}
	if len(out.SamplingRuleRecords) != 1 || out.NextToken != nil {
		t.Fatalf("got %d records (token %v), want the Default rule only", len(out.SamplingRuleRecords), out.NextToken)
	}
	rec := out.SamplingRuleRecords[0]
	r := rec.SamplingRule
	for what, got := range map[string][2]any{
		"RuleName":      {aws.ToString(r.RuleName), "Default"},
		"RuleARN":       {aws.ToString(r.RuleARN), "arn:aws:xray:eu-west-1:123456789012:sampling-rule/Default"},
		"ResourceARN":   {aws.ToString(r.ResourceARN), "*"},
		"Priority":      {aws.ToInt32(r.Priority), int32(10000)},
		"FixedRate":     {r.FixedRate, 0.05},
		"ReservoirSize": {r.ReservoirSize, int32(1)},
		"ServiceName":   {aws.ToString(r.ServiceName), "*"},
		"ServiceType":   {aws.ToString(r.ServiceType), "*"},
		"Host":          {aws.ToString(r.Host), "*"},
		"HTTPMethod":    {aws.ToString(r.HTTPMethod), "*"},
		"URLPath":       {aws.ToString(r.URLPath), "*"},
		"Version":       {aws.ToInt32(r.Version), int32(1)},
		"Attributes":    {r.Attributes != nil && len(r.Attributes) == 0, true},
		"CreatedAt":     {rec.CreatedAt.Unix(), int64(0)},
		"ModifiedAt":    {rec.ModifiedAt.Unix(), int64(0)},
	} {
		if got[0] != got[1] {
			t.Errorf("%s = %v, want %v", what, got[0], got[1])
		}
	}
}

// chunked returns a body of unknown length, so that net/http sends it
// with Transfer-Encoding: chunked, as aws-xray-sdk-go's sampler does.
func chunked(s string) io.Reader { return io.MultiReader(strings.NewReader(s)) }

// TestSamplerRequests replays what aws-xray-sdk-go's centralized sampler
// sends to the daemon port: unsigned, chunked POSTs (quirk 5).
func TestSamplerRequests(t *testing.T) {
	e := newEnv(t)
	// Check on the server side that the bodies really arrive chunked and
	// unsigned.
	var mu sync.Mutex
	var seen []string
	watched := *e
	watched.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, fmt.Sprintf("%s %v %d %q", r.URL.Path, r.TransferEncoding, r.ContentLength, r.Header.Get("Authorization")))
		mu.Unlock()
		e.api.ServeHTTP(w, r)
	}))
	defer watched.srv.Close()
	e = &watched
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		want := []string{`/GetSamplingRules [chunked] -1 ""`, `/SamplingTargets [chunked] -1 ""`}
		if strings.Join(seen, "\n") != strings.Join(want, "\n") {
			t.Errorf("requests arrived as %q, want %q", seen, want)
		}
	}()
	status, h, body := e.post(t, "/GetSamplingRules", chunked(`{}`), map[string]string{"Content-Type": "application/json"})
	if status != 200 || h.Get("Content-Type") != "application/json" || h.Get("x-amzn-RequestId") == "" {
		t.Fatalf("GetSamplingRules: %d %v %s", status, h, body)
	}
	if !strings.Contains(string(body), `"RuleName":"Default"`) {
		t.Errorf("GetSamplingRules body lacks the Default rule: %s", body)
	}

	status, _, body = e.post(t, "/SamplingTargets", chunked(`{"SamplingStatisticsDocuments":[`+
		`{"RuleName":"Default","ClientID":"0123456789abcdef01234567","Timestamp":1700000000,"RequestCount":10,"SampledCount":1},`+
		`{"RuleName":"Gone","ClientID":"0123456789abcdef01234567","Timestamp":1700000000,"RequestCount":3,"SampledCount":0}]}`), nil)
	if status != 200 {
		t.Fatalf("SamplingTargets: %d %s", status, body)
	}
	// Check the raw members the SDK relies on: FixedRate must be there.
	var raw struct {
		SamplingTargetDocuments []map[string]json.RawMessage
		LastRuleModification    json.RawMessage
		UnprocessedStatistics   []map[string]string
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	if len(raw.SamplingTargetDocuments) != 1 {
		t.Fatalf("targets = %s", body)
	}
	want := map[string]string{"RuleName": `"Default"`, "FixedRate": "0.05", "ReservoirQuota": "1", "ReservoirQuotaTTL": "1700000300", "Interval": "10"}
	for k, v := range want {
		if got := string(raw.SamplingTargetDocuments[0][k]); got != v {
			t.Errorf("target %s = %s, want %s", k, got, v)
		}
	}
	if string(raw.LastRuleModification) != "0" {
		t.Errorf("LastRuleModification = %s, want 0 (never now, quirk 19)", raw.LastRuleModification)
	}
	if len(raw.UnprocessedStatistics) != 1 || raw.UnprocessedStatistics[0]["RuleName"] != "Gone" || raw.UnprocessedStatistics[0]["ErrorCode"] != "400" {
		t.Errorf("UnprocessedStatistics = %v, want Gone with code 400", raw.UnprocessedStatistics)
	}
}

func TestGetSamplingTargetsSDK(t *testing.T) {
	now := time.Unix(1700000000, 0)
	e := newEnv(t, func(o *Options) { o.Now = func() time.Time { return now } })
	report := func(client string, requests int32) *types.SamplingTargetDocument {
		t.Helper()
		out, err := e.client.GetSamplingTargets(context.Background(), &xray.GetSamplingTargetsInput{
			SamplingStatisticsDocuments: []types.SamplingStatisticsDocument{{
				RuleName: aws.String("Default"), ClientID: aws.String(client), Timestamp: &now,
				RequestCount: requests, SampledCount: 0,
			}},
		})
		if err != nil {
			t.Fatalf("GetSamplingTargets: %v", err)
		}
		if len(out.SamplingTargetDocuments) != 1 || out.LastRuleModification.Unix() != 0 {
			t.Fatalf("targets %+v, last modification %v", out.SamplingTargetDocuments, out.LastRuleModification)
		}
		return &out.SamplingTargetDocuments[0]
	}
	a, b := strings.Repeat("a", 24), strings.Repeat("b", 24)
	if q := aws.ToInt32(report(a, 5).ReservoirQuota); q != 1 {
		t.Errorf("sole client quota = %d, want the whole reservoir (1)", q)
	}
	// b is busier, but a holds the one trace per second until it polls
	// again; then it goes to b, none to a.
	if q := aws.ToInt32(report(b, 50).ReservoirQuota); q != 0 {
		t.Errorf("busier newcomer's quota while a holds the reservoir = %d, want 0", q)
	}
	if d := report(a, 5); aws.ToInt32(d.ReservoirQuota) != 0 || d.FixedRate != 0.05 || aws.ToInt32(d.Interval) != 10 ||
		d.ReservoirQuotaTTL.Unix() != now.Unix()+300 {
		t.Errorf("quieter client target = quota %d rate %v interval %d ttl %v", aws.ToInt32(d.ReservoirQuota), d.FixedRate, aws.ToInt32(d.Interval), d.ReservoirQuotaTTL)
	}
	if q := aws.ToInt32(report(b, 50).ReservoirQuota); q != 1 {
		t.Errorf("busier client quota = %d, want 1", q)
	}
	// A minute later b has gone quiet and a gets the reservoir back.
	now = now.Add(2 * time.Minute)
	if q := aws.ToInt32(report(a, 5).ReservoirQuota); q != 1 {
		t.Errorf("quota after b left = %d, want 1", q)
	}

	_, err := e.client.GetSamplingTargets(context.Background(), &xray.GetSamplingTargetsInput{
		SamplingStatisticsDocuments: []types.SamplingStatisticsDocument{{
			RuleName: aws.String("Default"), ClientID: aws.String("short"), Timestamp: &now,
			RequestCount: 1, SampledCount: 0,
		}},
	})
	var ire *types.InvalidRequestException
	if !errors.As(err, &ire) || !strings.Contains(ire.ErrorMessage(), "SamplingStatisticsDocuments[0]: ClientID") {
		t.Errorf("bad ClientID: err = %v", err)
	}
}
