package xraydaemon

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// upstream is where the daemon sends: the endpoint, and how to sign for it.
type upstream struct {
	url    *url.URL
	region string
	sign   bool
	creds  aws.CredentialsProvider // nil when unsigned
	// transport carries the proxy's and the forwarder's requests, with
	// the configured HTTP proxy, TLS roots (AWS_CA_BUNDLE) and
	// verification.
	transport http.RoundTripper
}

// newUpstream resolves the endpoint, region and credentials with the
// standard AWS chain (environment, shared files, SSO, web identity,
// container and EC2 roles), assuming RoleARN when set.
func newUpstream(ctx context.Context, c Config) (*upstream, error) {
	var proxyURL *url.URL
	if c.ProxyAddress != "" {
		pu, err := url.Parse(c.ProxyAddress)
		if err != nil {
			return nil, fmt.Errorf("cannot parse proxy address %q: %w", c.ProxyAddress, err)
		}
		proxyURL = pu
	}
	// A BuildableClient, not an *http.Client, so that the SDK can still
	// add AWS_CA_BUNDLE's roots to it.
	hc := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.MaxIdleConnsPerHost = c.Concurrency + 2
		if proxyURL != nil {
			tr.Proxy = http.ProxyURL(proxyURL)
		}
		if c.NoVerifySSL {
			if tr.TLSClientConfig == nil {
				tr.TLSClientConfig = &tls.Config{}
			}
			tr.TLSClientConfig.InsecureSkipVerify = true
		}
	})

	opts := []func(*config.LoadOptions) error{config.WithHTTPClient(hc)}
	if c.Region != "" {
		opts = append(opts, config.WithRegion(c.Region))
	} else if !c.LocalMode && c.Endpoint == "" {
		// The X-Ray daemon asks EC2 instance metadata for the region
		// unless told it runs elsewhere (-o). With an explicit endpoint
		// (a Lightbox) the region only scopes signatures, so no time is
		// spent asking.
		opts = append(opts, config.WithEC2IMDSRegion())
	}
	if c.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(c.Profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("cannot load AWS configuration: %w", err)
	}
	if c.RoleARN != "" {
		cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), c.RoleARN))
	}

	u := &upstream{region: cfg.Region, transport: hc.GetTransport()}
	if b, ok := cfg.HTTPClient.(*awshttp.BuildableClient); ok {
		u.transport = b.GetTransport() // with the CA bundle's roots
	}
	endpoint := c.Endpoint
	if endpoint == "" {
		if u.region == "" {
			return nil, fmt.Errorf("cannot find the X-Ray endpoint: no region (set --region or --endpoint)")
		}
		endpoint = "https://xray." + u.region + ".amazonaws.com"
		if strings.HasPrefix(u.region, "cn-") {
			endpoint += ".cn"
		}
	}
	if u.url, err = url.Parse(endpoint); err != nil || u.url.Host == "" {
		return nil, fmt.Errorf("cannot parse endpoint %q: want a URL such as http://lightbox:2000", endpoint)
	}
	if u.region == "" {
		// A Lightbox accepts any region in a signature.
		u.region = "us-east-1"
	}
	switch {
	case c.NoSign:
	case isAWS(u.url.Hostname()):
		u.sign = true
	default:
		// Another endpoint is signed for only when credentials exist,
		// so a Lightbox needs no fake ones.
		rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		_, err := cfg.Credentials.Retrieve(rctx)
		cancel()
		u.sign = err == nil
	}
	if u.sign {
		u.creds = cfg.Credentials
	}
	return u, nil
}

func isAWS(host string) bool {
	for _, s := range []string{".amazonaws.com", ".amazonaws.com.cn", ".api.aws"} {
		if strings.HasSuffix(host, s) {
			return true
		}
	}
	return false
}
