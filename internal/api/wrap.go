package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/store"
)

// ServeHTTP routes by method and path, runs the operation and writes its
// result or error. Authorization, X-Amz-Date and the like are ignored;
// bodies may be chunked; Content-Type is not required (quirks 4, 5).
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqID := newRequestID()
	w.Header().Set("x-amzn-RequestId", reqID)

	op, ok := a.lookup(r)
	if !ok {
		a.writeError(w, reqID, "unknown", &Error{
			Code:    CodeUnknownOperation,
			Status:  http.StatusNotFound,
			Message: fmt.Sprintf("no X-Ray operation is served at %.16s %.200s (operations are POST to fixed paths such as /TraceSummaries)", r.Method, r.URL.Path),
		})
		a.metrics.observe("unknown", http.StatusNotFound, start)
		return
	}
	status := http.StatusOK
	result, err := a.run(w, r, op)
	var body []byte
	if err == nil {
		// Encoding fails only on NaN or infinite numbers that slipped
		// into a result; that is a server fault, reported as one.
		body, err = encodeJSON(result)
	}
	if err != nil {
		status = a.writeError(w, reqID, op.name, err)
	} else {
		writeBody(w, http.StatusOK, body)
	}
	a.metrics.observe(op.name, status, start)
}

func (a *API) lookup(r *http.Request) (operation, bool) {
	if r.Method != http.MethodPost {
		return operation{}, false
	}
	path, ok := strings.CutPrefix(r.URL.Path, a.opts.PathPrefix)
	if !ok {
		return operation{}, false
	}
	op, ok := a.routes[path]
	return op, ok
}

func (a *API) run(w http.ResponseWriter, r *http.Request, op operation) (any, error) {
	// With w, net/http closes the connection after an oversized body
	// instead of reading the rest of it.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.opts.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &Error{Code: CodeInvalidRequest, Status: http.StatusRequestEntityTooLarge,
				Message: "request body is larger than " + strconv.FormatInt(tooBig.Limit, 10) + " bytes"}
		}
		return nil, invalidRequest("cannot read request body: %v", err)
	}
	return op.fn(r.Context(), body)
}

// writeError classifies err once, here: *Error as it says, anything else
// as a server failure whose detail goes to the log, not to the caller.
func (a *API) writeError(w http.ResponseWriter, reqID, opName string, err error) int {
	var e *Error
	switch {
	case errors.As(err, &e):
		a.log.Debug("request refused", "op", opName, "request_id", reqID, "code", e.Code, "msg", e.Message)
	case errors.Is(err, store.ErrClosed):
		e = &Error{Code: CodeServiceUnavailable, Status: http.StatusServiceUnavailable, Message: "the store is shutting down"}
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		e = &Error{Code: CodeInternalFailure, Status: http.StatusServiceUnavailable, Message: "request cancelled: " + err.Error()}
	default:
		if a.errLog.allow(opName) {
			a.log.Error("request failed", "op", opName, "request_id", reqID, "err", err)
		}
		e = &Error{Code: CodeInternalFailure, Status: http.StatusInternalServerError,
			Message: "internal error; the server log has the details under request ID " + reqID}
	}
	w.Header().Set("x-amzn-ErrorType", e.Code)
	body, _ := encodeJSON(struct {
		Type         string `json:"__type"`
		Message      string `json:"message"`
		ResourceName string `json:",omitempty"`
	}{e.Code, e.Message, e.ResourceName})
	writeBody(w, e.Status, body)
	return e.Status
}

// encodeJSON marshals a response body. HTML escaping is off so that
// segment documents (JSON inside strings) come back as SDKs sent them.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("cannot encode response: %w", err)
	}
	// Encode appends a newline; AWS responses end at the closing brace.
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func writeBody(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// newRequestID returns a random UUID (version 4), the form AWS uses.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}
