package demo

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"time"
)

//go:embed templates/*.html
var templateFS embed.FS

// pageData is what every page template receives.
type pageData struct {
	Title  string
	User   *user
	Error  string
	Email  string // login form: what was typed
	Photos []photo
	Total  int
	Photo  photo
	Hint   Account // login form: the workshop's credentials
}

// pages holds one template per page, each joined with the shared layout.
type pages map[string]*template.Template

var pageFuncs = template.FuncMap{
	"kb": func(n int64) string {
		if n >= 1<<20 {
			return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
		}
		return fmt.Sprintf("%d KB", (n+512)/1024)
	},
	"ago": func(t time.Time) string {
		d := time.Since(t).Round(time.Second)
		switch {
		case d < time.Minute:
			return "just now"
		case d < time.Hour:
			return fmt.Sprintf("%d min ago", int(d.Minutes()))
		default:
			return t.Format("Jan 2 15:04")
		}
	},
}

func loadPages() (pages, error) {
	p := pages{}
	for _, name := range []string{"login", "photos", "photo", "upload", "error"} {
		t, err := template.New(name).Funcs(pageFuncs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("cannot parse page %s: %w", name, err)
		}
		p[name] = t
	}
	return p, nil
}

// render writes a page; templates are executed into a buffer first so a
// failure can still become a proper 500.
func (p pages) render(w http.ResponseWriter, status int, name string, data pageData) error {
	var buf bytes.Buffer
	if err := p[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		http.Error(w, "cannot render page", http.StatusInternalServerError)
		return fmt.Errorf("cannot render page %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}
