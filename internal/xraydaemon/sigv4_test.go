package xraydaemon

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// verifier is a loopback X-Ray endpoint that recomputes each request's
// SigV4 signature with the aws-sdk-go-v2 signer.
type verifier struct {
	srv   *httptest.Server
	creds aws.Credentials
	mu    sync.Mutex
	seen  map[string]int // path → requests
	auth  []string       // Authorization headers ("" when unsigned)
	bad   []string       // why a signature did not verify
}

func newVerifier(t *testing.T, creds aws.Credentials) *verifier {
	v := &verifier{creds: creds, seen: map[string]int{}}
	v.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var problem string
		if r.Header.Get("Authorization") != "" {
			problem = v.check(r, body)
			// The check must be able to fail: the same request with
			// one byte changed may not verify.
			if problem == "" && v.check(r, append(bytes.Clone(body), ' ')) == "" {
				problem = "a tampered body verified too"
			}
		}
		v.mu.Lock()
		v.seen[r.URL.Path]++
		v.auth = append(v.auth, r.Header.Get("Authorization"))
		if problem != "" {
			v.bad = append(v.bad, r.URL.Path+": "+problem)
		}
		v.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/TraceSegments":
			io.WriteString(w, `{"UnprocessedTraceSegments":[]}`)
		case "/GetSamplingRules":
			io.WriteString(w, `{"SamplingRuleRecords":[]}`)
		default:
			w.WriteHeader(404)
		}
	}))
	t.Cleanup(v.srv.Close)
	return v
}

// check re-signs a copy of r holding only the headers r's signature
// covers, at r's X-Amz-Date, and compares the Authorization headers.
func (v *verifier) check(r *http.Request, body []byte) string {
	auth := r.Header.Get("Authorization")
	i := strings.Index(auth, "SignedHeaders=")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 ") || i < 0 {
		return "unexpected Authorization " + auth
	}
	signed := strings.Split(strings.SplitN(auth[i+len("SignedHeaders="):], ",", 2)[0], ";")
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return "bad X-Amz-Date: " + err.Error()
	}
	cp, err := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return err.Error()
	}
	cp.Header = http.Header{}
	for _, h := range signed {
		switch h {
		case "host":
		case "content-length":
			cp.ContentLength = r.ContentLength
		default:
			for _, val := range r.Header.Values(h) {
				cp.Header.Add(h, val)
			}
		}
	}
	cp.Header.Del("X-Amz-Date")
	if cp.Header.Get("X-Amz-Security-Token") != "" {
		cp.Header.Del("X-Amz-Security-Token")
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), v.creds, cp, hex.EncodeToString(sum[:]), "xray", "us-west-2", at); err != nil {
		return err.Error()
	}
	if got := cp.Header.Get("Authorization"); got != auth {
		return fmt.Sprintf("signature does not verify:\n got  %s\n want %s", auth, got)
	}
	return ""
}

func (v *verifier) report() (seen map[string]int, auth, bad []string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	m := map[string]int{}
	for k, n := range v.seen {
		m[k] = n
	}
	return m, append([]string(nil), v.auth...), append([]string(nil), v.bad...)
}

// chunkedSamplingCall posts GetSamplingRules to the daemon the way the
// SDKs do: unsigned, with a chunked body.
func chunkedSamplingCall(t *testing.T, d *Daemon) {
	t.Helper()
	pr, pw := io.Pipe()
	go func() { io.WriteString(pw, `{}`); pw.Close() }()
	req, _ := http.NewRequest(http.MethodPost, "http://"+d.TCPAddr().String()+"/GetSamplingRules", pr)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "SamplingRuleRecords") {
		t.Fatalf("proxied GetSamplingRules: %d %s", resp.StatusCode, b)
	}
}

func TestForwarderAndProxySignWithSigV4(t *testing.T) {
	creds := aws.Credentials{AccessKeyID: "AKIDLIGHTBOXTEST", SecretAccessKey: "s3cr3t", SessionToken: "session-token"}
	for _, tc := range []struct {
		name   string
		creds  []string
		noSign bool
		signed bool
	}{
		{"credentials in the chain", []string{creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken}, false, true},
		{"no credentials: unsigned", nil, false, false},
		{"--no-sign despite credentials", []string{creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken}, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			isolateAWS(t, tc.creds...)
			v := newVerifier(t, creds)
			d := startDaemon(t, Config{Endpoint: v.srv.URL, Region: "us-west-2", NoSign: tc.noSign})
			const n = 60
			for i := range n {
				sendUDP(t, d.UDPAddr(), segmentJSON(i, 10))
			}
			waitFor(t, "upload", func() bool { return d.Stats().Sent == n })
			chunkedSamplingCall(t, d)
			seen, auth, bad := v.report()
			if seen["/TraceSegments"] < 2 || seen["/GetSamplingRules"] != 1 {
				t.Errorf("upstream saw %v, want ≥ 2 PutTraceSegments and 1 GetSamplingRules", seen)
			}
			for _, b := range bad {
				t.Error(b)
			}
			for _, a := range auth {
				if signed := a != ""; signed != tc.signed {
					t.Errorf("Authorization %q; want signed=%v", a, tc.signed)
				}
				if tc.signed && !strings.Contains(a, "Credential=AKIDLIGHTBOXTEST/") || tc.signed && !strings.Contains(a, "/us-west-2/xray/aws4_request") {
					t.Errorf("Authorization %q lacks the key or the us-west-2/xray scope", a)
				}
			}
			if h := d.Health(); h.Signed != tc.signed {
				t.Errorf("/healthz says signed=%v, want %v", h.Signed, tc.signed)
			}
		})
	}
}
