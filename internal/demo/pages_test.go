package demo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// segmentSink is a UDP socket standing in for the daemon: it keeps every
// segment document the SDK sends.
type segmentSink struct {
	conn net.PacketConn
	mu   sync.Mutex
	docs []map[string]any
	done chan struct{}
}

func newSegmentSink(t *testing.T) *segmentSink {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &segmentSink{conn: conn, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		buf := make([]byte, 64<<10)
		for {
			n, _, err := conn.ReadFrom(buf)
			if err != nil {
				return
			}
			_, body, _ := bytes.Cut(buf[:n], []byte("\n"))
			var doc map[string]any
			if json.Unmarshal(body, &doc) == nil {
				s.mu.Lock()
				s.docs = append(s.docs, doc)
				s.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		conn.Close()
		<-s.done
	})
	return s
}

// find waits for a segment of the named service whose request URL ends
// with path and method matches.
func (s *segmentSink) find(t *testing.T, service, method, path string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.mu.Lock()
		for _, d := range s.docs {
			req, _ := d["http"].(map[string]any)["request"].(map[string]any)
			if d["name"] == service && req["method"] == method && strings.HasSuffix(fmt.Sprint(req["url"]), path) {
				s.mu.Unlock()
				return d
			}
		}
		s.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("no %s segment for %s %s", service, method, path)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// browser is a person's browser: cookies kept, redirects shown rather than
// followed, so each step can be checked.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

type page struct {
	status   int
	location string
	ctype    string
	body     string
}

func newBrowser(t *testing.T, base string) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	tr := newTransport()
	t.Cleanup(tr.CloseIdleConnections)
	return &browser{t: t, base: base, c: &http.Client{Jar: jar, Transport: tr, CheckRedirect: noRedirects, Timeout: 20 * time.Second}}
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return page{resp.StatusCode, resp.Header.Get("Location"), resp.Header.Get("Content-Type"), string(body)}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.base+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (b *browser) upload(name string, data []byte) page {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("photo", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.base+"/upload", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

func expect(t *testing.T, step string, p page, status int, location string, contains ...string) {
	t.Helper()
	if p.status != status || (location != "" && p.location != location) {
		t.Fatalf("%s: status %d location %q, want %d %q\n%s", step, p.status, p.location, status, location, p.body)
	}
	for _, c := range contains {
		if !strings.Contains(p.body, c) {
			t.Fatalf("%s: page lacks %q:\n%s", step, c, p.body)
		}
	}
}

// A person's visit: log in (once wrongly), upload, look at the photo and
// the list, log out; and the X-Ray SDK reports each request.
func TestBrowserLoginUploadList(t *testing.T) {
	checkGoroutines(t)
	sink := newSegmentSink(t)
	d := startDemo(t, Config{DaemonAddr: sink.conn.LocalAddr().String(), ThrottleRate: -1, S3FaultRate: -1, LatencyScale: 0.01, Users: 2})
	b := newBrowser(t, d.URL())

	expect(t, "home without a session", b.get("/"), 303, "/login")
	expect(t, "photos without a session", b.get("/photos"), 303, "/login")
	expect(t, "login page", b.get("/login"), 200, "", `<form method="post" action="/login">`, "admin@admin.com", "Password123")
	expect(t, "wrong password", b.post("/login", url.Values{"email": {"admin@admin.com"}, "password": {"password123"}}), 401, "", "Wrong email or password.", `value="admin@admin.com"`)
	expect(t, "unknown user", b.post("/login", url.Values{"email": {"nobody@admin.com"}, "password": {"Password123"}}), 401, "", "Wrong email or password.")
	expect(t, "login", b.post("/login", url.Values{"email": {"admin@admin.com"}, "password": {"Password123"}}), 303, "/photos")
	expect(t, "home with a session", b.get("/"), 303, "/photos")
	expect(t, "no photos yet", b.get("/photos"), 200, "", "No photos yet", "admin@admin.com", "Log out")
	expect(t, "upload form", b.get("/upload"), 200, "", `enctype="multipart/form-data"`, `name="photo"`)

	png, err := encodePhoto(generatePhoto("beach", 640, 480, 7), "png")
	if err != nil {
		t.Fatal(err)
	}
	up := b.upload("beach.png", png)
	expect(t, "upload", up, 303, "")
	if !regexp.MustCompile(`^/photos/\d+$`).MatchString(up.location) {
		t.Fatalf("upload redirected to %q, want /photos/<id>", up.location)
	}
	expect(t, "photo page", b.get(up.location), 200, "", "640×480", "png", up.location+"/image", `class="tag">Sky<`)
	for _, c := range []struct {
		query         string
		width, height int
	}{{"?size=thumb", 320, 240}, {"", 640, 480}} {
		img := b.get(up.location + "/image" + c.query)
		expect(t, "image"+c.query, img, 200, "")
		cfg, format, err := image.DecodeConfig(strings.NewReader(img.body))
		if err != nil || format != "png" || img.ctype != "image/png" || cfg.Width != c.width || cfg.Height != c.height {
			t.Errorf("image%s: %s %dx%d (%s, %v), want png %dx%d", c.query, format, cfg.Width, cfg.Height, img.ctype, err, c.width, c.height)
		}
	}
	gen := b.post("/upload", url.Values{"generate": {"1"}})
	expect(t, "upload a generated photo", gen, 303, "")
	expect(t, "my photos", b.get("/photos"), 200, "", "My photos", `href="`+up.location+`"`, `href="`+gen.location+`"`, "640×480", "1024×768")
	expect(t, "not a photo", b.upload("notes.txt", []byte("hello")), 400, "", "not a PNG or JPEG photo")
	expect(t, "someone else's photo", b.get("/photos/999999"), 404, "", "no such photo")
	expect(t, "logout", b.post("/logout", nil), 303, "/login")
	expect(t, "photos after logout", b.get("/photos"), 303, "/login")

	// What the SDK sent: the upload's segment with its annotations, user
	// and resize_image; labeler's segment of the same trace.
	seg := sink.find(t, "imagetrends", "POST", "/upload")
	ann, _ := seg["annotations"].(map[string]any)
	if ann["format"] != "png" || ann["user_id"] != float64(1) || ann["photo_size"] != float64(len(png)) || ann["labels"] != "done" {
		t.Errorf("upload annotations = %v", ann)
	}
	if seg["user"] != "admin@admin.com" {
		t.Errorf("upload segment user = %v", seg["user"])
	}
	var subs []string
	for _, s := range seg["subsegments"].([]any) {
		name := s.(map[string]any)["name"].(string)
		// A new pooled connection adds a CONNECT query: one "Unknown" more.
		if name == "Unknown" && len(subs) > 0 && subs[len(subs)-1] == name {
			continue
		}
		subs = append(subs, name)
	}
	// xray.Client names the call to labeler after the host it reaches;
	// the SDK names SQLite "Unknown" (it cannot tell what database it is).
	var labHost string
	for _, s := range d.servers {
		if s.name == "labeler" {
			labHost = s.ln.Addr().String()
		}
	}
	if got, want := strings.Join(subs, ","), "Unknown,resize_image,S3,S3,Unknown,"+labHost+",Unknown"; got != want {
		t.Errorf("upload subsegments = %s, want %s (session, resize, original and thumbnail, insert, labeler, labels)", got, want)
	}
	lab := sink.find(t, "labeler", "POST", "/labels")
	if lab["trace_id"] != seg["trace_id"] {
		t.Errorf("labeler segment is in trace %v, the upload in %v", lab["trace_id"], seg["trace_id"])
	}
	failed := sink.find(t, "imagetrends", "POST", "/login") // the first: wrong password
	if ann, _ := failed["annotations"].(map[string]any); ann["login"] != "failed" || failed["user"] != "admin@admin.com" || failed["error"] != true {
		t.Errorf("failed login segment: annotations %v user %v error %v", ann, failed["user"], failed["error"])
	}
}
