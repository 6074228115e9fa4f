package console

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func serve(t *testing.T, method, path string, header map[string]string) *http.Response {
	t.Helper()
	mux := http.NewServeMux()
	h := New()
	for _, p := range Patterns {
		mux.Handle(p, h)
	}
	req := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Every screen's path answers the single page, with a CSP that allows only
// the console's own scripts, and is revalidated on each load.
func TestScreensServeIndex(t *testing.T) {
	for _, path := range []string{"/", "/map", "/traces", "/traces?filter=fault&range=1h", "/traces/1-5f84c7a4-0123456789abcdef01234567", "/analytics", "/groups", "/sampling"} {
		r := serve(t, "GET", path, nil)
		b := body(t, r)
		if r.StatusCode != 200 || !strings.Contains(b, `<div id="app">`) {
			t.Errorf("GET %s: %d, body %.80q", path, r.StatusCode, b)
			continue
		}
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("GET %s: CSP %q", path, csp)
		}
		if cc := r.Header.Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("GET %s: Cache-Control %q, want no-cache", path, cc)
		}
		if ct := r.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("GET %s: Content-Type %q", path, ct)
		}
	}
}

// Paths that are not screens are not the console's: the mux answers 404
// (the API answers them in the server).
func TestUnknownPathsAreNotServed(t *testing.T) {
	for _, path := range []string{"/nope", "/traces/a/b", "/assets/missing.js", "/assets/x.js.gz", "/source-hash.txt"} {
		if r := serve(t, "GET", path, nil); r.StatusCode != 404 {
			t.Errorf("GET %s: %d, want 404", path, r.StatusCode)
		}
	}
}

// Hashed assets are cached for a year and come precompressed when the
// client takes it; a client that takes neither gets the plain file.
func TestAssetsAreCachedAndPrecompressed(t *testing.T) {
	index := body(t, serve(t, "GET", "/", nil))
	m := regexp.MustCompile(`src="(/assets/index-[^"]+\.js)"`).FindStringSubmatch(index)
	if m == nil {
		t.Fatalf("index.html names no entry script: %s", index)
	}
	script := m[1]

	plain := serve(t, "GET", script, nil)
	plainBody := body(t, plain)
	if plain.StatusCode != 200 || plain.Header.Get("Content-Encoding") != "" || !strings.Contains(plain.Header.Get("Content-Type"), "javascript") {
		t.Fatalf("plain %s: %d %v", script, plain.StatusCode, plain.Header)
	}
	if cc := plain.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("Cache-Control %q", cc)
	}

	br := serve(t, "GET", script, map[string]string{"Accept-Encoding": "gzip, deflate, br"})
	if br.Header.Get("Content-Encoding") != "br" || br.Header.Get("Vary") != "Accept-Encoding" {
		t.Errorf("with br accepted: %v", br.Header)
	}
	if n := len(body(t, br)); n >= len(plainBody) {
		t.Errorf("brotli body %d bytes, plain %d", n, len(plainBody))
	}

	gz := serve(t, "GET", script, map[string]string{"Accept-Encoding": "gzip, br;q=0"})
	if gz.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("with br refused: %v", gz.Header)
	}
	zr, err := gzip.NewReader(gz.Body)
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil || string(unzipped) != plainBody {
		t.Errorf("gzip copy does not match the plain script (err %v)", err)
	}
}

func TestAcceptsEncoding(t *testing.T) {
	f := func(header, coding string, want bool) {
		t.Helper()
		if got := acceptsEncoding(header, coding); got != want {
			t.Errorf("acceptsEncoding(%q, %q) = %v, want %v", header, coding, got, want)
		}
	}
	f("", "gzip", false)
	f("gzip", "gzip", true)
	f("GZIP;q=0.5", "gzip", true)
	f("gzip;q=0", "gzip", false)
	f("deflate, br", "gzip", false)
	f("deflate, br", "br", true)
	f("br ; q=0", "br", false)
}

// index.html carries the build's ETag; a browser holding it gets 304.
func TestIndexRevalidates(t *testing.T) {
	r := serve(t, "GET", "/traces", nil)
	etag := r.Header.Get("ETag")
	if etag == "" || !strings.HasPrefix(etag, `"`+SourceHash()[:16]) {
		t.Fatalf("ETag %q, source hash %s", etag, SourceHash())
	}
	if r := serve(t, "GET", "/map", map[string]string{"If-None-Match": etag}); r.StatusCode != http.StatusNotModified {
		t.Errorf("with If-None-Match %s: %d, want 304", etag, r.StatusCode)
	}
	if r := serve(t, "GET", "/map", map[string]string{"If-None-Match": `"other"`}); r.StatusCode != 200 {
		t.Errorf("with a stale ETag: %d, want 200", r.StatusCode)
	}
}
