package otlp

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// TracesPath is OTLP/HTTP's traces endpoint.
const TracesPath = "/v1/traces"

const (
	contentProtobuf = "application/x-protobuf"
	contentJSON     = "application/json"
)

// httpHandler serves OTLP/HTTP as the specification asks: POST
// /v1/traces in binary protobuf or JSON, optionally gzip-compressed; 200
// with an ExportTraceServiceResponse (partial success when spans were
// rejected), 400 with a google.rpc.Status for a malformed request, 415 for
// an unsupported content type or encoding, 503 (retryable) when the store
// fails. Error bodies use the request's encoding, JSON when it is unknown.
type httpHandler struct {
	in       *ingester
	maxBytes int64
}

func newHTTPHandler(in *ingester, maxBytes int64) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(TracesPath, &httpHandler{in: in, maxBytes: maxBytes})
	return mux
}

func (h *httpHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.in.request("http", resultInvalid)
		writeStatus(w, ct, http.StatusMethodNotAllowed, codes.Unimplemented, fmt.Sprintf("%s %s is not supported; send POST", r.Method, TracesPath))
		return
	}
	if ct != contentProtobuf && ct != contentJSON {
		h.in.request("http", resultInvalid)
		writeStatus(w, contentJSON, http.StatusUnsupportedMediaType, codes.InvalidArgument,
			fmt.Sprintf("Content-Type %q is not supported; send %s or %s", r.Header.Get("Content-Type"), contentProtobuf, contentJSON))
		return
	}
	body, code, err := h.readBody(r)
	if err != nil {
		h.in.request("http", resultInvalid)
		writeStatus(w, ct, code, codes.InvalidArgument, err.Error())
		return
	}
	req := ptraceotlp.NewExportRequest()
	if ct == contentJSON {
		err = req.UnmarshalJSON(body)
	} else {
		err = req.UnmarshalProto(body)
	}
	if err != nil {
		h.in.request("http", resultInvalid)
		writeStatus(w, ct, http.StatusBadRequest, codes.InvalidArgument,
			fmt.Sprintf("cannot decode ExportTraceServiceRequest from %d bytes of %s: %v", len(body), ct, err))
		return
	}
	resp, err := h.in.export(r.Context(), req.Traces())
	h.in.request("http", resultOf(resp, err))
	if err != nil {
		writeStatus(w, ct, http.StatusServiceUnavailable, codes.Unavailable, err.Error())
		return
	}
	var out []byte
	if ct == contentJSON {
		out, err = resp.MarshalJSON()
	} else {
		out, err = resp.MarshalProto()
	}
	if err != nil {
		writeStatus(w, ct, http.StatusInternalServerError, codes.Internal, "cannot encode response: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
}

// readBody reads the request body, decompressed, up to maxBytes.
func (h *httpHandler) readBody(r *http.Request) ([]byte, int, error) {
	var src io.Reader = http.MaxBytesReader(nil, r.Body, h.maxBytes)
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(src)
		if err != nil {
			return nil, http.StatusBadRequest, fmt.Errorf("cannot read gzip body: %w", err)
		}
		defer zr.Close()
		src = zr
	default:
		return nil, http.StatusUnsupportedMediaType, fmt.Errorf("Content-Encoding %q is not supported; send gzip or none", enc)
	}
	body, err := io.ReadAll(io.LimitReader(src, h.maxBytes+1))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig) || int64(len(body)) > h.maxBytes:
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("request body is larger than %d bytes", h.maxBytes)
	case err != nil:
		return nil, http.StatusBadRequest, fmt.Errorf("cannot read request body: %w", err)
	}
	return body, 0, nil
}

// writeStatus answers with a google.rpc.Status in the given encoding.
func writeStatus(w http.ResponseWriter, ct string, httpCode int, code codes.Code, msg string) {
	st := status.New(code, msg).Proto()
	var body []byte
	if ct == contentProtobuf {
		body, _ = proto.Marshal(st)
	} else {
		ct = contentJSON
		body, _ = protojson.Marshal(st)
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(httpCode)
	_, _ = w.Write(body)
}
