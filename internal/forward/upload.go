package forward

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsxray "github.com/aws/aws-sdk-go-v2/service/xray"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/lightbox-tracing/lightbox/segment"
)

// upload sends one batch, retrying what failed transiently until it is
// sent, rejected, or shutdown gives up on it.
func (f *Forwarder) upload(docs []*segment.Document) {
	delay := f.opts.RetryBase
	for attempt := 1; len(docs) > 0; attempt++ {
		if f.uploadCtx.Err() != nil {
			f.rlog.warn(ReasonShutdown, "dropped segment documents: shutdown ended before they were uploaded", "documents", len(docs))
			f.drop(ReasonShutdown, docs)
			return
		}
		if attempt > 1 {
			f.c.retries.Add(1)
		}
		docs = f.attempt(docs)
		if len(docs) == 0 {
			return
		}
		// Jitter keeps concurrent uploaders from retrying in lockstep.
		wait := delay/2 + rand.N(delay/2+1)
		select {
		case <-time.After(wait):
		case <-f.uploadCtx.Done():
		}
		delay = min(2*delay, f.opts.RetryMax)
	}
}

// attempt makes one PutTraceSegments call and returns the documents to
// retry; the others are counted as sent or dropped.
func (f *Forwarder) attempt(docs []*segment.Document) (retry []*segment.Document) {
	in := &awsxray.PutTraceSegmentsInput{TraceSegmentDocuments: make([]string, len(docs))}
	for i, d := range docs {
		in.TraceSegmentDocuments[i] = string(d.Raw)
	}
	ctx, cancel := context.WithTimeout(f.uploadCtx, f.opts.RequestTimeout)
	out, err := f.opts.Client.PutTraceSegments(ctx, in)
	cancel()
	if err != nil {
		result := classify(err)
		f.c.requests[resultIndex(result)].Add(1)
		f.setLastErr(err.Error())
		if result == ResultClientError && f.uploadCtx.Err() == nil {
			f.rlog.warn(ReasonUpstreamRejected, "dropped segment documents: the upstream refused the batch", "documents", len(docs), "err", err)
			f.drop(ReasonUpstreamRejected, docs)
			return nil
		}
		f.rlog.warn("upload_"+result, "cannot upload segment documents; retrying", "documents", len(docs), "err", err)
		return docs
	}
	f.c.requests[resultIndex(ResultOK)].Add(1)
	f.setLastErr("")
	if len(out.UnprocessedTraceSegments) == 0 {
		f.c.sent.Add(int64(len(docs)))
		f.release(docs)
		return nil
	}
	// Unprocessed segments are named by their document ID; a transient
	// code (throttling, an internal failure) is worth another try.
	transient := map[string]bool{}
	rejected := map[string]string{}
	for _, u := range out.UnprocessedTraceSegments {
		id, code := aws.ToString(u.Id), aws.ToString(u.ErrorCode)
		if isTransientCode(code) {
			transient[id] = true
		} else {
			rejected[id] = code + ": " + aws.ToString(u.Message)
		}
	}
	var sent, dropped []*segment.Document
	for _, d := range docs {
		switch {
		case transient[d.ID]:
			retry = append(retry, d)
		case rejected[d.ID] != "":
			dropped = append(dropped, d)
		default:
			sent = append(sent, d)
		}
	}
	f.c.sent.Add(int64(len(sent)))
	f.release(sent)
	if len(dropped) > 0 {
		f.rlog.warn(ReasonUpstreamRejected, "dropped segment documents the upstream did not process",
			"documents", len(dropped), "example_id", dropped[0].ID, "error", rejected[dropped[0].ID])
		f.drop(ReasonUpstreamRejected, dropped)
	}
	return retry
}

// classify names an attempt's failure. Throttling (429 or a throttling
// code), 5xx and failures without a response (network, timeout,
// credentials) are retried; other 4xx are the caller's mistake and are not.
func classify(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) && isThrottleCode(api.ErrorCode()) {
		return ResultThrottled
	}
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() == 0 {
		// No response: the SDK reports a cancelled or failed round trip
		// as a ResponseError with status 0.
		return ResultNetworkError
	}
	switch s := re.HTTPStatusCode(); {
	case s == 429:
		return ResultThrottled
	case s >= 500:
		return ResultServerError
	case s == 408:
		return ResultNetworkError
	default:
		return ResultClientError
	}
}

func isThrottleCode(code string) bool {
	return strings.Contains(code, "Throttl") || code == "TooManyRequestsException" || code == "RequestLimitExceeded"
}

func isTransientCode(code string) bool {
	return isThrottleCode(code) || strings.Contains(code, "InternalFailure") ||
		strings.Contains(code, "ServiceUnavailable") || strings.Contains(code, "InternalError")
}
