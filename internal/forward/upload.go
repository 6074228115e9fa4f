package forward

import (
	"context"
	"math/rand/v2"
	"strings"
	"time"
)

// upload sends one batch, retrying what failed transiently until it is
// sent, rejected, or shutdown gives up on it.
func (f *Forwarder) upload(docs []doc) {
	delay := f.opts.RetryBase
	for attempt := 1; len(docs) > 0; attempt++ {
		if f.uploadCtx.Err() != nil {
			f.rlog.Warn(ReasonShutdown, "dropped segment documents: shutdown ended before they were uploaded", "documents", len(docs))
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
func (f *Forwarder) attempt(docs []doc) (retry []doc) {
	ctx, cancel := context.WithTimeout(f.uploadCtx, f.opts.RequestTimeout)
	unprocessed, err := f.put.put(ctx, docs)
	cancel()
	if err != nil {
		result := classify(err)
		f.c.requests[resultIndex(result)].Add(1)
		f.setLastErr(err.Error())
		if result == ResultClientError && f.uploadCtx.Err() == nil {
			f.rlog.Warn(ReasonUpstreamRejected, "dropped segment documents: the upstream refused the batch", "documents", len(docs), "err", err)
			f.drop(ReasonUpstreamRejected, docs)
			return nil
		}
		f.rlog.Warn("upload_"+result, "cannot upload segment documents; retrying", "documents", len(docs), "err", err)
		return docs
	}
	f.c.requests[resultIndex(ResultOK)].Add(1)
	f.clearLastErr()
	if len(unprocessed) == 0 {
		f.c.sent.Add(int64(len(docs)))
		f.release(docs)
		return nil
	}
	// Unprocessed segments are named by their document ID; a transient
	// code (throttling, an internal failure) is worth another try.
	transient := map[string]bool{}
	rejected := map[string]string{}
	for _, u := range unprocessed {
		if isTransientCode(u.ErrorCode) {
			transient[u.ID] = true
		} else {
			rejected[u.ID] = u.ErrorCode + ": " + u.Message
		}
	}
	var sent, dropped []doc
	for _, d := range docs {
		switch {
		case transient[d.id]:
			retry = append(retry, d)
		case rejected[d.id] != "":
			dropped = append(dropped, d)
		default:
			sent = append(sent, d)
		}
	}
	f.c.sent.Add(int64(len(sent)))
	f.release(sent)
	if len(dropped) > 0 {
		f.rlog.Warn(ReasonUpstreamRejected, "dropped segment documents the upstream did not process",
			"documents", len(dropped), "example_id", dropped[0].id, "error", rejected[dropped[0].id])
		f.drop(ReasonUpstreamRejected, dropped)
	}
	return retry
}

func isThrottleCode(code string) bool {
	return strings.Contains(code, "Throttl") || code == "TooManyRequestsException" || code == "RequestLimitExceeded"
}

func isTransientCode(code string) bool {
	return isThrottleCode(code) || strings.Contains(code, "InternalFailure") ||
		strings.Contains(code, "ServiceUnavailable") || strings.Contains(code, "InternalError")
}
