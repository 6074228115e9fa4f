package otlp

import (
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/lightbox-tracing/lightbox/segment"
)

// Exception event attributes (OTel semantic conventions).
const (
	exceptionEvent      = "exception"
	exceptionType       = "exception.type"
	exceptionMessage    = "exception.message"
	exceptionStacktrace = "exception.stacktrace"
)

// outcome is what a span's status says about it.
type outcome struct {
	fault, error, throttle bool
	cause                  *segment.Cause
}

// makeOutcome sets fault, error and throttle as X-Ray SDKs do: a 4xx
// response is an error (429 also a throttle), a 5xx one a fault, and a span
// whose status is Error without such a response is a fault. The cause holds
// the span's exception events, or its status message when it has none.
func makeOutcome(sp ptrace.Span, status int64, hasStatus bool) outcome {
	var o outcome
	if hasStatus {
		switch {
		case status == 429:
			o.error, o.throttle = true, true
		case status >= 400 && status <= 499:
			o.error = true
		case status >= 500 && status <= 599:
			o.fault = true
		}
	}
	failed := sp.Status().Code() == ptrace.StatusCodeError
	if failed && !o.error && !o.fault {
		o.fault = true
	}
	if !o.error && !o.fault {
		return o
	}
	var exceptions []segment.Exception
	events := sp.Events()
	for i := range events.Len() {
		ev := events.At(i)
		if ev.Name() != exceptionEvent {
			continue
		}
		a := attrs{ev.Attributes()}
		exceptions = append(exceptions, segment.Exception{
			ID:      derivedID(sp.TraceID(), sp.SpanID(), byte(len(exceptions)+1)),
			Type:    a.str(exceptionType),
			Message: a.str(exceptionMessage),
			Stack:   parseStack(a.str(exceptionStacktrace)),
			Remote:  isRemoteKind(sp.Kind()),
		})
	}
	if len(exceptions) == 0 && sp.Status().Message() != "" {
		exceptions = append(exceptions, segment.Exception{
			ID:      derivedID(sp.TraceID(), sp.SpanID(), 1),
			Message: sp.Status().Message(),
			Remote:  isRemoteKind(sp.Kind()),
		})
	}
	if len(exceptions) > 0 {
		o.cause = &segment.Cause{Exceptions: exceptions}
	}
	return o
}

func isRemoteKind(k ptrace.SpanKind) bool {
	return k == ptrace.SpanKindClient || k == ptrace.SpanKindProducer
}
