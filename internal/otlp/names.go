package otlp

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/lightbox-tracing/lightbox/segment"
)

// defaultName stands in for a name with nothing usable left in it.
const defaultName = "span"

// segmentName names a segment after its service, as X-Ray SDKs do: the
// aws.local.service attribute, else the resource's service.name, else the
// span's name.
func segmentName(a attrs, res *resourceInfo, spanName string) string {
	name := a.str("aws.local.service")
	if name == "" {
		name = res.serviceName
	}
	if name == "" {
		name = spanName
	}
	return fixSegmentName(name)
}

// subsegmentName names a subsegment after what it calls, in the X-Ray
// exporter's order: the remote service, peer.service, the AWS service, the
// database (name@host), the RPC service, the messaging destination, the
// host; internal spans (and calls with none of these) keep the span name.
func subsegmentName(sp ptrace.Span, a attrs, awsSDK bool) string {
	kind := sp.Kind()
	remote := kind == ptrace.SpanKindClient || kind == ptrace.SpanKindProducer || kind == ptrace.SpanKindConsumer
	var name string
	if remote {
		name = a.str("aws.remote.service")
		if awsSDK {
			name = strings.TrimPrefix(strings.TrimPrefix(name, "AWS.SDK."), "AWS::")
		}
	}
	if name == "" {
		name = a.str("peer.service")
	}
	if name == "" && awsSDK {
		name = a.str("aws.service", "rpc.service")
	}
	if name == "" {
		if db := a.str("db.namespace", "db.name"); db != "" {
			name = db
			if host := dbHost(a); host != "" {
				name += "@" + host
			}
		}
	}
	if name == "" {
		name = a.str("rpc.service")
	}
	if name == "" && kind == ptrace.SpanKindProducer {
		name = a.str("messaging.destination.name", "messaging.destination")
	}
	if name == "" && remote {
		name = a.str("http.host", "server.address", "net.peer.name")
	}
	if name == "" {
		name = sp.Name()
	}
	return truncateName(name)
}

// fixSegmentName keeps the characters X-Ray allows in segment names.
func fixSegmentName(name string) string {
	ok := true
	for _, r := range name {
		if !segmentNameRune(r) {
			ok = false
			break
		}
	}
	if !ok {
		name = strings.Map(func(r rune) rune {
			if segmentNameRune(r) {
				return r
			}
			return -1
		}, name)
	}
	return truncateName(name)
}

func segmentNameRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsSpace(r) || strings.ContainsRune(`_.:/%&#=+\-@`, r))
}

// truncateName applies X-Ray's length limit and never returns "".
func truncateName(name string) string {
	if strings.TrimSpace(name) == "" {
		return defaultName
	}
	if utf8.RuneCountInString(name) > segment.MaxNameLength {
		name = string([]rune(name)[:segment.MaxNameLength])
	}
	return name
}
