package console

import (
	"embed"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

//go:embed all:dist
var distFS embed.FS

// Patterns are the ServeMux patterns the console answers; every one is a
// GET (HEAD follows), so none can collide with the X-Ray API's POSTs.
var Patterns = []string{
	"GET /{$}",
	"GET /map",
	"GET /traces",
	"GET /traces/{id}",
	"GET /analytics",
	"GET /groups",
	"GET /sampling",
	"GET /assets/",
	"GET /favicon.svg",
}

// contentSecurityPolicy keeps scripts to the console's own files: even if
// segment text ever reached the DOM as markup, no inline script or event
// handler attribute would run. Cytoscape and uPlot set inline styles,
// hence style-src 'unsafe-inline'; icons are data: URIs.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// Handler serves the embedded console.
type Handler struct {
	files fs.FS
	index []byte
	etag  string
	// hasGz and hasBr record which assets have precompressed copies.
	hasGz, hasBr map[string]bool
}

// New returns the handler for the embedded bundle.
func New() *Handler {
	sub, err := fs.Sub(distFS, "dist")
	if err != nil {
		panic("console: dist is missing from the embedded files: " + err.Error())
	}
	return newHandler(sub)
}

func newHandler(files fs.FS) *Handler {
	h := &Handler{files: files, hasGz: map[string]bool{}, hasBr: map[string]bool{}}
	h.index, _ = fs.ReadFile(files, "index.html")
	if hash, err := fs.ReadFile(files, "source-hash.txt"); err == nil && len(hash) >= 16 {
		h.etag = `"` + string(hash[:16]) + `"`
	}
	fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if base, ok := strings.CutSuffix(p, ".gz"); ok {
			h.hasGz[base] = true
		}
		if base, ok := strings.CutSuffix(p, ".br"); ok {
			h.hasBr[base] = true
		}
		return nil
	})
	return h
}

// SourceHash is the hash of web/'s sources the bundle was built from.
func SourceHash() string {
	b, err := distFS.ReadFile("dist/source-hash.txt")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("X-Content-Type-Options", "nosniff")
	if strings.HasPrefix(r.URL.Path, "/assets/") || r.URL.Path == "/favicon.svg" {
		h.serveAsset(w, r, strings.TrimPrefix(path.Clean(r.URL.Path), "/"))
		return
	}
	if h.index == nil {
		http.Error(w, "the console was not built into this binary (run `npm --prefix web run build`)", http.StatusNotFound)
		return
	}
	// Every screen is index.html; the script reads the path. It must be
	// revalidated so that a new binary's console replaces the old one.
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("Content-Security-Policy", contentSecurityPolicy)
	hdr.Set("Referrer-Policy", "same-origin")
	hdr.Set("X-Frame-Options", "DENY")
	// The source hash names this build's index.html: a browser revalidating
	// it gets 304 until the binary changes.
	if h.etag != "" {
		hdr.Set("ETag", h.etag)
		if r.Header.Get("If-None-Match") == h.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	hdr.Set("Content-Length", strconv.Itoa(len(h.index)))
	if r.Method != http.MethodHead {
		w.Write(h.index)
	}
}

func (h *Handler) serveAsset(w http.ResponseWriter, r *http.Request, name string) {
	if !fs.ValidPath(name) || strings.HasSuffix(name, ".gz") || strings.HasSuffix(name, ".br") {
		http.NotFound(w, r)
		return
	}
	hdr := w.Header()
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		hdr.Set("Content-Type", ct)
	}
	// Vite puts a content hash in every asset name under assets/, so a
	// name never changes meaning: cache it for a year.
	if strings.HasPrefix(name, "assets/") {
		hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hdr.Set("Cache-Control", "public, max-age=3600")
	}
	hdr.Add("Vary", "Accept-Encoding")
	file := name
	switch accept := r.Header.Get("Accept-Encoding"); {
	case h.hasBr[name] && acceptsEncoding(accept, "br"):
		file = name + ".br"
		hdr.Set("Content-Encoding", "br")
	case h.hasGz[name] && acceptsEncoding(accept, "gzip"):
		file = name + ".gz"
		hdr.Set("Content-Encoding", "gzip")
	}
	data, err := fs.ReadFile(h.files, file)
	if err != nil {
		hdr.Del("Content-Encoding")
		hdr.Del("Cache-Control")
		http.NotFound(w, r)
		return
	}
	hdr.Set("Content-Length", strconv.Itoa(len(data)))
	if r.Method != http.MethodHead {
		w.Write(data)
	}
}

// acceptsEncoding reports whether an Accept-Encoding header allows coding
// (q=0 refuses it).
func acceptsEncoding(header, coding string) bool {
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), coding) {
			continue
		}
		params = strings.ReplaceAll(params, " ", "")
		return params != "q=0" && params != "q=0.0" && params != "q=0.00" && params != "q=0.000"
	}
	return false
}
