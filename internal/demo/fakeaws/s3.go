package fakeaws

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// S3Options configure the S3 stand-in. Zero durations mean an instant
// answer; a zero rate never fails.
type S3Options struct {
	// PutLatency and GetLatency are the response times of uploads and
	// downloads.
	PutLatency, GetLatency Latency
	// FaultRate is the fraction of calls answered with a 500 InternalError
	// or 503 SlowDown on at least one attempt.
	FaultRate float64
	// MaxObjects bounds memory: beyond it the oldest objects are forgotten
	// (a later GetObject answers NoSuchKey). Default 20,000.
	MaxObjects int
	// MaxObjectBytes rejects larger uploads with EntityTooLarge. Default
	// 32 MiB.
	MaxObjectBytes int64
}

// S3 is a path-style S3 endpoint (http://host/bucket/key) that keeps
// objects in memory. Identical contents are stored once, so a demo that
// uploads the same generated photos over and over stays small.
type S3 struct {
	opts S3Options

	mu      sync.Mutex
	objects map[string]*s3Object
	order   []string // keys in upload order, for eviction
	blobs   map[[32]byte]*blob
}

type s3Object struct {
	blob        *blob
	contentType string
	modified    time.Time
}

type blob struct {
	data []byte
	etag string
	refs int
}

// NewS3 returns an empty S3; serve it with net/http.
func NewS3(opts S3Options) *S3 {
	if opts.MaxObjects <= 0 {
		opts.MaxObjects = 20000
	}
	if opts.MaxObjectBytes <= 0 {
		opts.MaxObjectBytes = 32 << 20
	}
	return &S3{opts: opts, objects: map[string]*s3Object{}, blobs: map[[32]byte]*blob{}}
}

// Object returns a stored object's contents (Rekognition reads photos this
// way, as the real one reads them from S3).
func (s *S3) Object(bucket, key string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objects[bucket+"/"+key]
	if !ok {
		return nil, false
	}
	return o.blob.data, true
}

// Len is the number of objects stored.
func (s *S3) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.objects)
}

func (s *S3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("x-amz-request-id", requestID())
	w.Header().Set("x-amz-id-2", "LB"+requestID()+requestID())
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if bucket == "" || key == "" {
		s3Error(w, http.StatusNotImplemented, "NotImplemented", "Only object operations on path-style URLs are implemented.")
		return
	}
	lat := s.opts.GetLatency
	if r.Method == http.MethodPut {
		lat = s.opts.PutLatency
	}
	if shouldFail(r, s.opts.FaultRate, "s3") {
		io.Copy(io.Discard, r.Body)
		if err := sleep(r.Context(), lat.Sample()/2); err != nil {
			return
		}
		if attempt(r)%2 == 1 {
			s3Error(w, http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again.")
		} else {
			s3Error(w, http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate.")
		}
		return
	}
	if err := sleep(r.Context(), lat.Sample()); err != nil {
		return
	}
	switch r.Method {
	case http.MethodPut:
		s.put(w, r, bucket, key)
	case http.MethodGet, http.MethodHead:
		s.get(w, r, bucket, key)
	default:
		s3Error(w, http.StatusNotImplemented, "NotImplemented", r.Method+" is not implemented.")
	}
}

func (s *S3) put(w http.ResponseWriter, r *http.Request, bucket, key string) {
	if r.URL.RawQuery != "" && !strings.HasPrefix(r.URL.RawQuery, "x-id=PutObject") {
		s3Error(w, http.StatusNotImplemented, "NotImplemented", "Only PutObject is implemented.")
		return
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, s.opts.MaxObjectBytes+1))
	if err != nil {
		s3Error(w, http.StatusBadRequest, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.")
		return
	}
	if int64(len(data)) > s.opts.MaxObjectBytes {
		s3Error(w, http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.")
		return
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		ct = "binary/octet-stream"
	}
	etag := s.store(bucket+"/"+key, data, ct)
	w.Header().Set("ETag", etag)
	w.WriteHeader(http.StatusOK)
}

func (s *S3) store(name string, data []byte, contentType string) (etag string) {
	sum := sha256.Sum256(data)
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.blobs[sum]
	if !ok {
		m := md5.Sum(data)
		b = &blob{data: data, etag: `"` + hex.EncodeToString(m[:]) + `"`}
		s.blobs[sum] = b
	}
	b.refs++
	if old, ok := s.objects[name]; ok {
		s.release(old.blob)
	} else {
		s.order = append(s.order, name)
	}
	s.objects[name] = &s3Object{blob: b, contentType: contentType, modified: time.Now()}
	for len(s.objects) > s.opts.MaxObjects && len(s.order) > 0 {
		oldest := s.order[0]
		s.order = s.order[1:]
		if o, ok := s.objects[oldest]; ok {
			s.release(o.blob)
			delete(s.objects, oldest)
		}
	}
	// The queue's backing array only grows at its end; copy it down now and
	// then so popped entries are freed.
	if cap(s.order) > 4*len(s.order)+1024 {
		s.order = append([]string(nil), s.order...)
	}
	return b.etag
}

// release drops one reference to b; the caller holds s.mu.
func (s *S3) release(b *blob) {
	b.refs--
	if b.refs == 0 {
		delete(s.blobs, sha256.Sum256(b.data))
	}
}

func (s *S3) get(w http.ResponseWriter, r *http.Request, bucket, key string) {
	s.mu.Lock()
	o, ok := s.objects[bucket+"/"+key]
	s.mu.Unlock()
	if !ok {
		s3Error(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		return
	}
	h := w.Header()
	h.Set("Content-Type", o.contentType)
	h.Set("Content-Length", strconv.Itoa(len(o.blob.data)))
	h.Set("ETag", o.blob.etag)
	h.Set("Last-Modified", o.modified.UTC().Format(http.TimeFormat))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write(o.blob.data)
	}
}

// s3Error writes S3's XML error document.
func s3Error(w http.ResponseWriter, status int, code, message string) {
	body, err := xml.Marshal(struct {
		XMLName   xml.Name `xml:"Error"`
		Code      string
		Message   string
		RequestID string `xml:"RequestId"`
	}{Code: code, Message: message, RequestID: w.Header().Get("x-amz-request-id")})
	if err != nil {
		panic(fmt.Sprintf("cannot encode a fixed XML document: %v", err))
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	io.WriteString(w, xml.Header)
	w.Write(body)
}
