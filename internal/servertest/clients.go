package servertest

import (
	"context"
	"net"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsxray "github.com/aws/aws-sdk-go-v2/service/xray"
	"github.com/aws/aws-xray-sdk-go/strategy/sampling"
	"github.com/aws/aws-xray-sdk-go/xray"

	"github.com/lightbox-tracing/lightbox/internal/server"
)

// XRayClient is the real aws-sdk-go-v2 X-Ray client pointed at srv's API.
// optFns change the client's options as in xray.New (an HTTP client, say).
func XRayClient(srv *server.Server, optFns ...func(*awsxray.Options)) *awsxray.Client {
	return XRayClientAt(srv.TCPAddr().String(), optFns...)
}

// XRayClientAt is XRayClient for the API on addr (host:port), a child
// process's say. Lightbox ignores signatures; the static credentials keep
// the SDK from looking for the host's.
func XRayClientAt(addr string, optFns ...func(*awsxray.Options)) *awsxray.Client {
	return awsxray.New(awsxray.Options{
		BaseEndpoint: aws.String("http://" + addr),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDLIGHTBOX", "secret", ""),
	}, optFns...)
}

// XRaySDKContext configures the real aws-xray-sdk-go to send segments to
// udpAddr (Lightbox or a daemon) and to sample every request; handlers
// made with xray.HandlerWithContext(ctx, ...) use it.
func XRaySDKContext(t testing.TB, udpAddr net.Addr) context.Context {
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
