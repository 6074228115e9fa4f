package api

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/lightbox-tracing/lightbox/internal/trace"
	"github.com/lightbox-tracing/lightbox/segment"
)

// MaxDocumentsPerPut is X-Ray's limit on TraceSegmentDocuments per
// PutTraceSegments call (the daemon batches exactly this many).
const MaxDocumentsPerPut = 50

// TracesPerPage is how many trace IDs BatchGetTraces answers per page;
// more IDs are answered on further pages through NextToken. AWS's limit is
// unpublished (clients batch 5).
const TracesPerPage = 100

type putTraceSegmentsInput struct {
	TraceSegmentDocuments []string
}

type putTraceSegmentsOutput struct {
	UnprocessedTraceSegments []unprocessedTraceSegment
}

type unprocessedTraceSegment struct {
	ID        string `json:"Id,omitempty"`
	ErrorCode string `json:"ErrorCode"`
	Message   string `json:"Message"`
}

// putTraceSegments validates every document, reports the invalid ones and
// writes the rest in one call; it answers only once they are durable.
func (a *API) putTraceSegments(ctx context.Context, body []byte) (any, error) {
	var in putTraceSegmentsInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if a.opts.Writer == nil {
		return nil, invalidRequest("this server does not accept segments (it has no writer)")
	}
	switch {
	case in.TraceSegmentDocuments == nil:
		return nil, invalidRequest("member TraceSegmentDocuments is required")
	case len(in.TraceSegmentDocuments) > MaxDocumentsPerPut:
		return nil, invalidRequest("TraceSegmentDocuments has %d documents; the limit is %d", len(in.TraceSegmentDocuments), MaxDocumentsPerPut)
	}
	out := putTraceSegmentsOutput{UnprocessedTraceSegments: []unprocessedTraceSegment{}}
	var docs []*segment.Document
	a.metrics.docs.Received.Add(float64(len(in.TraceSegmentDocuments)))
	for _, raw := range in.TraceSegmentDocuments {
		parsed, err := segment.Parse([]byte(raw))
		if err != nil {
			u := unprocessedTraceSegment{ErrorCode: segment.CodeInvalidSegment, Message: err.Error()}
			var se *segment.Error
			if errors.As(err, &se) {
				u = unprocessedTraceSegment{ID: se.ID, ErrorCode: se.Code, Message: se.Message}
			}
			out.UnprocessedTraceSegments = append(out.UnprocessedTraceSegments, u)
			a.metrics.docs.Rejected.WithLabelValues(u.ErrorCode).Inc()
			continue
		}
		docs = append(docs, parsed...)
	}
	accepted := len(in.TraceSegmentDocuments) - len(out.UnprocessedTraceSegments)
	a.metrics.docs.Accepted.Add(float64(accepted))
	if len(docs) > 0 {
		if err := a.opts.Writer.WriteSegments(ctx, docs); err != nil {
			a.metrics.docs.Rejected.WithLabelValues(reasonStoreError).Add(float64(accepted))
			return nil, fmt.Errorf("cannot write %d segment documents: %w", len(docs), err)
		}
	}
	a.metrics.docs.Stored.Add(float64(accepted))
	return out, nil
}

type batchGetTracesInput struct {
	TraceIds  []string
	NextToken string
}

type batchGetTracesOutput struct {
	Traces              []traceOut
	UnprocessedTraceIds []string
	NextToken           string `json:",omitempty"`
}

type traceOut struct {
	ID            string       `json:"Id"`
	Duration      float64      `json:"Duration"`
	LimitExceeded bool         `json:"LimitExceeded"`
	Segments      []segmentOut `json:"Segments"`
}

type segmentOut struct {
	ID       string `json:"Id"`
	Document string `json:"Document"`
}

// batchGetTraces answers up to TracesPerPage of the requested IDs; IDs
// that are malformed or not stored go to UnprocessedTraceIds.
func (a *API) batchGetTraces(ctx context.Context, body []byte) (any, error) {
	var in batchGetTracesInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if len(in.TraceIds) == 0 {
		return nil, invalidRequest("member TraceIds is required and must not be empty")
	}
	requested := dedupe(in.TraceIds)
	page, next, err := pageIDs(requested, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := batchGetTracesOutput{Traces: []traceOut{}, UnprocessedTraceIds: []string{}, NextToken: next}

	canonical := make([]string, len(page)) // "" for a malformed ID
	valid := make([]string, 0, len(page))
	seen := make(map[string]bool, len(page))
	for i, id := range page {
		tid, err := segment.ParseTraceID(strings.ToLower(id))
		if err != nil {
			continue
		}
		canonical[i] = tid.String()
		if !seen[canonical[i]] {
			seen[canonical[i]] = true
			valid = append(valid, canonical[i])
		}
	}
	found := map[string]bool{}
	if len(valid) > 0 {
		traces, err := a.opts.Reader.GetTraces(ctx, valid)
		if err != nil {
			return nil, fmt.Errorf("cannot read %d traces: %w", len(valid), err)
		}
		for _, td := range traces {
			t := trace.Assemble(td.ID, td.Documents)
			segs := t.Segments()
			to := traceOut{ID: td.ID, Duration: t.Duration(), LimitExceeded: t.LimitExceeded(), Segments: make([]segmentOut, len(segs))}
			for i, s := range segs {
				to.Segments[i] = segmentOut{ID: s.ID, Document: s.Document}
			}
			out.Traces = append(out.Traces, to)
			found[td.ID] = true
		}
	}
	// Unprocessed IDs are reported as sent, in the order sent.
	for i, id := range page {
		if !found[canonical[i]] {
			out.UnprocessedTraceIds = append(out.UnprocessedTraceIds, id)
		}
	}
	return out, nil
}

// pageIDs picks the page of ids that token points at and the token of the
// page after it ("" on the last page).
func pageIDs(ids []string, token string) (page []string, next string, err error) {
	offset := 0
	hash := hashIDs(ids)
	if token != "" {
		t, err := decodeToken(token, "BatchGetTraces")
		if err != nil {
			return nil, "", err
		}
		if t.IDHash != hash || t.Offset <= 0 || t.Offset >= len(ids) {
			return nil, "", invalidRequest("NextToken does not belong to this list of TraceIds")
		}
		offset = t.Offset
	}
	end := min(offset+TracesPerPage, len(ids))
	if end < len(ids) {
		next = pageToken{Op: "BatchGetTraces", Offset: end, IDHash: hash}.encode()
	}
	return ids[offset:end], next, nil
}

func dedupe(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
