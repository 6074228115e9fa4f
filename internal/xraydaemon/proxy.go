package xraydaemon

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// maxProxyBody bounds a proxied request body, which must be read whole to
// be signed. Sampling calls are a few KB; PutTraceSegments at most 50
// documents of 64 KB.
const maxProxyBody = 8 << 20

type bodyKey struct{}

// newProxy forwards every request to the upstream, as the X-Ray daemon's
// TCP proxy does for the SDKs' sampling calls, replacing whatever
// signature the caller made (SDKs send these calls unsigned) with the
// daemon's own when signing is on.
func newProxy(u *upstream, log *slog.Logger) http.Handler {
	signer := v4.NewSigner()
	rp := &httputil.ReverseProxy{
		Transport: u.transport,
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u.url)
			if !u.sign {
				return
			}
			out := pr.Out
			for _, h := range []string{"Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256"} {
				out.Header.Del(h)
			}
			body, _ := out.Context().Value(bodyKey{}).([]byte)
			sum := sha256.Sum256(body)
			creds, err := u.creds.Retrieve(out.Context())
			if err != nil {
				log.Warn("cannot sign proxied request: no credentials; forwarding it unsigned", "path", out.URL.Path, "err", err)
				return
			}
			if err := signer.SignHTTP(out.Context(), creds, out, hex.EncodeToString(sum[:]), "xray", u.region, time.Now()); err != nil {
				log.Warn("cannot sign proxied request; forwarding it unsigned", "path", out.URL.Path, "err", err)
			}
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			log.Warn("cannot proxy request to the upstream", "path", r.URL.Path, "err", err)
			w.WriteHeader(http.StatusBadGateway)
		},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The body is read whole so that it can be hashed for the
		// signature, and resent with a Content-Length even when the SDK
		// sent it chunked.
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxProxyBody))
		if err != nil {
			http.Error(w, "cannot read request body: "+err.Error(), http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		r.TransferEncoding = nil
		r = r.WithContext(context.WithValue(r.Context(), bodyKey{}, body))
		rp.ServeHTTP(w, r)
	})
}
