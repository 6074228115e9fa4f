package server_test

import (
	"testing"
	"time"

	"github.com/aws/aws-xray-sdk-go/strategy/sampling"

	"github.com/lightbox-tracing/lightbox/internal/server"
	"github.com/lightbox-tracing/lightbox/internal/servertest"
	"github.com/lightbox-tracing/lightbox/internal/servertest/xraysdktest"
)

// TestSDKCentralizedSamplingLoadsDefaultRule points the real aws-xray-sdk-go
// centralized sampler at Lightbox's TCP port (it sends unsigned, chunked
// POST /GetSamplingRules, quirk 5) and expects it to adopt X-Ray's Default
// rule instead of its local fallback.
func TestSDKCentralizedSamplingLoadsDefaultRule(t *testing.T) {
	srv := servertest.Start(t, server.Config{})
	strategy := xraysdktest.CentralizedSampler(t, srv.TCPAddr().String(), srv.UDPAddr().String())
	req := &sampling.Request{Host: "frontend", Method: "GET", URL: "/upload", ServiceName: "frontend"}
	xraysdktest.WaitForRule(t, strategy, req, "Default", 15*time.Second)
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
