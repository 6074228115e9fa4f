// Package xraysdktest points the real aws-xray-sdk-go at a Lightbox (or a
// daemon) for tests: a recorder that samples every request, the
// centralized sampler. It is test support: only _test.go files import it.
// It imports no Lightbox package, so that the tests of any package,
// internal/api's included, can use it.
package xraysdktest

import (
	"context"
	"net"
	"testing"

	"github.com/aws/aws-xray-sdk-go/strategy/sampling"
	"github.com/aws/aws-xray-sdk-go/xray"
)

// SampleAllContext configures the real aws-xray-sdk-go to send segments
// to udpAddr (Lightbox or a daemon) and to sample every request; handlers
// made with xray.HandlerWithContext(ctx, ...) use it.
func SampleAllContext(t testing.TB, udpAddr net.Addr) context.Context {
	t.Helper()
	all, err := sampling.NewLocalizedStrategyFromJSONBytes([]byte(`{"version":2,"default":{"fixed_target":100000,"rate":1.0},"rules":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	emitter, err := xray.NewDefaultEmitter(udpAddr.(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	ctx, err := xray.ContextWithConfig(context.Background(), xray.Config{
		DaemonAddr:       udpAddr.String(),
		Emitter:          emitter,
		SamplingStrategy: all,
	})
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}
