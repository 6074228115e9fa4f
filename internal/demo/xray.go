package demo

import (
	"context"
	"fmt"
	"net"

	"github.com/aws/aws-xray-sdk-go/strategy/ctxmissing"
	"github.com/aws/aws-xray-sdk-go/strategy/sampling"
	"github.com/aws/aws-xray-sdk-go/xray"
)

// sampleAll is a local sampling rule that records every request: the demo
// exists to fill the service map, and at load rates it is the point too.
const sampleAll = `{"version": 2, "default": {"fixed_target": 1000000, "rate": 1.0}, "rules": []}`

// fixedEmitter is the SDK's UDP emitter pinned to one address. The SDK
// re-points emitters at AWS_XRAY_DAEMON_ADDRESS whenever that is set; the
// demo's address is already resolved (flag over environment), so it
// ignores that.
type fixedEmitter struct {
	*xray.DefaultEmitter
}

func (fixedEmitter) RefreshEmitterWithAddress(*net.UDPAddr) {}

// xrayContext configures the real aws-xray-sdk-go, as an application would,
// to send every request's segment to daemonAddr.
func xrayContext(daemonAddr string) (context.Context, error) {
	addr, err := net.ResolveUDPAddr("udp", daemonAddr)
	if err != nil {
		return nil, fmt.Errorf("cannot resolve daemon address %s: %w", daemonAddr, err)
	}
	emitter, err := xray.NewDefaultEmitter(addr)
	if err != nil {
		return nil, fmt.Errorf("cannot create segment emitter for %s: %w", daemonAddr, err)
	}
	strategy, err := sampling.NewLocalizedStrategyFromJSONBytes([]byte(sampleAll))
	if err != nil {
		return nil, fmt.Errorf("cannot build sampling rules: %w", err)
	}
	ctx, err := xray.ContextWithConfig(context.Background(), xray.Config{
		Emitter:                fixedEmitter{emitter},
		SamplingStrategy:       strategy,
		ContextMissingStrategy: ctxmissing.NewDefaultLogErrorStrategy(),
		ServiceVersion:         "1.0.0",
	})
	if err != nil {
		return nil, fmt.Errorf("cannot configure the X-Ray SDK: %w", err)
	}
	return ctx, nil
}
