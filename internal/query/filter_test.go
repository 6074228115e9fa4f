package query

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/lightbox-tracing/lightbox/internal/filterexpr"
	"github.com/lightbox-tracing/lightbox/internal/trace"
	"github.com/lightbox-tracing/lightbox/segment"
)

func mustParse(tb testing.TB, s string) filterexpr.Expr {
	tb.Helper()
	e, err := filterexpr.Parse(s)
	if err != nil {
		tb.Fatalf("cannot parse %q: %v", s, err)
	}
	return e
}

func TestCompileFilterErrors(t *testing.T) {
	if _, err := CompileFilter(nil, FilterOptions{}); err == nil {
		t.Error("a nil expression compiled")
	}
	_, err := CompileFilter(mustParse(t, `group.name = "Default"`), FilterOptions{})
	if err == nil || !strings.Contains(err.Error(), `cannot resolve group.name = "Default": groups are not available here`) {
		t.Errorf("group reference without a lookup: err = %v", err)
	}
	// An AST Parse would never produce: a keyword out of its scope.
	bad := &filterexpr.Service{Block: &filterexpr.Bare{Field: filterexpr.Field{Keyword: filterexpr.KwUser}}}
	if _, err := CompileFilter(bad, FilterOptions{}); err == nil || !strings.Contains(err.Error(), "cannot evaluate user in a service() block") {
		t.Errorf("user in a service block: err = %v", err)
	}
}

// realisticSummaries returns n summaries of a shop: a front end calling an
// auth service, DynamoDB and a payment API, with users, annotations and a
// fault in auth in one trace of every faultEvery.
func realisticSummaries(tb testing.TB, n, faultEvery int) []*trace.Summary {
	tb.Helper()
	out := make([]*trace.Summary, n)
	for i := range n {
		id := fmt.Sprintf("1-65000000-%024x", i)
		t0 := 1700000000 + float64(i)*0.01
		at := func(off float64) string { return fmt.Sprintf("%.6f", t0+off) }
		fault, status := "false", 200
		if faultEvery > 0 && i%faultEvery == 0 {
			fault, status = "true", 500
		}
		docs := []string{
			`{"trace_id":"` + id + `","id":"a000000000000001","name":"front","origin":"AWS::EC2::Instance","start_time":` + at(0) + `,"end_time":` + at(0.5) + `,` +
				`"user":"user-` + fmt.Sprint(i%1000) + `","http":{"request":{"method":"GET","url":"https://shop.example.com/cart/` + fmt.Sprint(i%50) + `","user_agent":"Mozilla/5.0","client_ip":"203.0.113.7"},"response":{"status":200}},` +
				`"aws":{"account_id":"123456789012","ec2":{"instance_id":"i-0abc","availability_zone":"us-east-1a"}},` +
				`"annotations":{"user":"u` + fmt.Sprint(i%1000) + `","cart_items":` + fmt.Sprint(i%7) + `,"vip":` + fmt.Sprint(i%10 == 0) + `},` +
				`"subsegments":[{"id":"b000000000000001","name":"DynamoDB","namespace":"aws","start_time":` + at(0.01) + `,"end_time":` + at(0.05) + `,"http":{"response":{"status":200}},"aws":{"operation":"GetItem","table_name":"carts"}},` +
				`{"id":"b000000000000002","name":"auth.internal","namespace":"remote","start_time":` + at(0.06) + `,"end_time":` + at(0.3) + `,"fault":` + fault + `,"http":{"request":{"method":"POST","url":"http://auth.internal/check","traced":true},"response":{"status":` + fmt.Sprint(status) + `}}},` +
				`{"id":"b000000000000003","name":"payments.example.com","namespace":"remote","start_time":` + at(0.3) + `,"end_time":` + at(0.45) + `,"http":{"request":{"method":"POST","url":"https://payments.example.com/charge"},"response":{"status":201}}}]}`,
			`{"trace_id":"` + id + `","id":"a000000000000002","parent_id":"b000000000000002","name":"auth","origin":"AWS::ECS::Container","start_time":` + at(0.07) + `,"end_time":` + at(0.29) + `,"fault":` + fault + `,` +
				`"http":{"request":{"method":"POST","url":"http://auth.internal/check"},"response":{"status":` + fmt.Sprint(status) + `}},"annotations":{"tenant":"t` + fmt.Sprint(i%20) + `"},` +
				`"subsegments":[{"id":"b000000000000004","name":"tokens@db.internal","namespace":"remote","start_time":` + at(0.08) + `,"end_time":` + at(0.2) + `,"sql":{"url":"db.internal","database_type":"PostgreSQL"}},` +
				`{"id":"b000000000000005","name":"verify","start_time":` + at(0.2) + `,"end_time":` + at(0.28) + `,"fault":` + fault + `,"cause":{"exceptions":[{"id":"e000000000000001","type":"TokenError","message":"expired"}]}}]}`,
		}
		var parsed []*segment.Document
		for _, d := range docs {
			p, err := segment.Parse([]byte(d))
			if err != nil {
				tb.Fatalf("cannot parse generated document: %v", err)
			}
			parsed = append(parsed, p...)
		}
		out[i] = trace.Assemble(id, parsed).Summary()
	}
	return out
}

