package server_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsxray "github.com/aws/aws-sdk-go-v2/service/xray"
	"github.com/aws/aws-sdk-go-v2/service/xray/types"
	"github.com/aws/aws-xray-sdk-go/strategy/sampling"
	"github.com/aws/aws-xray-sdk-go/xray"

	"github.com/lightbox-tracing/lightbox/internal/server"
	"github.com/lightbox-tracing/lightbox/internal/servertest"
	"github.com/lightbox-tracing/lightbox/internal/servertest/xraysdktest"
)

// A sampling rule created through the API survives a restart of the
// server, and the real SDK sampler, pointed at the daemon's TCP port,
// applies it: no trace for the rule's path, Default for the others.
func TestSamplingRulesSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	first, err := server.New(servertest.Config(t, server.Config{DataDir: dir}))
	if err != nil {
		t.Fatal(err)
	}
	first.Start()
	ctx := context.Background()
	_, err = servertest.XRayClient(first).CreateSamplingRule(ctx, &awsxray.CreateSamplingRuleInput{SamplingRule: &types.SamplingRule{
		RuleName: aws.String("no-health"), ResourceARN: aws.String("*"), Priority: aws.Int32(1), FixedRate: 0, ReservoirSize: 0,
		ServiceName: aws.String("*"), ServiceType: aws.String("*"), Host: aws.String("*"), HTTPMethod: aws.String("*"),
		URLPath: aws.String("/health"), Version: aws.Int32(1),
	}})
	if err != nil {
		t.Fatalf("CreateSamplingRule: %v", err)
	}
	_, err = servertest.XRayClient(first).CreateSamplingRule(ctx, &awsxray.CreateSamplingRuleInput{SamplingRule: &types.SamplingRule{
		RuleName: aws.String("all-orders"), ResourceARN: aws.String("*"), Priority: aws.Int32(2), FixedRate: 1, ReservoirSize: 0,
		ServiceName: aws.String("*"), ServiceType: aws.String("*"), Host: aws.String("*"), HTTPMethod: aws.String("*"),
		URLPath: aws.String("/orders*"), Version: aws.Int32(1),
	}})
	if err != nil {
		t.Fatalf("CreateSamplingRule: %v", err)
	}
	if err := first.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	srv := servertest.Start(t, server.Config{DataDir: dir})
	// With AWS_CA_BUNDLE set, the SDK's new session rewrites
	// http.DefaultClient's transport while other strategies' pollers use
	// it (a race inside aws-sdk-go v1); plain HTTP needs no bundle.
	t.Setenv("AWS_CA_BUNDLE", "")
	strategy := xraysdktest.CentralizedSampler(t, srv.TCPAddr().String(), srv.UDPAddr().String())
	health := &sampling.Request{Host: "app", Method: "GET", URL: "/health", ServiceName: "app"}
	xraysdktest.WaitForRule(t, strategy, health, "no-health", 15*time.Second)
	other := &sampling.Request{Host: "app", Method: "GET", URL: "/orders", ServiceName: "app"}
	var healthSampled, otherSampled int
	for range 300 {
		if strategy.ShouldTrace(health).Sample {
			healthSampled++
		}
		if strategy.ShouldTrace(other).Sample {
			otherSampled++
		}
	}
	if healthSampled != 0 || otherSampled != 300 {
		t.Errorf("sampled %d of 300 /health and %d of 300 /orders requests; want none and all", healthSampled, otherSampled)
	}

	// The same sampler inside an instrumented app: only /orders requests
	// become traces.
	emitter, err := xray.NewDefaultEmitter(srv.UDPAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	appCtx, err := xray.ContextWithConfig(context.Background(), xray.Config{
		DaemonAddr: srv.UDPAddr().String(), Emitter: emitter, SamplingStrategy: strategy,
	})
	if err != nil {
		t.Fatal(err)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	app := httptest.NewServer(xray.HandlerWithContext(appCtx, xray.NewFixedSegmentNamer("app"), ok))
	defer app.Close()
	start := time.Now().Add(-time.Minute)
	for i := range 10 {
		for _, path := range []string{"/health", fmt.Sprint("/orders/", i)} {
			resp, err := http.Get(app.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
		}
	}
	traces := servertest.WaitForTraces(t, servertest.XRayClient(srv), start, time.Now().Add(time.Minute), 10)
	for _, tr := range traces {
		if tr.Http == nil || !strings.Contains(aws.ToString(tr.Http.HttpURL), "/orders/") {
			t.Errorf("trace %s is not an /orders request: %+v", aws.ToString(tr.Id), tr.Http)
		}
	}
}
