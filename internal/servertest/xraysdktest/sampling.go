package xraysdktest

import (
	"testing"
	"time"

	"github.com/aws/aws-xray-sdk-go/daemoncfg"
	"github.com/aws/aws-xray-sdk-go/strategy/sampling"
)

// CentralizedSampler is the real aws-xray-sdk-go centralized sampler
// polling the daemon API at tcpAddr (host:port; Lightbox's or a daemon's);
// udpAddr is the segment address it is configured with.
func CentralizedSampler(t testing.TB, tcpAddr, udpAddr string) *sampling.CentralizedStrategy {
	t.Helper()
	strategy, err := sampling.NewCentralizedStrategy()
	if err != nil {
		t.Fatal(err)
	}
	endpoints, err := daemoncfg.GetDaemonEndpointsFromString("tcp:" + tcpAddr + " udp:" + udpAddr)
	if err != nil {
		t.Fatal(err)
	}
	strategy.LoadDaemonEndpoints(endpoints)
	return strategy
}

// WaitForRule calls ShouldTrace(req) until the decision names rule (the
// sampler fetches rules and targets in the background), keeping
// statistics flowing so that the sampler polls targets; it fails the test
// after within.
func WaitForRule(t testing.TB, s *sampling.CentralizedStrategy, req *sampling.Request, rule string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		d := s.ShouldTrace(req)
		if d.Rule != nil && *d.Rule == rule {
			return
		}
		if time.Now().After(deadline) {
			last := "none"
			if d.Rule != nil {
				last = *d.Rule
			}
			t.Fatalf("the SDK did not apply rule %q to %s within %v (last decision rule %s)", rule, req.URL, within, last)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
