package server_test

import (
	"testing"
	"time"

	"github.com/aws/aws-xray-sdk-go/daemoncfg"
	"github.com/aws/aws-xray-sdk-go/strategy/sampling"
)

// TestSDKCentralizedSamplingLoadsDefaultRule points the real aws-xray-sdk-go
// centralized sampler at Lightbox's TCP port (it sends unsigned, chunked
// POST /GetSamplingRules, quirk 5) and expects it to adopt X-Ray's Default
// rule instead of its local fallback.
func TestSDKCentralizedSamplingLoadsDefaultRule(t *testing.T) {
	srv := startServer(t, t.TempDir())
	strategy, err := sampling.NewCentralizedStrategy()
	if err != nil {
		t.Fatal(err)
	}
	endpoints, err := daemoncfg.GetDaemonEndpointsFromString("tcp:" + srv.TCPAddr().String() + " udp:" + srv.UDPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	strategy.LoadDaemonEndpoints(endpoints)
	req := &sampling.Request{Host: "frontend", Method: "GET", URL: "/upload", ServiceName: "frontend"}
	deadline := time.Now().Add(15 * time.Second)
	for {
		d := strategy.ShouldTrace(req)
		if d.Rule != nil && *d.Rule == "Default" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the SDK never applied Lightbox's Default rule (last decision %+v)", d)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Default is 1 request/s then 5 %: of 200 requests in well under a
	// second, the reservoir takes at most a couple and the rate about 10.
	sampled := 0
	for range 200 {
		if strategy.ShouldTrace(req).Sample {
			sampled++
		}
	}
	if sampled < 1 || sampled > 40 {
		t.Errorf("sampled %d of 200 requests under the Default rule, want a few", sampled)
	}
}