// benchFilters are the filters the benchmarks and allocation tests run;
// the first two are the benchmark queries.
var benchFilters = []struct{ name, expr string }{
	{"annotation", `annotation.user = "u7"`},
	{"service-fault", `service("auth") { fault }`},
	{"keywords", `responsetime > 0.4 AND http.url CONTAINS "/cart/1" AND !partial`},
	{"or", `user = "user-7" OR annotation.vip = true`},
	{"edge-block", `edge("front", "payments.example.com") { http.status = 201 AND responsetime > 0.1 }`},
	{"two-services", `service(id(type: "AWS::DynamoDB::Table")) { ok } AND service("auth") { http.url ENDSWITH "/check" }`},
	{"rc-exception", `rootcause.fault.exception { last AND message = "expired" }`},
	{"rc-coverage", `rootcause.responsetime.entity { last AND coverage > 0.5 }`},
	{"rc-json", `rootcause.json = #[{"Services":[{"Name":"front"},{"Name":"auth","EntityPath":[{"Name":"auth"},{"Name":"verify"}]}]}]`},
	{"group", `group.name = "Default" AND annotation.tenant BEGINSWITH "t1"`},
}

func defaultGroupOnly(ref *filterexpr.Group) (filterexpr.Expr, error) {
	if !ref.ByARN && ref.Value == "Default" {
		return nil, nil
	}
	return nil, fmt.Errorf("group %q does not exist", ref.Value)
}

func compileAllFilters(tb testing.TB) []func(*trace.Summary) bool {
	tb.Helper()
	var out []func(*trace.Summary) bool
	for _, bf := range benchFilters {
		f, err := CompileFilter(mustParse(tb, bf.expr), FilterOptions{Group: defaultGroupOnly})
		if err != nil {
			tb.Fatalf("cannot compile %s: %v", bf.expr, err)
		}
		out = append(out, f.Match)
	}
	return out
}

// Match runs on up to a million summaries per query: it must not allocate.
func TestMatchAllocatesNothing(t *testing.T) {
	sums := realisticSummaries(t, 20, 3)
	for i, m := range compileAllFilters(t) {
		allocs := testing.AllocsPerRun(10, func() {
			for _, s := range sums {
				m(s)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per run over %d summaries, want 0", benchFilters[i].expr, allocs, len(sums))
		}
	}
}

// The benchmark queries select what they should from the generated
// summaries, so the figures measure real work.
func TestBenchmarkQueriesMatch(t *testing.T) {
	sums := realisticSummaries(t, 2000, 1000)
	ms := compileAllFilters(t)[:2]
	for i, want := range []int{2, 2} { // users u7 at 7 and 1007; faults at 0 and 1000
		got := 0
		for _, s := range sums {
			if ms[i](s) {
				got++
			}
		}
		if got != want {
			t.Errorf("%s matched %d of %d, want %d", benchFilters[i].expr, got, len(sums), want)
		}
	}
}

// One compiled filter serves concurrent scans (run with -race).
func TestMatchConcurrent(t *testing.T) {
	sums := realisticSummaries(t, 50, 5)
	ms := compileAllFilters(t)
	want := make([]int, len(ms))
	for i, m := range ms {
		for _, s := range sums {
			if m(s) {
				want[i]++
			}
		}
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i, m := range ms {
				got := 0
				for _, s := range sums {
					if m(s) {
						got++
					}
				}
				if got != want[i] {
					t.Errorf("%s: %d matches concurrently, %d alone", benchFilters[i].expr, got, want[i])
				}
			}
		})
	}
	wg.Wait()
}

var matchSink int

// BenchmarkMatch is one Match over one realistic summary (4 services, 2
// documents, 10 entities) per operation.
func BenchmarkMatch(b *testing.B) {
	sums := realisticSummaries(b, 1000, 1000)
	ms := compileAllFilters(b)
	for i, m := range ms {
		b.Run(benchFilters[i].name, func(b *testing.B) {
			b.ReportAllocs()
			n, hits := 0, 0
			for b.Loop() {
				if m(sums[n%len(sums)]) {
					hits++
				}
				n++
			}
			matchSink = hits
		})
	}
}
