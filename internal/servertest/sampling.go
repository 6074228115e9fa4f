package servertest

import (
	"net"
	"testing"
	"time"

	"github.com/aws/aws-xray-sdk-go/daemoncfg"
	"github.com/aws/aws-xray-sdk-go/strategy/sampling"
)

// CentralizedSampler is the real aws-xray-sdk-go centralized sampler
// polling the daemon API at tcpAddr (Lightbox's or a daemon's); udpAddr is
// the segment address it is configured with.
func CentralizedSampler(t testing.TB, tcpAddr, udpAddr net.Addr) *sampling.CentralizedStrategy {
	t.Helper()
	strategy, err := sampling.NewCentralizedStrategy()
	if err != nil {
		t.Fatal(err)
	}
	endpoints, err := daemoncfg.GetDaemonEndpointsFromString("tcp:" + tcpAddr.String() + " udp:" + udpAddr.String())
	if err != nil {
		t.Fatal(err)
	}
	strategy.LoadDaemonEndpoints(endpoints)
	return strategy
}

// WaitForRule polls the sampler until its decision for req names rule (it
// fetches rules in the background), failing the test after timeout.
func WaitForRule(t testing.TB, s *sampling.CentralizedStrategy, req *sampling.Request, rule string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		d := s.ShouldTrace(req)
		if d.Rule != nil && *d.Rule == rule {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the SDK never applied rule %q within %v (last decision %+v)", rule, timeout, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
