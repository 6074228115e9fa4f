package servertest

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsxray "github.com/aws/aws-sdk-go-v2/service/xray"

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
