package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lightbox-tracing/lightbox/segment"
)

const benchTraces = 10_000

// benchEnv stores benchTraces shop traces (two documents each, one every
// 50 ms from t0) straight through the store's writer, and returns the env
// and the trace IDs.
func benchEnv(b *testing.B) (*env, []string) {
	b.Helper()
	e := newEnv(b)
	ids := make([]string, benchTraces)
	var batch []*segment.Document
	ctx := context.Background()
	for i := range ids {
		start := t0 + float64(i)*0.05
		ids[i] = traceID(int64(start), i)
		for _, raw := range shopTrace(ids[i], start, []int{200, 200, 200, 500, 429, 404}[i%6]) {
			docs, err := segment.Parse([]byte(raw))
			if err != nil {
				b.Fatal(err)
			}
			batch = append(batch, docs...)
		}
		if len(batch) >= 1000 || i == len(ids)-1 {
			if err := e.store.WriteSegments(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if err := e.store.Sync(ctx); err != nil {
		b.Fatal(err)
	}
	return e, ids
}

// serve runs one request through the handler, without a network.
func serve(b *testing.B, a *API, path, body string) []byte {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	rec := httptest.NewRecorder()
	a.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("%s: %d %s", path, rec.Code, rec.Body.Bytes())
	}
	return rec.Body.Bytes()
}

func BenchmarkBatchGetTraces(b *testing.B) {
	e, ids := benchEnv(b)
	for _, n := range []int{5, 100} {
		b.Run(fmt.Sprintf("ids=%d", n), func(b *testing.B) {
			body := fmt.Sprintf(`{"TraceIds":["%s"]}`, strings.Join(ids[len(ids)/2:len(ids)/2+n], `","`))
			b.ReportAllocs()
			for b.Loop() {
				b.SetBytes(int64(len(serve(b, e.api, "/Traces", body))))
			}
		})
	}
}

func BenchmarkGetTraceSummariesPage(b *testing.B) {
	e, _ := benchEnv(b)
	body := fmt.Sprintf(`{"StartTime":%v,"EndTime":%v}`, t0, t0+benchTraces*0.05)
	b.ReportAllocs()
	for b.Loop() {
		b.SetBytes(int64(len(serve(b, e.api, "/TraceSummaries", body))))
	}
}

func BenchmarkGetServiceGraph(b *testing.B) {
	e, _ := benchEnv(b)
	body := fmt.Sprintf(`{"StartTime":%v,"EndTime":%v}`, t0, t0+benchTraces*0.05)
	b.ReportAllocs()
	for b.Loop() {
		serve(b, e.api, "/ServiceGraph", body)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchTraces, "ns/trace")
}
