package demo

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-xray-sdk-go/xray"
)

// Photo limits: big enough for phone photos and the generator's panoramas,
// small enough that a decompression bomb is refused before decoding.
const (
	maxUploadBytes = 40 << 20
	maxPixels      = 40_000_000
	thumbWidth     = 320
	thumbHeight    = 240
	sessionCookie  = "imagetrends_session"
	bucket         = "imagetrends-photos"
)

// frontend is the imagetrends service: the pages a person clicks through.
type frontend struct {
	db         *photoDB
	s3         *s3.Client
	labelerURL string
	client     *http.Client // xray.Client: calls to labeler carry the trace
	pages      pages
	log        *slog.Logger
}

func (f *frontend) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", f.home)
	mux.HandleFunc("GET /login", f.loginPage)
	mux.HandleFunc("POST /login", f.login)
	mux.HandleFunc("POST /logout", f.logout)
	mux.HandleFunc("GET /photos", f.myPhotos)
	mux.HandleFunc("GET /photos/{id}", f.photoPage)
	mux.HandleFunc("GET /photos/{id}/image", f.photoImage)
	mux.HandleFunc("GET /upload", f.uploadPage)
	mux.HandleFunc("POST /upload", f.upload)
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	return mux
}

func (f *frontend) home(w http.ResponseWriter, r *http.Request) {
	if _, err := r.Cookie(sessionCookie); err != nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/photos", http.StatusSeeOther)
}

func (f *frontend) loginPage(w http.ResponseWriter, r *http.Request) {
	f.render(w, r, http.StatusOK, "login", pageData{Title: "Log in", Hint: AdminAccount})
}

