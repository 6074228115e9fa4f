package api

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/xray"
	"github.com/aws/aws-sdk-go-v2/service/xray/types"
	sdksampling "github.com/aws/aws-xray-sdk-go/strategy/sampling"

	"github.com/lightbox-tracing/lightbox/internal/servertest/xraysdktest"
)

// These tests run the real aws-xray-sdk-go centralized sampler against the
// API on loopback (it sends unsigned, chunked requests, quirk 5), with the
// real clock: the SDK compares LastRuleModification and quota TTLs with
// its own.

// sdkStart serializes the SDK's start (its first ShouldTrace), which
// creates an aws-sdk-go v1 session.
var sdkStart sync.Mutex

func sdkStrategy(t *testing.T, e *env) *sdksampling.CentralizedStrategy {
	t.Helper()
	// With AWS_CA_BUNDLE set, every new aws-sdk-go v1 session rewrites
	// http.DefaultClient's transport (session.loadCustomCABundle) while
	// earlier strategies' pollers use it: a data race inside the SDK. The
	// API is plain HTTP on loopback, so no CA bundle is needed.
	t.Setenv("AWS_CA_BUNDLE", "")
	s := xraysdktest.CentralizedSampler(t, strings.TrimPrefix(e.srv.URL, "http://"), "127.0.0.1:2000")
	sdkStart.Lock()
	s.ShouldTrace(pathRequest("/start"))
	sdkStart.Unlock()
	return s
}

func pathRequest(path string) *sdksampling.Request {
	return &sdksampling.Request{Host: "shop.example", Method: "GET", URL: path, ServiceName: "shop"}
}

func countSampled(s *sdksampling.CentralizedStrategy, req *sdksampling.Request, n int) int {
	sampled := 0
	for range n {
		if s.ShouldTrace(req).Sample {
			sampled++
		}
	}
	return sampled
}

func createRule(t *testing.T, c *xray.Client, name, path string, priority, reservoir int32, rate float64) {
	t.Helper()
	_, err := c.CreateSamplingRule(context.Background(), &xray.CreateSamplingRuleInput{SamplingRule: &types.SamplingRule{
		RuleName: aws.String(name), ResourceARN: aws.String("*"), Priority: aws.Int32(priority), FixedRate: rate,
		ReservoirSize: reservoir, ServiceName: aws.String("*"), ServiceType: aws.String("*"), Host: aws.String("*"),
		HTTPMethod: aws.String("*"), URLPath: aws.String(path), Version: aws.Int32(1),
	}})
	if err != nil {
		t.Fatalf("CreateSamplingRule %s: %v", name, err)
	}
}

func TestSDKAppliesRules(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Now = time.Now })
	createRule(t, e.client, "quiet", "/health*", 1, 0, 0)
	createRule(t, e.client, "everything", "/checkout", 2, 0, 1)
	s := sdkStrategy(t, e)
	xraysdktest.WaitForRule(t, s, pathRequest("/healthz"), "quiet", 10*time.Second)

	if n := countSampled(s, pathRequest("/healthz"), 300); n != 0 {
		t.Errorf("sampled %d of 300 requests to /healthz under ReservoirSize 0, FixedRate 0; want none", n)
	}
	if n := countSampled(s, pathRequest("/checkout"), 300); n != 300 {
		t.Errorf("sampled %d of 300 requests to /checkout under FixedRate 1; want all", n)
	}
	// Other paths fall to Default: the reservoir's first request, then ~5 %.
	if n := countSampled(s, pathRequest("/cart"), 400); n < 1 || n > 60 {
		t.Errorf("sampled %d of 400 requests to /cart under Default; want a few", n)
	}
}

// A rule created while the SDK runs takes effect at its next targets poll
// (~10 s): LastRuleModification moves, and the SDK refetches the rules.
func TestSDKPicksUpNewRuleWithoutRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the SDK's 10 s targets poll")
	}
	e := newEnv(t, func(o *Options) { o.Now = time.Now })
	s := sdkStrategy(t, e)
	req := pathRequest("/healthz")
	xraysdktest.WaitForRule(t, s, req, "Default", 10*time.Second)
	createRule(t, e.client, "quiet", "/healthz", 1, 0, 0)
	xraysdktest.WaitForRule(t, s, req, "quiet", 25*time.Second)
	if n := countSampled(s, req, 300); n != 0 {
		t.Errorf("sampled %d of 300 requests after the quiet rule arrived; want none", n)
	}
}

// Several SDK clients on one rule share its reservoir: once targets have
// been handed out (the first poll, ~10 s), they sample at most
// ReservoirSize requests per second together.
func TestSDKClientsShareReservoir(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the SDK's 10 s targets poll")
	}
	e := newEnv(t, func(o *Options) { o.Now = time.Now })
	createRule(t, e.client, "shared", "/shared", 1, 1, 0)
	clients := []*sdksampling.CentralizedStrategy{sdkStrategy(t, e), sdkStrategy(t, e), sdkStrategy(t, e)}
	req := pathRequest("/shared")
	for _, c := range clients {
		xraysdktest.WaitForRule(t, c, req, "shared", 10*time.Second)
	}
	// Keep every client busy until each has reported and received its
	// quota (its first targets poll comes 10–10.2 s after it started);
	// before that each may borrow one request a second.
	started := time.Now()
	for time.Since(started) < 11*time.Second {
		for _, c := range clients {
			c.ShouldTrace(req)
		}
		time.Sleep(20 * time.Millisecond)
	}
	sums, err := e.client.GetSamplingStatisticSummaries(context.Background(), &xray.GetSamplingStatisticSummariesInput{})
	if err != nil {
		t.Fatal(err)
	}
	var shared int32
	for _, s := range sums.SamplingStatisticSummaries {
		if aws.ToString(s.RuleName) == "shared" {
			shared = s.RequestCount
		}
	}
	if shared < int32(len(clients)) {
		t.Fatalf("statistics after 11 s count %d requests on the shared rule; want reports from every client", shared)
	}
	time.Sleep(200 * time.Millisecond) // let the last poll's targets land
	perSecond := map[int64]int{}
	end := time.Now().Add(2500 * time.Millisecond)
	for time.Now().Before(end) {
		for _, c := range clients {
			if c.ShouldTrace(req).Sample {
				perSecond[time.Now().Unix()]++
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	for sec, n := range perSecond {
		if n > 1 {
			t.Errorf("second %d: %d clients sampled together, want at most the reservoir of 1 (all: %v)", sec, n, perSecond)
		}
	}
	if len(perSecond) == 0 {
		t.Errorf("no request sampled in 2.5 s; the reservoir of 1/s should have taken some")
	}
}
