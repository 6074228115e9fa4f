//go:build bench1m

package bench1m

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/store/local"
	"github.com/lightbox-tracing/lightbox/segment"
)

// The dataset: numTraces traces of docsPerTrace documents, starting evenly
// over the hour from hourStart (2026-01-01T00:00:00Z).
const (
	numTraces    = 1_000_000
	docsPerTrace = 10
	hourStart    = 1767225600.0
	hour         = 3600.0
	// datasetVersion changes whenever the generator or the engine's format
	// changes, so that a stale cached dataset is rebuilt.
	datasetVersion = "lightbox-bench-1m v2 (store format 2, trace tables)"
	stampFile      = "BENCH-DATASET"
)

// Rates of the traces the benchmark filters find.
const (
	userXOneIn     = 1000 // annotation.user = "x": 0.1 %
	authFaultOneIn = 200  // service("auth") { fault }: 0.5 %
)

var (
	fronts = []string{"web-frontend", "mobile-gateway", "checkout", "catalog-web", "partner-api"}
	downs  = []string{"orders-api", "inventory", "payments", "pricing", "shipping"}
	paths  = []string{"/cart", "/checkout", "/products/4711", "/cart/items/12", "/orders?page=2"}
)

func storeOptions(dir string) local.Options {
	return local.Options{Dir: dir, Retention: 100 * 365 * 24 * time.Hour, RetentionInterval: -1}
}

// datasetDir returns the directory of a complete dataset, building it when
// it is missing or was built by another version.
func datasetDir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("LIGHTBOX_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "lightbox-bench-1m")
	}
	if b, err := os.ReadFile(filepath.Join(dir, stampFile)); err == nil && string(b) == datasetVersion {
		return dir
	}
	if err := os.RemoveAll(dir); err != nil {
		tb.Fatalf("cannot remove stale dataset: %v", err)
	}
	build(tb, dir)
	if err := os.WriteFile(filepath.Join(dir, stampFile), []byte(datasetVersion), 0o644); err != nil {
		tb.Fatalf("cannot stamp dataset: %v", err)
	}
	return dir
}

// build writes the dataset through WriteSegments, as ingest would: traces in
// time order, a trace's ten documents in one batch of 20 traces, by four
// concurrent writers; then waits for every summary.
func build(tb testing.TB, dir string) {
	tb.Helper()
	s, err := local.Open(storeOptions(filepath.Join(dir, "store")))
	if err != nil {
		tb.Fatal(err)
	}
	defer func() {
		if err := s.Close(); err != nil {
			tb.Fatal(err)
		}
	}()
	const perBatch, writers = 20, 4
	ctx := context.Background()
	var next, done atomic.Int64
	var bytes atomic.Int64
	began := time.Now()
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				n := done.Load()
				el := time.Since(began).Seconds()
				fmt.Fprintf(os.Stderr, "bench1m: %7d/%d traces (%4.1f%%) in %4.0f s: %6.0f docs/s, %.1f GB, %d traces waiting for assembly\n",
					n, numTraces, 100*float64(n)/numTraces, el, float64(n*docsPerTrace)/el, float64(bytes.Load())/1e9, s.Stats().PendingTraces)
			}
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				first := next.Add(perBatch) - perBatch
				if first >= numTraces {
					return
				}
				var batch []*segment.Document
				for i := first; i < min(first+perBatch, numTraces); i++ {
					for _, raw := range genTrace(int(i)) {
						docs, err := segment.Parse(raw)
						if err != nil {
							errs <- fmt.Errorf("generated document is invalid: %v\n%s", err, raw)
							return
						}
						batch = append(batch, docs...)
						bytes.Add(int64(len(raw)))
					}
				}
				if err := s.WriteSegments(ctx, batch); err != nil {
					errs <- err
					return
				}
				done.Add(int64(len(batch) / docsPerTrace))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		close(stop)
		tb.Fatal(err)
	}
	written := time.Since(began)
	if err := s.Sync(ctx); err != nil {
		close(stop)
		tb.Fatal(err)
	}
	close(stop)
	fmt.Fprintf(os.Stderr, "bench1m: wrote %d documents (%.1f GB) in %v (%.0f docs/s), all summarized after %v\n",
		numTraces*docsPerTrace, float64(bytes.Load())/1e9, written.Round(time.Second),
		numTraces*docsPerTrace/written.Seconds(), time.Since(began).Round(time.Second))
}

// traceStart is when trace i starts: evenly over the hour.
func traceStart(i int) float64 { return hourStart + float64(i)*hour/numTraces }

