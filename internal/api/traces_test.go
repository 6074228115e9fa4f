package api

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/xray"
	"github.com/aws/aws-sdk-go-v2/service/xray/types"
)

const t0 = 1700000000.0

func TestPutTraceSegmentsReportsInvalidDocuments(t *testing.T) {
	e := newEnv(t)
	tid := traceID(int64(t0), 1)
	docs := []string{
		doc(tid, segID(1), "ok", t0, t0+1, ""),
		`{"trace_id":"` + tid + `","id":"` + segID(2) + `","name":"no-end","start_time":1700000000}`,
		`{not json`,
		doc("1-zz-bad", segID(3), "bad-trace", t0, t0+1, ""),
	}
	out, err := e.client.PutTraceSegments(context.Background(), &xray.PutTraceSegmentsInput{TraceSegmentDocuments: docs})
	if err != nil {
		t.Fatalf("PutTraceSegments: %v", err)
	}
	want := []struct{ id, code string }{
		{segID(2), "MissingField"},
		{"", "InvalidJSON"},
		{segID(3), "InvalidTraceId"},
	}
	if len(out.UnprocessedTraceSegments) != len(want) {
		t.Fatalf("got %d unprocessed, want %d: %+v", len(out.UnprocessedTraceSegments), len(want), out.UnprocessedTraceSegments)
	}
	for i, w := range want {
		u := out.UnprocessedTraceSegments[i]
		if aws.ToString(u.Id) != w.id || aws.ToString(u.ErrorCode) != w.code || aws.ToString(u.Message) == "" {
			t.Errorf("unprocessed[%d] = {%q %q %q}, want id %q code %q and a message", i, aws.ToString(u.Id), aws.ToString(u.ErrorCode), aws.ToString(u.Message), w.id, w.code)
		}
	}
	// The valid document was written before the 200.
	got, err := e.store.GetTraces(context.Background(), []string{tid})
	if err != nil || len(got) != 1 || len(got[0].Documents) != 1 || got[0].Documents[0].Name != "ok" {
		t.Fatalf("store holds %+v (err %v), want the one valid document", got, err)
	}
}

func TestPutTraceSegmentsLimit(t *testing.T) {
	e := newEnv(t)
	docs := make([]string, MaxDocumentsPerPut+1)
	for i := range docs {
		docs[i] = doc(traceID(int64(t0), i), segID(1), "s", t0, t0+1, "")
	}
	_, err := e.client.PutTraceSegments(context.Background(), &xray.PutTraceSegmentsInput{TraceSegmentDocuments: docs})
	var ire *types.InvalidRequestException
	if !errors.As(err, &ire) || !strings.Contains(ire.ErrorMessage(), "limit is 50") {
		t.Fatalf("51 documents: err = %v, want InvalidRequestException naming the limit", err)
	}
	if _, err := e.client.PutTraceSegments(context.Background(), &xray.PutTraceSegmentsInput{TraceSegmentDocuments: docs[:50]}); err != nil {
		t.Fatalf("50 documents: %v", err)
	}
}

