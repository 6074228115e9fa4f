package forward

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/lightbox-tracing/lightbox/internal/realclients"
)

// FuzzAppendJSONString: whatever bytes a datagram held, the body string
// is valid JSON and decodes to what encoding/json would have sent.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", `{"id":"a","name":"x\"y"}`, "tab\there\nnewline\x00\x1f", "é€😀", "\xff\xfe bad utf8 \xc3", `back\slash`, "\u2028"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, s []byte) {
		got := appendJSONString([]byte("x"), s)
		if got[0] != 'x' {
			t.Fatal("prefix overwritten")
		}
		var dec string
		if err := json.Unmarshal(got[1:], &dec); err != nil {
			t.Fatalf("not valid JSON: %q: %v", got[1:], err)
		}
		want, _ := json.Marshal(string(s))
		var wantDec string
		if err := json.Unmarshal(want, &wantDec); err != nil {
			t.Fatal(err)
		}
		if dec != wantDec {
			t.Fatalf("decodes to %q, encoding/json's to %q", dec, wantDec)
		}
	})
}

func TestUpstreamErrorCodes(t *testing.T) {
	tests := []struct {
		name   string
		status int
		header string
		body   string
		code   string
		msg    string
		result string
	}{
		{"header code with uri", 429, "ThrottledException:http://internal.amazon.com/coral/", `{"message":"Rate exceeded"}`, "ThrottledException", "Rate exceeded", ResultThrottled},
		{"body __type with namespace", 400, "", `{"__type":"com.amazonaws.xray#InvalidRequestException","Message":"bad"}`, "InvalidRequestException", "bad", ResultClientError},
		{"body code", 500, "", `{"code":"InternalFailure","message":"oops"}`, "InternalFailure", "oops", ResultServerError},
		{"throttling code on 400", 400, "ThrottlingException", ``, "ThrottlingException", "", ResultThrottled},
		{"plain text body", 502, "", `bad gateway`, "", "bad gateway", ResultServerError},
		{"timeout", 408, "", ``, "", "", ResultNetworkError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := &http.Response{StatusCode: tt.status, Header: http.Header{}}
			if tt.header != "" {
				resp.Header.Set("X-Amzn-ErrorType", tt.header)
			}
			e := upstreamError(resp, []byte(tt.body))
			if e.Code != tt.code || e.Message != tt.msg || e.Status != tt.status {
				t.Errorf("got %+v, want code %q message %q", e, tt.code, tt.msg)
			}
			if r := classify(e); r != tt.result {
				t.Errorf("classify = %s, want %s", r, tt.result)
			}
		})
	}
	if r := classify(errors.New("connection refused")); r != ResultNetworkError {
		t.Errorf("classify(no response) = %s, want %s", r, ResultNetworkError)
	}
}

// BenchmarkAppendJSONString escapes the documents the real X-Ray SDKs
// sent into a request body.
func BenchmarkAppendJSONString(b *testing.B) {
	docs := realclients.Documents(b)
	var size int
	for _, d := range docs {
		size += len(d)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	var body []byte
	for b.Loop() {
		body = body[:0]
		for _, d := range docs {
			body = appendJSONString(body, d)
		}
	}
}
