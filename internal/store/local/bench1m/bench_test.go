//go:build bench1m

package bench1m

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/api"
	"github.com/lightbox-tracing/lightbox/internal/store"
	"github.com/lightbox-tracing/lightbox/internal/store/local"
	"github.com/lightbox-tracing/lightbox/internal/trace"
)

// page is what GetTraceSummaries reads for a page of 100: one more, to know
// whether a next page exists.
const page = api.SummariesPerPage + 1

// windows is how many different windows the queries cycle through: the
// hour up to a minute earlier each time, so that repeated queries do not
// read exactly the same blocks.
const windows = 20

func window(i int) (float64, float64) {
	return hourStart, hourStart + hour - float64(i%windows)*60
}

// The benchmark's filters, written by hand as the compiler would build
// them (the API benchmarks compile the real expressions).
var filters = []struct {
	name, expr string
	filter     *store.Filter
}{
	{"user=x", `annotation.user = "x"`, &store.Filter{
		Terms: []string{trace.AnnotationKeyTerm("user"), trace.AnnotationTerm("user", "x")},
		Match: func(s *trace.Summary) bool {
			return slices.ContainsFunc(s.Annotations["user"], func(v trace.AnnotationValue) bool { return v.String != nil && *v.String == "x" })
		},
	}},
	{"auth-fault", `service("auth") { fault }`, &store.Filter{
		Terms: []string{trace.ServiceTerm("auth"), trace.ServiceOutcomeTerm("auth", trace.Fault)},
		Match: func(s *trace.Summary) bool {
			return slices.ContainsFunc(s.Graph.Nodes, func(n trace.Node) bool {
				return n.Name == "auth" && !n.Client && slices.ContainsFunc(n.Obs, func(o trace.Observation) bool { return o.Outcome == trace.Fault })
			})
		},
	}},
}

var rangeTypes = []struct {
	name string
	rt   store.RangeType
}{{"TraceId", store.ByTraceID}, {"Event", store.ByStartTime}, {"Service", store.ByEndTime}}

// BenchmarkFilter1M answers the first page of each filter over the
// one-hour, one-million-trace dataset: at the store (FindTraces) with the
// term index and without it (the same Match, no Terms: every summary of
// the window is a candidate), and through the API (GetTraceSummaries with
// the FilterExpression) likewise. Run it with -benchtime 20x: it reports
// the median and 90th percentile of the 20 queries.
func BenchmarkFilter1M(b *testing.B) {
	dir := datasetDir(b)
	s, err := local.Open(storeOptions(filepath.Join(dir, "store")))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.Logf("dataset in %s: %.1f GB on disk", dir, float64(s.Stats().DiskBytes)/1e9)
	withIndex := api.New(api.Options{Reader: s})
	withoutIndex := api.New(api.Options{Reader: termless{s}})

	for _, f := range filters {
		scan := &store.Filter{Match: f.filter.Match}
		for _, rt := range rangeTypes {
			// The index must answer what the scan answers.
			a, e := window(0)
			got := findPage(b, s, store.TraceQuery{Start: a, End: e, RangeType: rt.rt, Filter: f.filter})
			want := findPage(b, s, store.TraceQuery{Start: a, End: e, RangeType: rt.rt, Filter: scan})
			if !slices.Equal(got, want) || len(got) != page {
				b.Fatalf("%s, %s: the index found %d traces, the scan %d, or they differ", f.name, rt.name, len(got), len(want))
			}
			b.Run(fmt.Sprintf("store/%s/%s/index", f.name, rt.name), func(b *testing.B) {
				measure(b, func(i int) int {
					a, e := window(i)
					return len(findPage(b, s, store.TraceQuery{Start: a, End: e, RangeType: rt.rt, Filter: f.filter}))
				})
			})
			if rt.rt == store.ByTraceID {
				b.Run(fmt.Sprintf("store/%s/%s/scan", f.name, rt.name), func(b *testing.B) {
					measure(b, func(i int) int {
						a, e := window(i)
						return len(findPage(b, s, store.TraceQuery{Start: a, End: e, RangeType: rt.rt, Filter: scan}))
					})
				})
			}
		}
		for _, c := range []struct {
			name string
			a    *api.API
		}{{"index", withIndex}, {"scan", withoutIndex}} {
			b.Run(fmt.Sprintf("api/%s/TraceId/%s", f.name, c.name), func(b *testing.B) {
				measure(b, func(i int) int {
					a, e := window(i)
					return getTraceSummaries(b, c.a, a, e, f.expr)
				})
			})
		}
	}
}

// measure runs one query per iteration and reports the median and 90th
// percentile latencies and the results per query.
func measure(b *testing.B, query func(i int) int) {
	b.ReportAllocs()
	var took []time.Duration
	results := 0
	for i := 0; b.Loop(); i++ {
		t := time.Now()
		results += query(i)
		took = append(took, time.Since(t))
	}
	slices.Sort(took)
	pct := func(p float64) float64 {
		return float64(took[min(len(took)-1, int(p*float64(len(took))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.5), "p50-ms")
	b.ReportMetric(pct(0.9), "p90-ms")
	b.ReportMetric(float64(results)/float64(len(took)), "results/op")
}

func findPage(b *testing.B, s store.Reader, q store.TraceQuery) []string {
	var ids []string
	err := s.FindTraces(context.Background(), q, func(sum *trace.Summary, _ store.Position) bool {
		ids = append(ids, sum.ID)
		return len(ids) < page
	})
	if err != nil {
		b.Fatal(err)
	}
	return ids
}

// getTraceSummaries asks for the first page and returns its size.
func getTraceSummaries(b *testing.B, a *api.API, start, end float64, expr string) int {
	body, _ := json.Marshal(map[string]any{"StartTime": start, "EndTime": end, "FilterExpression": expr})
	req := httptest.NewRequest(http.MethodPost, "/TraceSummaries", strings.NewReader(string(body)))
	rec := httptest.NewRecorder()
	a.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("GetTraceSummaries: %d %s", rec.Code, rec.Body.Bytes())
	}
	var out struct {
		TraceSummaries []json.RawMessage
		NextToken      string
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		b.Fatal(err)
	}
	if len(out.TraceSummaries) != api.SummariesPerPage || out.NextToken == "" {
		b.Fatalf("GetTraceSummaries: %d summaries, next token %q; want a full page and more", len(out.TraceSummaries), out.NextToken)
	}
	return len(out.TraceSummaries)
}

// termless is a reader that drops the filter's index terms, so that the API
// is measured as it would run without a term index.
type termless struct{ store.Reader }

func (r termless) FindTraces(ctx context.Context, q store.TraceQuery, fn func(*trace.Summary, store.Position) bool) error {
	if q.Filter != nil {
		f := *q.Filter
		f.Terms = nil
		q.Filter = &f
	}
	return r.Reader.FindTraces(ctx, q, fn)
}