func TestBatchGetTraces(t *testing.T) {
	e := newEnv(t)
	tid := traceID(int64(t0), 7)
	e.put(t, shopTrace(tid, t0, 200)...)
	unknown := traceID(int64(t0), 8)
	out, err := e.client.BatchGetTraces(context.Background(), &xray.BatchGetTracesInput{
		TraceIds: []string{strings.ToUpper(tid[:2]) + tid[2:], unknown, "not-a-trace-id"},
	})
	if err != nil {
		t.Fatalf("BatchGetTraces: %v", err)
	}
	if len(out.Traces) != 1 {
		t.Fatalf("got %d traces, want 1", len(out.Traces))
	}
	tr := out.Traces[0]
	if aws.ToString(tr.Id) != tid || aws.ToFloat64(tr.Duration) != 0.5 || aws.ToBool(tr.LimitExceeded) {
		t.Errorf("trace = {Id %q, Duration %v, LimitExceeded %v}, want {%q, 0.5, false}", aws.ToString(tr.Id), aws.ToFloat64(tr.Duration), aws.ToBool(tr.LimitExceeded), tid)
	}
	// Two stored segments plus the inferred DynamoDB segment.
	names := map[string]bool{}
	for _, s := range tr.Segments {
		var d struct {
			ID       string `json:"id"`
			Name     string `json:"name"`
			Inferred bool   `json:"inferred"`
		}
		if err := json.Unmarshal([]byte(aws.ToString(s.Document)), &d); err != nil {
			t.Fatalf("segment document is not JSON: %v", err)
		}
		if d.ID != aws.ToString(s.Id) {
			t.Errorf("segment Id %q differs from its document's id %q", aws.ToString(s.Id), d.ID)
		}
		names[d.Name] = d.Inferred
	}
	if len(names) != 3 || names["shop"] || names["payments"] || !names["DynamoDB"] {
		t.Errorf("segments (name → inferred) = %v, want shop, payments and inferred DynamoDB", names)
	}
	if len(out.UnprocessedTraceIds) != 2 || out.UnprocessedTraceIds[0] != unknown || out.UnprocessedTraceIds[1] != "not-a-trace-id" {
		t.Errorf("UnprocessedTraceIds = %v, want [%s not-a-trace-id]", out.UnprocessedTraceIds, unknown)
	}
	if out.NextToken != nil {
		t.Errorf("NextToken = %q on a single page", *out.NextToken)
	}
}

func TestBatchGetTracesPages(t *testing.T) {
	e := newEnv(t)
	const n = 2*TracesPerPage + 10
	ids := make([]string, n)
	var docs []string
	for i := range ids {
		ids[i] = traceID(int64(t0)+int64(i), i)
		if i%2 == 0 { // half are stored, half unknown
			docs = append(docs, doc(ids[i], segID(1), "s", t0+float64(i), t0+float64(i)+1, ""))
		}
	}
	e.put(t, docs...)

	p := xray.NewBatchGetTracesPaginator(e.client, &xray.BatchGetTracesInput{TraceIds: ids})
	seen := map[string]bool{}
	tokens := map[string]bool{}
	pages, unprocessed := 0, 0
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		pages++
		if out.NextToken != nil {
			if tokens[*out.NextToken] {
				t.Fatalf("token %q repeated", *out.NextToken)
			}
			tokens[*out.NextToken] = true
		}
		for _, tr := range out.Traces {
			if seen[*tr.Id] {
				t.Errorf("trace %s returned twice", *tr.Id)
			}
			seen[*tr.Id] = true
		}
		unprocessed += len(out.UnprocessedTraceIds)
	}
	if pages != 3 || len(seen) != n/2 || unprocessed != n/2 {
		t.Errorf("got %d pages, %d traces, %d unprocessed; want 3, %d, %d", pages, len(seen), unprocessed, n/2, n/2)
	}

	// A token only fits the list it was issued for.
	first, err := e.client.BatchGetTraces(context.Background(), &xray.BatchGetTracesInput{TraceIds: ids})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.client.BatchGetTraces(context.Background(), &xray.BatchGetTracesInput{TraceIds: ids[:150], NextToken: first.NextToken})
	var ire *types.InvalidRequestException
	if !errors.As(err, &ire) {
		t.Errorf("token with another list: err = %v, want InvalidRequestException", err)
	}
}

func TestBatchGetTracesRequiresIDs(t *testing.T) {
	e := newEnv(t)
	status, h, body := e.post(t, "/Traces", jsonBody(`{"TraceIds":[]}`), nil)
	if status != 400 || h.Get("x-amzn-ErrorType") != CodeInvalidRequest || !strings.Contains(string(body), "TraceIds") {
		t.Errorf("empty TraceIds: %d %s %s", status, h.Get("x-amzn-ErrorType"), body)
	}
}
