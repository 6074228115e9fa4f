package forward

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// putter makes PutTraceSegments calls. It writes the request itself
// instead of going through the SDK's X-Ray client: the body is the
// documents' bytes, escaped into one reused buffer, so a batch costs one
// pass over its bytes and a handful of allocations, where the SDK's
// middleware stack converted every document to a string, re-encoded it
// and allocated per step (a sixth of the daemon's CPU at 4,000/s).
// Signing still uses the SDK's SigV4 signer and credential providers.
type putter struct {
	url    string
	client *http.Client
	creds  aws.CredentialsProvider // nil: unsigned
	region string
	signer *v4.Signer
	bufs   sync.Pool // *bytes.Buffer
}

// requestBody tells when the transport is done with a request's body.
type requestBody struct {
	*bytes.Reader
	once   sync.Once
	closed chan struct{}
}

func (b *requestBody) Close() error {
	b.once.Do(func() { close(b.closed) })
	return nil
}

// unprocessed is one entry of UnprocessedTraceSegments.
type unprocessed struct {
	ID        string `json:"Id"`
	ErrorCode string `json:"ErrorCode"`
	Message   string `json:"Message"`
}

// UpstreamError is a PutTraceSegments call the upstream answered with an
// error status.
type UpstreamError struct {
	Status  int
	Code    string // X-Amzn-ErrorType or the body's __type/code, e.g. ThrottledException
	Message string
}

func (e *UpstreamError) Error() string {
	return fmt.Sprintf("PutTraceSegments: HTTP %d %s: %s", e.Status, e.Code, e.Message)
}

func newPutter(o Options) *putter {
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			MaxIdleConnsPerHost: o.Concurrency + 2,
			IdleConnTimeout:     90 * time.Second,
		}}
	}
	return &putter{
		url:    strings.TrimRight(o.Endpoint, "/") + "/TraceSegments",
		client: hc,
		creds:  o.Credentials,
		region: o.Region,
		signer: v4.NewSigner(),
	}
}

// put sends docs in one call and returns what the upstream did not
// process.
func (p *putter) put(ctx context.Context, docs []doc) ([]unprocessed, error) {
	buf, _ := p.bufs.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	rb := &requestBody{closed: make(chan struct{})}
	defer func() {
		// The transport may still hold the body after Do returns; the
		// buffer is reused only once it has closed it. A buffer grown
		// by one huge batch is not kept.
		select {
		case <-rb.closed:
		case <-time.After(time.Second):
			return
		}
		if buf.Cap() <= 4<<20 {
			buf.Reset()
			p.bufs.Put(buf)
		}
	}()
	body := buf.AvailableBuffer()
	body = append(body, `{"TraceSegmentDocuments":[`...)
	for i, d := range docs {
		if i > 0 {
			body = append(body, ',')
		}
		body = appendJSONString(body, d.raw)
	}
	body = append(body, "]}"...)
	buf.Write(body) // keeps the grown array for the next batch

	rb.Reader = bytes.NewReader(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, rb)
	if err != nil {
		rb.Close()
		return nil, fmt.Errorf("cannot build PutTraceSegments request: %w", err)
	}
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "lightbox-daemon")
	if p.creds != nil {
		creds, err := p.creds.Retrieve(ctx)
		if err != nil {
			rb.Close()
			return nil, fmt.Errorf("cannot retrieve credentials to sign PutTraceSegments: %w", err)
		}
		sum := sha256.Sum256(body)
		if err := p.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "xray", p.region, time.Now()); err != nil {
			rb.Close()
			return nil, fmt.Errorf("cannot sign PutTraceSegments: %w", err)
		}
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot call PutTraceSegments: %w", err)
	}
	defer resp.Body.Close()
	// Errors and the list of unprocessed documents are small; a larger
	// answer is not worth reading.
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("cannot read PutTraceSegments response: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, upstreamError(resp, answer)
	}
	var out struct {
		UnprocessedTraceSegments []unprocessed
	}
	if len(bytes.TrimSpace(answer)) > 0 {
		if err := json.Unmarshal(answer, &out); err != nil {
			// The documents were accepted (2xx); only the list of
			// exceptions is unreadable.
			return nil, nil
		}
	}
	return out.UnprocessedTraceSegments, nil
}

