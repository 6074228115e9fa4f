package demo

import (
	"net/url"
	"os"
	"strings"
	"testing"
)

// With a PostgreSQL DSN the application stores its data there, and the
// X-Ray SDK identifies the database: the SQL node is "imagetrends@host",
// as an RDS node is in the workshops. PostgreSQL is not part of the
// default test environment: set LIGHTBOX_TEST_POSTGRES_DSN (for example
// postgres://postgres@127.0.0.1:5432/imagetrends?sslmode=disable) to run
// this test against a scratch database.
func TestPostgres(t *testing.T) {
	dsn := os.Getenv("LIGHTBOX_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("LIGHTBOX_TEST_POSTGRES_DSN is not set")
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	checkGoroutines(t)
	sink := newSegmentSink(t)
	d := startDemo(t, Config{DaemonAddr: sink.conn.LocalAddr().String(), PostgresDSN: dsn, ThrottleRate: -1, S3FaultRate: -1, LatencyScale: 0.01, Users: 2})
	b := newBrowser(t, d.URL())
	expect(t, "login", b.post("/login", url.Values{"email": {"admin@admin.com"}, "password": {"Password123"}}), 303, "/photos")
	png, err := encodePhoto(generatePhoto("forest", 320, 240, 3), "png")
	if err != nil {
		t.Fatal(err)
	}
	up := b.upload("forest.png", png)
	expect(t, "upload", up, 303, "")
	expect(t, "photo page", b.get(up.location), 200, "", "320×240", `class="tag">Forest<`)
	expect(t, "my photos", b.get("/photos"), 200, "", `href="`+up.location+`"`)

	seg := sink.find(t, "imagetrends", "POST", "/upload")
	want := u.Path[1:] + "@" + u.Hostname()
	var found bool
	for _, s := range seg["subsegments"].([]any) {
		sub := s.(map[string]any)
		sql, ok := sub["sql"].(map[string]any)
		if !ok {
			continue
		}
		found = true
		t.Logf("SQL subsegment %v: %v", sub["name"], sql["sanitized_query"])
		if sub["name"] != want || sql["database_type"] != "Postgres" || sql["sanitized_query"] == "" {
			t.Errorf("SQL subsegment %v: %v, want name %s and database_type Postgres", sub["name"], sql, want)
		}
		if pw, ok := u.User.Password(); ok && pw != "" {
			if v, _ := sql["url"].(string); v != "" && strings.Contains(v, pw) {
				t.Errorf("SQL subsegment url %q shows the password", v)
			}
		}
	}
	if !found {
		t.Errorf("upload segment has no SQL subsegment: %v", seg["subsegments"])
	}
}
