package demo

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// TrafficConfig shapes the generated load. The zero value of each field
// means its default.
type TrafficConfig struct {
	// Rate is requests per second, on average (arrivals are random, as
	// people's are). Default 5.
	Rate float64
	// LoginFailureRate is the fraction of requests that are logins with a
	// wrong password (401). Default 0.03; negative means none.
	LoginFailureRate float64
	// SlowRate is the fraction of uploads that are large panoramas: the
	// slow photo path (a longer resize_image, a slower Rekognition).
	// Default 0.05; negative means none.
	SlowRate float64
	// Requests, when positive, stops the traffic after that many requests
	// (tests want a number of events more than a duration).
	Requests int64
	// Progress receives a line of counts every ProgressEvery (default 5 s)
	// and a last one at the end; nil for none.
	Progress      io.Writer
	ProgressEvery time.Duration
}

// Defaults of TrafficConfig.
const (
	DefaultRate             = 5
	DefaultLoginFailureRate = 0.03
	DefaultSlowRate         = 0.05
)

func (c TrafficConfig) withDefaults() TrafficConfig {
	if c.Rate == 0 {
		c.Rate = DefaultRate
	}
	c.LoginFailureRate = rateDefault(c.LoginFailureRate, DefaultLoginFailureRate)
	c.SlowRate = rateDefault(c.SlowRate, DefaultSlowRate)
	if c.ProgressEvery <= 0 {
		c.ProgressEvery = 5 * time.Second
	}
	return c
}

func (c TrafficConfig) validate() error {
	if c.Rate < 0 || c.Rate > 100000 {
		return fmt.Errorf("rate %v is not between 0 and 100000 requests per second", c.Rate)
	}
	if c.Requests < 0 {
		return fmt.Errorf("requests %d is negative", c.Requests)
	}
	if c.LoginFailureRate > 1 || c.SlowRate > 1 {
		return fmt.Errorf("login failure rate %v and slow rate %v must be fractions between 0 and 1", c.LoginFailureRate, c.SlowRate)
	}
	return nil
}

// drainTimeout is how long requests in flight may finish once traffic
// stops before they are cancelled.
const drainTimeout = 5 * time.Second

// RunTraffic sends requests to imagetrends as the simulated users until ctx
// is done (or Requests were sent), then lets the requests in flight finish (cancelling them after
// a few seconds) and returns the counts.
func (d *Demo) RunTraffic(ctx context.Context, tc TrafficConfig) (Counts, error) {
	tc = tc.withDefaults()
	if err := tc.validate(); err != nil {
		return Counts{}, err
	}
	pool, err := d.photoPool()
	if err != nil {
		return Counts{}, err
	}
	g := &generator{base: d.URL(), cfg: tc, photos: pool, transport: newTransport(), counts: newCounter(), log: d.log}
	users := make(chan *vuser, len(d.accounts))
	// admin@admin.com is left to the person exploring: their photos are
	// their own.
	for _, a := range d.accounts[1:] {
		u, err := g.newUser(a)
		if err != nil {
			return Counts{}, err
		}
		users <- u
	}
	anonymous := &http.Client{Transport: g.transport, CheckRedirect: noRedirects, Timeout: 60 * time.Second}

	// Requests in flight outlive ctx by up to drainTimeout.
	reqCtx, cancelRequests := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRequests()
	progressDone := make(chan struct{})
	stopProgress := make(chan struct{})
	go func() {
		defer close(progressDone)
		g.reportProgress(stopProgress)
	}()

	var wg sync.WaitGroup
	next := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
loop:
	for sent := int64(0); tc.Requests <= 0 || sent < tc.Requests; sent++ {
		// Poisson arrivals: exponential gaps around 1/Rate.
		next = next.Add(time.Duration(rand.ExpFloat64() / tc.Rate * float64(time.Second)))
		timer.Reset(time.Until(next))
		select {
		case <-ctx.Done():
			break loop
		case <-timer.C:
		}
		if rand.Float64() < tc.LoginFailureRate {
			a := d.accounts[1+rand.IntN(len(d.accounts)-1)]
			wg.Go(func() { g.failedLogin(reqCtx, anonymous, a) })
			continue
		}
		var u *vuser
		select {
		case <-ctx.Done():
			break loop
		case u = <-users:
		}
		wg.Go(func() {
			defer func() { users <- u }()
			g.act(reqCtx, u)
		})
	}
	drained := make(chan struct{})
	go func() {
		wg.Wait()
		close(drained)
	}()
	select {
	case <-drained:
	case <-time.After(drainTimeout):
		cancelRequests()
		<-drained
	}
	close(stopProgress)
	<-progressDone
	g.transport.CloseIdleConnections()
	return g.counts.snapshot(), nil
}