func (f *frontend) login(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	email := strings.TrimSpace(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	var u user
	err := xray.Capture(ctx, "check_password", func(ctx context.Context) error {
		var err error
		u, err = f.db.checkLogin(ctx, email, password)
		if errors.Is(err, errNotFound) {
			return nil // a wrong password is the user's error, not a fault here
		}
		return err
	})
	if err != nil {
		f.serverError(w, r, err)
		return
	}
	if u.ID == 0 {
		setUser(ctx, email)
		xray.AddAnnotation(ctx, "login", "failed")
		f.render(w, r, http.StatusUnauthorized, "login", pageData{Title: "Log in", Error: "Wrong email or password.", Email: email, Hint: AdminAccount})
		return
	}
	annotateUser(ctx, u)
	xray.AddAnnotation(ctx, "login", "ok")
	token := newToken()
	if err := f.db.createSession(ctx, token, u.ID); err != nil {
		f.serverError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/photos", http.StatusSeeOther)
}

func (f *frontend) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := f.db.deleteSession(r.Context(), c.Value); err != nil {
			f.serverError(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// currentUser is the logged-in user; without one it redirects to the login
// page and reports false.
func (f *frontend) currentUser(w http.ResponseWriter, r *http.Request) (user, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return user{}, false
	}
	u, err := f.db.sessionUser(r.Context(), c.Value)
	if errors.Is(err, errNotFound) {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return user{}, false
	}
	if err != nil {
		f.serverError(w, r, err)
		return user{}, false
	}
	annotateUser(r.Context(), u)
	return u, true
}

func (f *frontend) myPhotos(w http.ResponseWriter, r *http.Request) {
	u, ok := f.currentUser(w, r)
	if !ok {
		return
	}
	list, total, err := f.db.photos(r.Context(), u.ID, 24)
	if err != nil {
		f.serverError(w, r, err)
		return
	}
	f.render(w, r, http.StatusOK, "photos", pageData{Title: "My photos", User: &u, Photos: list, Total: total})
}

// userPhoto loads the photo named in the path, answering 404 itself.
func (f *frontend) userPhoto(w http.ResponseWriter, r *http.Request, u user) (photo, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err == nil {
		var ph photo
		ph, err = f.db.photo(r.Context(), u.ID, id)
		if err == nil {
			return ph, true
		}
	}
	if err != nil && !errors.Is(err, errNotFound) && !errors.Is(err, strconv.ErrSyntax) {
		f.serverError(w, r, err)
		return photo{}, false
	}
	f.render(w, r, http.StatusNotFound, "error", pageData{Title: "Not found", User: &u, Error: "There is no such photo among yours."})
	return photo{}, false
}

func (f *frontend) photoPage(w http.ResponseWriter, r *http.Request) {
	u, ok := f.currentUser(w, r)
	if !ok {
		return
	}
	ph, ok := f.userPhoto(w, r, u)
	if !ok {
		return
	}
	xray.AddAnnotation(r.Context(), "format", ph.Format)
	f.render(w, r, http.StatusOK, "photo", pageData{Title: fmt.Sprintf("Photo %d", ph.ID), User: &u, Photo: ph})
}

// photoImage streams a photo (or its thumbnail, ?size=thumb) from S3.
func (f *frontend) photoImage(w http.ResponseWriter, r *http.Request) {
	u, ok := f.currentUser(w, r)
	if !ok {
		return
	}
	ph, ok := f.userPhoto(w, r, u)
	if !ok {
		return
	}
	key := ph.Key
	if r.URL.Query().Get("size") == "thumb" {
		key = ph.ThumbKey
	}
	ctx := r.Context()
	out, err := f.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		var missing *s3types.NoSuchKey
		if errors.As(err, &missing) {
			f.render(w, r, http.StatusNotFound, "error", pageData{Title: "Not found", User: &u, Error: "This photo is no longer in storage."})
			return
		}
		f.serverError(w, r, fmt.Errorf("cannot read s3://%s/%s: %w", bucket, key, err))
		return
	}
	defer out.Body.Close()
	xray.AddAnnotation(ctx, "format", ph.Format)
	w.Header().Set("Content-Type", aws.ToString(out.ContentType))
	w.Header().Set("Cache-Control", "private, max-age=300")
	io.Copy(w, out.Body)
}

func (f *frontend) uploadPage(w http.ResponseWriter, r *http.Request) {
	u, ok := f.currentUser(w, r)
	if !ok {
		return
	}
	f.render(w, r, http.StatusOK, "upload", pageData{Title: "Upload", User: &u})
}

// badPhoto is an upload that is not a photo we can read: the user's error.
type badPhoto struct{ err error }

func (b badPhoto) Error() string { return b.err.Error() }
func (b badPhoto) Unwrap() error { return b.err }

func (f *frontend) upload(w http.ResponseWriter, r *http.Request) {
	u, ok := f.currentUser(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, maxUploadBytes)
	var data []byte
	if r.FormValue("generate") != "" {
		scene := scenes[rand.IntN(len(scenes))]
		format := []string{"png", "jpeg"}[rand.IntN(2)]
		var err error
		if data, err = encodePhoto(generatePhoto(scene, 1024, 768, rand.Uint64()), format); err != nil {
			f.serverError(w, r, err)
			return
		}
	} else {
		file, _, err := r.FormFile("photo")
		if err != nil {
			f.render(w, r, http.StatusBadRequest, "upload", pageData{Title: "Upload", User: &u, Error: "Choose a PNG or JPEG photo to upload."})
			return
		}
		data, err = io.ReadAll(file)
		file.Close()
		if err != nil {
			f.render(w, r, http.StatusBadRequest, "upload", pageData{Title: "Upload", User: &u, Error: "The upload did not arrive whole."})
			return
		}
	}
	id, err := f.storePhoto(ctx, u, data)
	var bad badPhoto
	if errors.As(err, &bad) {
		f.render(w, r, http.StatusBadRequest, "upload", pageData{Title: "Upload", User: &u, Error: "That is not a PNG or JPEG photo we can read: " + bad.Error()})
		return
	}
	if err != nil {
		f.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/photos/%d", id), http.StatusSeeOther)
}

// storePhoto is the workshop's upload path: resize, store original and
// thumbnail in S3, record the photo in the database, ask labeler for
// labels, record them. A busy labeler leaves the labels pending rather
// than failing the upload.
func (f *frontend) storePhoto(ctx context.Context, u user, data []byte) (int64, error) {
	var ph photo
	var thumb []byte
	err := xray.Capture(ctx, "resize_image", func(ctx context.Context) error {
		cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return badPhoto{err}
		}
		if format != "png" && format != "jpeg" {
			return badPhoto{fmt.Errorf("format %s", format)}
		}
		if cfg.Width*cfg.Height > maxPixels {
			return badPhoto{fmt.Errorf("%d×%d is more than %d pixels", cfg.Width, cfg.Height, maxPixels)}
		}
		img, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			return badPhoto{err}
		}
		t := resize(img, thumbWidth, thumbHeight)
		if thumb, err = encodePhoto(t, format); err != nil {
			return err
		}
		ph = photo{Format: format, Width: cfg.Width, Height: cfg.Height, Bytes: int64(len(data))}
		xray.AddMetadata(ctx, "source", fmt.Sprintf("%d×%d %s, %d bytes", cfg.Width, cfg.Height, format, len(data)))
		xray.AddMetadata(ctx, "thumbnail", fmt.Sprintf("%d×%d, %d bytes", t.Rect.Dx(), t.Rect.Dy(), len(thumb)))
		return nil
	})
	if err != nil {
		return 0, err
	}
	xray.AddAnnotation(ctx, "format", ph.Format)
	xray.AddAnnotation(ctx, "photo_size", int(ph.Bytes))
	xray.AddAnnotation(ctx, "panorama", ph.Width >= 2*ph.Height)

	name := newToken()[:16] + "." + map[string]string{"png": "png", "jpeg": "jpg"}[ph.Format]
	ph.Key = fmt.Sprintf("photos/%d/%s", u.ID, name)
	ph.ThumbKey = fmt.Sprintf("thumbnails/%d/%s", u.ID, name)
	contentType := "image/" + ph.Format
	for _, obj := range []struct {
		key  string
		data []byte
	}{{ph.Key, data}, {ph.ThumbKey, thumb}} {
		if _, err := f.s3.PutObject(ctx, &s3.PutObjectInput{
			Bucket:      aws.String(bucket),
			Key:         aws.String(obj.key),
			Body:        bytes.NewReader(obj.data),
			ContentType: aws.String(contentType),
			Metadata:    map[string]string{"user-id": strconv.FormatInt(u.ID, 10)},
		}); err != nil {
			return 0, fmt.Errorf("cannot store s3://%s/%s: %w", bucket, obj.key, err)
		}
	}
	id, err := f.db.insertPhoto(ctx, u.ID, ph)
	if err != nil {
		return 0, err
	}
	ph.ID = id
	labels, status, err := f.requestLabels(ctx, ph.Key)
	switch {
	case err != nil:
		f.log.Debug("labeler failed; labels stay pending", "photo", id, "status", status, "err", err)
		xray.AddAnnotation(ctx, "labels", "pending")
	default:
		ph.Labels = strings.Join(labels, ",")
		if err := f.db.setLabels(ctx, id, ph.Labels); err != nil {
			return 0, err
		}
		xray.AddAnnotation(ctx, "labels", "done")
	}
	xray.AddMetadataToNamespace(ctx, "imagetrends", "photo", map[string]any{
		"id": ph.ID, "key": ph.Key, "width": ph.Width, "height": ph.Height, "bytes": ph.Bytes, "format": ph.Format, "labels": labels,
	})
	return id, nil
}

// requestLabels asks labeler about a stored photo.
func (f *frontend) requestLabels(ctx context.Context, key string) (labels []string, status int, err error) {
	body, err := json.Marshal(labelRequest{Bucket: bucket, Key: key})
	if err != nil {
		return nil, 0, fmt.Errorf("cannot encode label request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.labelerURL+"/labels", bytes.NewReader(body))
	if err != nil {
		return nil, 0, fmt.Errorf("cannot build label request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("cannot reach labeler: %w", err)
	}
	defer resp.Body.Close()
	var out labelResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out); err != nil {
		return nil, resp.StatusCode, fmt.Errorf("cannot read labeler's answer (%s): %w", resp.Status, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, resp.StatusCode, fmt.Errorf("labeler answered %s: %s", resp.Status, out.Error)
	}
	for _, l := range out.Labels {
		labels = append(labels, l.Name)
	}
	return labels, resp.StatusCode, nil
}

func (f *frontend) render(w http.ResponseWriter, r *http.Request, status int, name string, data pageData) {
	if err := f.pages.render(w, status, name, data); err != nil {
		xray.AddError(r.Context(), err)
		f.log.Error("cannot render page", "page", name, "err", err)
	}
}

// serverError records err on the segment (a fault with its cause, for
// root-cause analysis) and answers 500.
func (f *frontend) serverError(w http.ResponseWriter, r *http.Request, err error) {
	xray.AddError(r.Context(), err)
	f.log.Debug("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	f.pages.render(w, http.StatusInternalServerError, "error", pageData{Title: "Something went wrong", Error: "ImageTrends could not complete this request. Please try again."})
}

// setUser names the user on the request's segment (the trace's Users).
func setUser(ctx context.Context, name string) {
	if seg := xray.GetSegment(ctx); seg != nil {
		seg.Lock()
		seg.User = name
		seg.Unlock()
	}
}

// annotateUser records who made the request: the segment's user, a user_id
// annotation to filter on, and the account in metadata.
func annotateUser(ctx context.Context, u user) {
	setUser(ctx, u.Email)
	xray.AddAnnotation(ctx, "user_id", int(u.ID)) // the SDK takes int, not int64
	xray.AddMetadataToNamespace(ctx, "imagetrends", "user", map[string]any{"email": u.Email, "name": u.Name, "plan": u.Plan})
}

func newToken() string {
	var b [16]byte
	crand.Read(b[:])
	return hex.EncodeToString(b[:])
}
