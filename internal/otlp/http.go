package otlp

import (
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/lightbox-tracing/lightbox/segment"
)

// HTTP semantic conventions, old names after new ones.
var (
	keyMethod        = []string{"http.request.method", "http.method"}
	keyStatus        = []string{"http.response.status_code", "http.status_code"}
	keyURL           = []string{"url.full", "http.url"}
	keyUserAgent     = []string{"user_agent.original", "http.user_agent"}
	keyContentLength = []string{"http.response.body.size", "http.response_content_length"}
)

// httpKeys are the attributes makeHTTP turns into the http block; they are
// left out of metadata.
var httpKeys = []string{
	"http.request.method", "http.method", "http.response.status_code", "http.status_code",
	"url.full", "http.url", "url.scheme", "http.scheme", "http.host", "http.target", "url.path", "url.query",
	"user_agent.original", "http.user_agent", "http.response.body.size", "http.response_content_length",
	"client.address", "http.client_ip",
}

// makeHTTP builds the http block of a span that has HTTP attributes, or
// returns nil. A server span's URL is put together from its parts when the
// full URL is absent, as the X-Ray exporter does.
func makeHTTP(a attrs, kind ptrace.SpanKind) *segment.HTTP {
	method := a.str(keyMethod...)
	status, hasStatus := a.int(keyStatus...)
	url := a.str(keyURL...)
	if method == "" && !hasStatus && url == "" {
		return nil
	}
	server := kind == ptrace.SpanKindServer || kind == ptrace.SpanKindConsumer
	if url == "" {
		url = buildURL(a, server)
	}
	h := &segment.HTTP{Request: &segment.HTTPRequest{
		Method:    method,
		URL:       url,
		UserAgent: a.str(keyUserAgent...),
	}}
	if server {
		if ip := a.str("client.address"); ip != "" {
			h.Request.ClientIP = ip
		} else if ip := a.str("http.client_ip"); ip != "" {
			h.Request.ClientIP, h.Request.XForwardedFor = ip, true
		} else {
			h.Request.ClientIP = a.str("network.peer.address", "net.sock.peer.addr", "net.peer.ip")
		}
	}
	if *h.Request == (segment.HTTPRequest{}) {
		h.Request = nil
	}
	if hasStatus || a.has(keyContentLength...) {
		h.Response = &segment.HTTPResponse{Status: int(status)}
		if n, ok := a.int(keyContentLength...); ok {
			h.Response.ContentLength = segment.FlexInt64(n)
		}
	}
	return h
}

// buildURL joins scheme, host, port, path and query.
func buildURL(a attrs, server bool) string {
	scheme := a.str("url.scheme", "http.scheme")
	host := a.str("http.host")
	if host == "" {
		var port string
		if server {
			host, port = a.str("server.address", "net.host.name"), a.str("server.port", "net.host.port")
		} else {
			host, port = a.str("server.address", "net.peer.name"), a.str("server.port", "net.peer.port")
		}
		if host != "" && port != "" {
			host += ":" + port
		}
	}
	target := a.str("http.target")
	if target == "" {
		target = a.str("url.path")
		if q := a.str("url.query"); q != "" {
			target += "?" + q
		}
	}
	if host == "" {
		return target
	}
	if scheme == "" {
		scheme = "http"
	}
	return scheme + "://" + host + target
}
