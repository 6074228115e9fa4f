package server_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsxray "github.com/aws/aws-sdk-go-v2/service/xray"

	"github.com/lightbox-tracing/lightbox/internal/server"
	"github.com/lightbox-tracing/lightbox/internal/servertest"
)

// The console shares the API's port: its screens are GETs, the API's
// operations POSTs, and /healthz and /metrics stay where they were.
func TestConsoleAndAPIShareThePort(t *testing.T) {
	srv := servertest.Start(t, server.Config{})
	base := "http://" + srv.TCPAddr().String()
	get := func(path string) (int, string, http.Header) {
		t.Helper()
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), res.Header
	}
	for _, p := range []string{"/", "/map", "/traces?filter=fault&range=1h", "/traces/1-5f84c7a4-0123456789abcdef01234567", "/analytics", "/groups", "/sampling"} {
		code, body, hdr := get(p)
		if code != 200 || !strings.Contains(body, `id="app"`) || !strings.Contains(hdr.Get("Content-Security-Policy"), "script-src 'self'") {
			t.Errorf("GET %s: %d %.60q CSP %q", p, code, body, hdr.Get("Content-Security-Policy"))
		}
	}
	if code, body, _ := get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	if code, body, _ := get("/metrics"); code != 200 || !strings.Contains(body, "go_goroutines") {
		t.Errorf("/metrics: %d", code)
	}
	// A GET of an API path is neither the console's nor an operation.
	if code, body, _ := get("/TraceSummaries"); code != 404 || !strings.Contains(body, "UnknownOperationException") {
		t.Errorf("GET /TraceSummaries: %d %q", code, body)
	}
}

// A browser page on another site cannot make the API change anything (or
// read through it): requests marked cross-site by Sec-Fetch-Site or by a
// foreign Origin are refused. The console's own requests (same-origin) and
// the AWS CLI/SDKs (which send neither header) pass.
func TestCrossSiteRequestsAreRefused(t *testing.T) {
	srv := servertest.Start(t, server.Config{})
	base := "http://" + srv.TCPAddr().String()
	post := func(path, body string, header map[string]string) int {
		t.Helper()
		req, err := http.NewRequest("POST", base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	group := func(name string) string { return `{"GroupName":"` + name + `","FilterExpression":"fault"}` }

	refused := []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Sec-Fetch-Site": "same-site"},
		{"Origin": "http://evil.example"},
	}
	for i, h := range refused {
		if code := post("/CreateGroup", group("refused"+string(rune('a'+i))), h); code != http.StatusForbidden {
			t.Errorf("CreateGroup with %v: %d, want 403", h, code)
		}
	}
	allowed := []map[string]string{
		{"Sec-Fetch-Site": "same-origin", "Origin": base},
		{"Origin": base},
		{}, // curl, the AWS CLI, SDKs
	}
	for i, h := range allowed {
		if code := post("/CreateGroup", group("allowed"+string(rune('a'+i))), h); code != http.StatusOK {
			t.Errorf("CreateGroup with %v: %d, want 200", h, code)
		}
	}

	// The real aws-sdk-go-v2 client changes and reads through the same port.
	xc := servertest.XRayClient(srv)
	ctx := context.Background()
	if _, err := xc.CreateGroup(ctx, &awsxray.CreateGroupInput{GroupName: aws.String("sdk"), FilterExpression: aws.String("error")}); err != nil {
		t.Fatalf("SDK CreateGroup: %v", err)
	}
	out, err := xc.GetGroups(ctx, &awsxray.GetGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range out.Groups {
		names = append(names, aws.ToString(g.GroupName))
	}
	got := strings.Join(names, ",")
	for _, want := range []string{"alloweda", "allowedb", "allowedc", "sdk"} {
		if !strings.Contains(got, want) {
			t.Errorf("groups %s: %s missing", got, want)
		}
	}
	if strings.Contains(got, "refused") {
		t.Errorf("groups %s: a refused request created a group", got)
	}
}

// A second server on a data directory in use fails with an error (it used
// to panic while closing what it had opened).
func TestSecondServerOnSameDataDirFails(t *testing.T) {
	dir := t.TempDir()
	servertest.Start(t, server.Config{DataDir: dir})
	srv, err := server.New(servertest.Config(t, server.Config{DataDir: dir}))
	if err == nil {
		srv.Shutdown(context.Background())
		t.Fatal("a second server opened a data directory in use")
	}
}