// noRedirects makes a client return redirects instead of following them:
// the generator reads where an upload went (and a browser's follow-up
// request would be a trace of its own anyway).
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

type generator struct {
	base      string
	cfg       TrafficConfig
	photos    *photoPool
	transport *http.Transport
	counts    *counter
	log       *slog.Logger
}

// vuser is one simulated person: a browser with cookies, and the photos
// they know they have. Only one request of theirs runs at a time.
type vuser struct {
	acc      Account
	client   *http.Client
	loggedIn bool
	photos   []int64
}

func (g *generator) newUser(a Account) (*vuser, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, fmt.Errorf("cannot create cookie jar: %w", err)
	}
	return &vuser{acc: a, client: &http.Client{Transport: g.transport, Jar: jar, CheckRedirect: noRedirects, Timeout: 60 * time.Second}}, nil
}

// Uploads are real image work (decode, resize, encode): a quarter of the
// requests at demo rates, but never more than maxUploadRate a second, so
// that at load rates the machine's CPU is not all the demo measures. The
// rest is browsing, as on real photo sites.
const (
	uploadShare   = 0.25
	maxUploadRate = 20.0
)

// act makes the user's next request: log in if needed, else mostly
// browse, sometimes upload, now and then log out.
func (g *generator) act(ctx context.Context, u *vuser) {
	if !u.loggedIn {
		resp := g.do(u.client, g.form(ctx, "/login", url.Values{"email": {u.acc.Email}, "password": {u.acc.Password}}))
		u.loggedIn = resp.status == http.StatusSeeOther && resp.location == "/photos"
		return
	}
	uploads := min(uploadShare, maxUploadRate/g.cfg.Rate)
	var resp result
	switch n := rand.Float64(); {
	case n < uploads || (len(u.photos) == 0 && n < 2*uploads):
		resp = g.do(u.client, g.upload(ctx))
		if id, ok := strings.CutPrefix(resp.location, "/photos/"); ok && resp.status == http.StatusSeeOther {
			if v, err := strconv.ParseInt(id, 10, 64); err == nil {
				u.photos = append(u.photos, v)
				if len(u.photos) > 50 {
					u.photos = u.photos[1:]
				}
			}
		}
	case len(u.photos) == 0 || n < uploads+(1-uploads)*0.4:
		resp = g.do(u.client, g.get(ctx, "/photos"))
	case n < uploads+(1-uploads)*0.6:
		resp = g.do(u.client, g.get(ctx, fmt.Sprintf("/photos/%d", u.photos[rand.IntN(len(u.photos))])))
	case n < uploads+(1-uploads)*0.97:
		resp = g.do(u.client, g.get(ctx, fmt.Sprintf("/photos/%d/image?size=thumb", u.photos[rand.IntN(len(u.photos))])))
	default:
		resp = g.do(u.client, g.form(ctx, "/logout", nil))
		u.loggedIn = false
		return
	}
	if resp.status == http.StatusSeeOther && resp.location == "/login" {
		u.loggedIn = false
	}
}

func (g *generator) failedLogin(ctx context.Context, c *http.Client, a Account) {
	g.do(c, g.form(ctx, "/login", url.Values{"email": {a.Email}, "password": {"password123"}}))
}

func (g *generator) get(ctx context.Context, path string) *http.Request {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.base+path, nil)
	if err != nil {
		panic(fmt.Sprintf("cannot build request for fixed path %s: %v", path, err))
	}
	return req
}

func (g *generator) form(ctx context.Context, path string, v url.Values) *http.Request {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.base+path, strings.NewReader(v.Encode()))
	if err != nil {
		panic(fmt.Sprintf("cannot build request for fixed path %s: %v", path, err))
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

func (g *generator) upload(ctx context.Context) *http.Request {
	p := g.photos.pick(g.cfg.SlowRate)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("photo", p.name)
	if err == nil {
		_, err = fw.Write(p.data)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		panic(fmt.Sprintf("cannot write a multipart body to memory: %v", err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.base+"/upload", &body)
	if err != nil {
		panic(fmt.Sprintf("cannot build upload request: %v", err))
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return req
}

// result is what the generator keeps of a response.
type result struct {
	status   int // 0: no answer
	location string
}

func (g *generator) do(c *http.Client, req *http.Request) result {
	resp, err := c.Do(req)
	if err != nil {
		g.log.Debug("request unanswered", "method", req.Method, "path", req.URL.Path, "err", err)
		g.counts.add(0)
		return result{}
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	g.counts.add(resp.StatusCode)
	return result{status: resp.StatusCode, location: resp.Header.Get("Location")}
}