// upstreamError reads an error answer the way AWS JSON protocols put it:
// the code in X-Amzn-ErrorType ("Code:uri" form allowed) or in the body's
// __type or code ("namespace#Code" form allowed).
func upstreamError(resp *http.Response, body []byte) *UpstreamError {
	e := &UpstreamError{Status: resp.StatusCode}
	var b struct {
		Type     string `json:"__type"`
		Code     string `json:"code"`
		Message  string `json:"message"`
		MessageU string `json:"Message"`
	}
	_ = json.Unmarshal(body, &b)
	e.Code = resp.Header.Get("X-Amzn-ErrorType")
	if e.Code == "" {
		e.Code = b.Type
	}
	if e.Code == "" {
		e.Code = b.Code
	}
	if i := strings.IndexByte(e.Code, ':'); i >= 0 {
		e.Code = e.Code[:i]
	}
	if i := strings.LastIndexByte(e.Code, '#'); i >= 0 {
		e.Code = e.Code[i+1:]
	}
	e.Message = b.Message
	if e.Message == "" {
		e.Message = b.MessageU
	}
	if e.Message == "" && len(body) > 0 && len(body) < 512 {
		e.Message = string(body)
	}
	return e
}

// classify names an attempt's failure. Throttling (429 or a throttling
// code), 5xx and failures without a response (network, timeout,
// credentials) are retried; other 4xx are the caller's mistake and are not.
func classify(err error) string {
	var ue *UpstreamError
	if !errors.As(err, &ue) {
		return ResultNetworkError
	}
	switch s := ue.Status; {
	case isThrottleCode(ue.Code) || s == 429:
		return ResultThrottled
	case s >= 500:
		return ResultServerError
	case s == 408:
		return ResultNetworkError
	default:
		return ResultClientError
	}
}

// escapes marks the ASCII bytes a JSON string cannot hold as they are.
var escapes = func() (t [utf8.RuneSelf]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

const hexDigits = "0123456789abcdef"

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// attention8 flags (with the top bit of the byte) the bytes of x that a
// JSON string cannot hold as they are: quote, backslash, control
// characters, and the first bytes of non-ASCII characters, which are
// checked for UTF-8. Only the lowest flag is exact (a borrow may flag a
// byte above it), which is all the caller uses.
func attention8(x uint64) uint64 {
	hasLess := (x - 0x20*lsb) &^ x
	q := x ^ '"'*lsb
	hasQuote := (q - lsb) &^ q
	b := x ^ '\\'*lsb
	hasBackslash := (b - lsb) &^ b
	return (x | hasLess | hasQuote | hasBackslash) & msb
}

// appendJSONString appends s as a JSON string. Bytes that are not UTF-8
// become U+FFFD, as encoding/json does, so the body is always valid JSON.
//
// Documents are dense with quotes, each of which becomes two bytes, so
// rather than appending runs it writes into room reserved up front, eight
// bytes at a time: a word is stored whole, and the output advances past
// its plain bytes only.
func appendJSONString(dst, s []byte) []byte {
	// Room for every byte escaped as two, the quotes, and one word of
	// slack; the rarer six-byte escapes reserve their own.
	dst = slices.Grow(dst, 2*len(s)+10)
	n := len(dst)
	out := dst[:cap(dst)]
	out[n] = '"'
	n++
	for i := 0; i < len(s); {
		if i+8 <= len(s) {
			x := binary.LittleEndian.Uint64(s[i:])
			binary.LittleEndian.PutUint64(out[n:], x)
			m := attention8(x)
			if m == 0 {
				i += 8
				n += 8
				continue
			}
			k := bits.TrailingZeros64(m) / 8
			i += k
			n += k
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if !escapes[c] {
				out[n] = c
				n++
				i++
				continue
			}
			switch c {
			case '"', '\\':
				out[n], out[n+1] = '\\', c
				n += 2
			case '\n':
				out[n], out[n+1] = '\\', 'n'
				n += 2
			case '\r':
				out[n], out[n+1] = '\\', 'r'
				n += 2
			case '\t':
				out[n], out[n+1] = '\\', 't'
				n += 2
			default:
				out = reserve(out, n, 6+2*(len(s)-i)+10)
				n += copy(out[n:], []byte{'\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf]})
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			out = reserve(out, n, 6+2*(len(s)-i)+10)
			n += copy(out[n:], `\ufffd`)
			i++
			continue
		}
		n += copy(out[n:], s[i:i+size])
		i += size
	}
	out[n] = '"'
	return out[:n+1]
}

// reserve returns out (in use up to n) with at least need bytes of room
// after n.
func reserve(out []byte, n, need int) []byte {
	if len(out)-n >= need {
		return out
	}
	out = slices.Grow(out[:n], need)
	return out[:cap(out)]
}