// traceKind says which of the benchmark's filters trace i matches; the
// rest of its shape is drawn from a generator seeded by i, so the dataset
// is the same whatever the writers' interleaving.
func traceKind(i int) (userX, authFault bool) {
	rng := rand.New(rand.NewPCG(uint64(i), 0xbe7c))
	return rng.IntN(userXOneIn) == 0, rng.IntN(authFaultOneIn) == 0
}

// genTrace returns the ten documents of trace i, shaped on what
// aws-xray-sdk-go sends for three instrumented services: a front end
// (HTTP, user, annotations) calling the auth service, a downstream service
// and DynamoDB; the auth service's segment; the downstream service's
// segment with a SQL and an S3 call; seven SQS subsegments it streamed
// separately. About 6 KB in all.
// The documents keep their bytes (Document.Raw), so each trace gets its
// own buffer.
func genTrace(i int) [][]byte {
	userX, authFault := traceKind(i)
	rng := rand.New(rand.NewPCG(uint64(i), 0x5eed))
	start := traceStart(i)
	var tid segment.TraceID
	binary.BigEndian.PutUint32(tid[:4], uint32(start))
	binary.BigEndian.PutUint64(tid[4:12], rng.Uint64())
	binary.BigEndian.PutUint32(tid[12:], rng.Uint32())
	id := func() string { return fmt.Sprintf("%016x", rng.Uint64()|1) }
	front, authCall, downCall, dyn, auth, down, sql, s3 := id(), id(), id(), id(), id(), id(), id(), id()
	fname, dname := fronts[rng.IntN(len(fronts))], downs[rng.IntN(len(downs))]
	ms := func(x float64) float64 { return x / 1000 }
	authErr := !authFault && rng.IntN(100) == 0
	user := fmt.Sprintf("u%05d", rng.IntN(100000))
	if userX {
		user = "x"
	}

	b := make([]byte, 0, 8<<10)
	var out [][]byte
	add := func() {
		out = append(out, b[:len(b):len(b)])
		b = b[len(b):]
	}
	// The auth service's segment.
	aStart, aEnd := start+ms(0.4), start+ms(2+3*rng.Float64())
	status, flags := 200, ""
	switch {
	case authFault:
		status, flags = 500, `"fault":true,"cause":{"working_directory":"/srv/auth","exceptions":[{"id":"5e1f00d2a9c3b471","type":"*errors.errorString","message":"token store unavailable"}]},`
	case authErr:
		status, flags = 401, `"error":true,`
	}
	b = fmt.Appendf(b, `{"trace_id":%q,"id":%q,"parent_id":%q,"name":"auth","start_time":%.6f,"end_time":%.6f,"origin":"AWS::ECS::Container",`+
		`"http":{"request":{"method":"POST","url":"http://auth.internal:8080/verify","client_ip":"10.0.%d.%d","user_agent":"Go-http-client/1.1"},"response":{"status":%d,"content_length":%d}},%s`+
		`"aws":{"ecs":{"container":"auth-5c7d%04x","availability_zone":"us-east-1b"},"xray":{"sdk_version":"1.8.5","sdk":"X-Ray for Go"}},"metadata":{"auth":{"method":"jwt","cached":%t}}}`,
		tid.String(), auth, authCall, aStart, aEnd, rng.IntN(8), 2+rng.IntN(250), status, 40+rng.IntN(200), flags, rng.IntN(1<<16), rng.IntN(2) == 0)
	add()

	// Seven SQS subsegments streamed by the downstream service.
	dStart := aEnd + ms(0.5)
	at := dStart + ms(30)
	for k := range 7 {
		d := ms(0.5 + 4*rng.Float64())
		b = fmt.Appendf(b, `{"trace_id":%q,"id":%q,"parent_id":%q,"type":"subsegment","name":"SQS","namespace":"aws","start_time":%.6f,"end_time":%.6f,`+
			`"http":{"response":{"status":200}},"aws":{"operation":"SendMessage","region":"us-east-1","queue_url":"https://sqs.us-east-1.amazonaws.com/123456789012/receipts-%d",`+
			`"message_id":"%08x-%04x-4%03x-a%03x-%012x","request_id":"%016x","retries":0},"annotations":{"pages":%d,"template":"receipt-v3"},"metadata":{"render":{"engine":"pdfgen","dpi":300}}}`,
			tid.String(), id(), down, at, at+d, k, rng.Uint32(), rng.IntN(1<<16), rng.IntN(1<<12), rng.IntN(1<<12), rng.Uint64()>>16, rng.Uint64(), 1+rng.IntN(4))
		add()
		at += d + ms(0.2)
	}

	// The downstream service's segment, with its SQL and S3 calls.
	dEnd := at + ms(1)
	sqlStart, sqlEnd := dStart+ms(0.5), dStart+ms(2+20*rng.Float64())
	b = fmt.Appendf(b, `{"trace_id":%q,"id":%q,"parent_id":%q,"name":%q,"start_time":%.6f,"end_time":%.6f,"origin":"AWS::ECS::Container",`+
		`"http":{"request":{"method":"POST","url":"http://%s.internal:8080/orders","client_ip":"10.0.%d.%d","user_agent":"Go-http-client/1.1","x_forwarded_for":true},"response":{"status":200,"content_length":%d}},`+
		`"aws":{"ecs":{"container":"%s-7f9c%04x","availability_zone":"us-east-1b"},"xray":{"sdk_version":"1.8.5","sdk":"X-Ray for Go"}},`+
		`"service":{"version":"2.3.1","runtime":"gc","runtime_version":"go1.26.8"},"annotations":{"order_type":%q,"items":%d},"subsegments":[`+
		`{"id":%q,"name":"orders@db.internal","namespace":"remote","start_time":%.6f,"end_time":%.6f,"sql":{"url":"postgresql://db.internal:5432/orders",`+
		`"sanitized_query":"SELECT id, status, total FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 20","database_type":"PostgreSQL","database_version":"16.2","user":"orders_app"}},`+
		`{"id":%q,"name":"S3","namespace":"aws","start_time":%.6f,"end_time":%.6f,"http":{"response":{"status":200}},"aws":{"operation":"PutObject","region":"us-east-1","bucket_name":"%s-receipts","key":"receipts/2026/01/%08x.pdf","request_id":"%016X","retries":0}}]}`,
		tid.String(), down, downCall, dname, dStart, dEnd, dname, rng.IntN(8), 2+rng.IntN(250), 120+rng.IntN(900), dname, rng.IntN(1<<16),
		[]string{"standard", "express", "gift"}[rng.IntN(3)], 1+rng.IntN(9), sql, sqlStart, sqlEnd, s3, sqlEnd+ms(0.2), sqlEnd+ms(5+20*rng.Float64()), dname, rng.Uint32(), rng.Uint64())
	add()

	// The front end's segment, sent last as SDKs do, with its three calls.
	dynStart := dEnd + ms(0.5)
	dynEnd := dynStart + ms(2+10*rng.Float64())
	end := dynEnd + ms(1)
	fstatus, fflags := 200, ""
	if authFault {
		fstatus, fflags = 502, `"fault":true,`
	}
	b = fmt.Appendf(b, `{"trace_id":%q,"id":%q,"name":%q,"start_time":%.6f,"end_time":%.6f,"origin":"AWS::EC2::Instance","user":"user-%d",`+
		`"http":{"request":{"method":"GET","url":"https://%s.example.com%s","client_ip":"203.0.113.%d","user_agent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"},"response":{"status":%d,"content_length":%d}},%s`+
		`"aws":{"ec2":{"instance_id":"i-0%015x","availability_zone":"us-east-1a"},"xray":{"sdk_version":"1.8.5","sdk":"X-Ray for Go"}},`+
		`"annotations":{"customer_tier":%q,"cart_items":%d,"ab_test":%t,"user":%q},"subsegments":[`+
		`{"id":%q,"name":"auth","namespace":"remote","start_time":%.6f,"end_time":%.6f,"http":{"request":{"method":"POST","url":"http://auth.internal:8080/verify","traced":true},"response":{"status":%d}}},`+
		`{"id":%q,"name":%q,"namespace":"remote","start_time":%.6f,"end_time":%.6f,"http":{"request":{"method":"POST","url":"http://%s.internal:8080/orders","traced":true},"response":{"status":200}}},`+
		`{"id":%q,"name":"DynamoDB","namespace":"aws","start_time":%.6f,"end_time":%.6f,"http":{"response":{"status":200}},"aws":{"operation":"GetItem","region":"us-east-1","table_name":"sessions","request_id":"%016X%016X","retries":0}}]}`,
		tid.String(), front, fname, start, end, rng.IntN(5000), fname, paths[rng.IntN(len(paths))], 1+rng.IntN(254), fstatus, 200+rng.IntN(4000), fflags,
		rng.Uint64()>>4, []string{"gold", "silver", "free"}[rng.IntN(3)], rng.IntN(12), rng.IntN(2) == 0, user,
		authCall, start+ms(0.2), aEnd+ms(0.2), status, downCall, dname, dStart-ms(0.3), dEnd+ms(0.3), dname, dyn, dynStart, dynEnd, rng.Uint64(), rng.Uint64())
	add()
	return out
}
