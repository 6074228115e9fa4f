package api

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/xray"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/lightbox-tracing/lightbox/internal/store/local"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// env is one API over a real embedded store on disk, served on loopback,
// with the real aws-sdk-go-v2 X-Ray client pointed at it.
type env struct {
	t      *testing.T
	store  *local.Store
	api    *API
	srv    *httptest.Server
	client *xray.Client
	reg    *prometheus.Registry
}

// newEnv starts an env; tweak adjusts the API options before New.
func newEnv(t testing.TB, tweak ...func(*Options)) *env {
	t.Helper()
	st, err := local.Open(local.Options{Dir: t.TempDir(), AssembleDelay: time.Millisecond, RetentionInterval: -1})
	if err != nil {
		t.Fatalf("cannot open store: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("cannot close store: %v", err)
		}
	})
	reg := prometheus.NewRegistry()
	opts := Options{Reader: st, Writer: st, Registerer: reg, Now: func() time.Time { return time.Unix(1700000000, 0) }}
	for _, f := range tweak {
		f(&opts)
	}
	a := New(opts)
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	e := &env{store: st, api: a, srv: srv, reg: reg}
	if tt, ok := t.(*testing.T); ok {
		e.t = tt
	}
	e.client = newClient(srv.URL + a.opts.PathPrefix)
	return e
}

func newClient(endpoint string) *xray.Client {
	return xray.New(xray.Options{
		BaseEndpoint: aws.String(endpoint),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDLIGHTBOX", "secret", ""),
		// A retried 5xx would hide the first failure.
		Retryer:    aws.NopRetryer{},
		HTTPClient: &http.Client{Transport: bufferedBody{http.DefaultTransport}},
	})
}

// bufferedBody works around a client-side race between aws-sdk-go-v2 and
// net/http (aws/aws-sdk-go-v2#1825, #2737) that made about one call in a
// hundred fail with "deserialization failed ... use of closed network
// connection" on responses larger than the client's read buffer. net/http
// streams a request body of unknown kind straight to the socket, then
// reads it once more to check that it has ended; the server can answer in
// between, and the SDK closes the body as soon as the response headers
// arrive, so that final read fails and the transport closes the
// connection under the response being read. The server is not involved:
// handing net/http an in-memory body, which it buffers and checks without
// the SDK's wrapper, takes the race away.
type bufferedBody struct{ base http.RoundTripper }

func (t bufferedBody) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return t.base.RoundTrip(r)
	}
	b, err := io.ReadAll(r.Body)
	_ = r.Body.Close()
	if err != nil {
		return nil, err
	}
	r = r.Clone(r.Context())
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	return t.base.RoundTrip(r)
}

// put stores documents through PutTraceSegments and waits until they are
// summarized.
func (e *env) put(t testing.TB, docs ...string) {
	t.Helper()
	ctx := context.Background()
	for len(docs) > 0 {
		n := min(len(docs), MaxDocumentsPerPut)
		out, err := e.client.PutTraceSegments(ctx, &xray.PutTraceSegmentsInput{TraceSegmentDocuments: docs[:n]})
		if err != nil {
			t.Fatalf("PutTraceSegments: %v", err)
		}
		if len(out.UnprocessedTraceSegments) > 0 {
			u := out.UnprocessedTraceSegments[0]
			t.Fatalf("PutTraceSegments refused %d documents, first: %s %s", len(out.UnprocessedTraceSegments), aws.ToString(u.ErrorCode), aws.ToString(u.Message))
		}
		docs = docs[n:]
	}
	if err := e.store.Sync(ctx); err != nil {
		t.Fatalf("cannot sync store: %v", err)
	}
}

// post sends a raw request, the way clients other than the Go SDK do, and
// returns the status, headers and body.
func (e *env) post(t testing.TB, path string, body io.Reader, header map[string]string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("cannot read response: %v", err)
	}
	return resp.StatusCode, resp.Header, b
}

// traceID makes a trace ID with the given epoch; n makes it unique.
func traceID(epoch int64, n int) string {
	return fmt.Sprintf("1-%08x-%024x", epoch, n)
}

// segID makes a segment ID.
func segID(n int) string { return fmt.Sprintf("%016x", n) }

// doc renders a segment document; extra holds more members (with a
// leading comma).
func doc(tid, id, name string, start, end float64, extra string) string {
	return fmt.Sprintf(`{"trace_id":%q,"id":%q,"name":%q,"start_time":%.6f,"end_time":%.6f%s}`, tid, id, name, start, end, extra)
}

// shopTrace is a complete trace: a root segment of service "shop" on EC2
// with an annotated, user-carrying request, a DynamoDB call (inferred
// node) and an HTTP call to service "payments", which sends its own
// segment. status is the root's HTTP status.
func shopTrace(tid string, start float64, status int) []string {
	flags := ""
	switch {
	case status >= 500:
		flags = `,"fault":true`
	case status == 429:
		flags = `,"error":true,"throttle":true`
	case status >= 400:
		flags = `,"error":true`
	}
	root := doc(tid, segID(1), "shop", start, start+0.5, flags+fmt.Sprintf(`,"origin":"AWS::EC2::Instance","user":"alice","resource_arn":"arn:aws:ec2:us-east-1:123456789012:instance/i-0abc",`+
		`"aws":{"account_id":"123456789012","ec2":{"instance_id":"i-0abc","availability_zone":"us-east-1a"}},`+
		`"http":{"request":{"method":"GET","url":"https://shop.example.com/cart","user_agent":"curl/8","client_ip":"192.0.2.1"},"response":{"status":%d}},`+
		`"annotations":{"cart_size":3,"premium":true,"region":"eu"},`+
		`"subsegments":[`+
		`{"id":%q,"name":"DynamoDB","namespace":"aws","start_time":%.6f,"end_time":%.6f,"aws":{"operation":"GetItem","table_name":"carts"},"http":{"response":{"status":200}}},`+
		`{"id":%q,"name":"payments","namespace":"remote","start_time":%.6f,"end_time":%.6f,"http":{"request":{"method":"POST","url":"http://payments/charge","traced":true},"response":{"status":200}}}]`,
		status, segID(2), start+0.01, start+0.06, segID(3), start+0.1, start+0.4))
	pay := doc(tid, segID(4), "payments", start+0.11, start+0.39, fmt.Sprintf(`,"parent_id":%q,"http":{"request":{"method":"POST","url":"http://payments/charge"},"response":{"status":200}}`, segID(3)))
	return []string{root, pay}
}

// golden compares body (JSON) with testdata/name after re-indenting it;
// -update rewrites the file.
func golden(t *testing.T, name string, body []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, body, "", "  "); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, body)
	}
	buf.WriteByte('\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("cannot read golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("%s differs from the golden file (rerun with -update after checking)\ngot:\n%s", name, buf.Bytes())
	}
}

func jsonBody(s string) io.Reader { return strings.NewReader(s) }
