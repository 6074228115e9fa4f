package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/rekognition"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-xray-sdk-go/instrumentation/awsv2"
	"github.com/aws/aws-xray-sdk-go/xray"
	_ "modernc.org/sqlite" // the embedded database/sql driver, registered as "sqlite"

	"github.com/lightbox-tracing/lightbox/internal/demo/fakeaws"
)

// Demo is a running ImageTrends: imagetrends, labeler, and the S3 and
// Rekognition stand-ins, each on its own loopback port.
type Demo struct {
	cfg      Config
	log      *slog.Logger
	accounts []Account

	db      *sql.DB
	tempDir string // removed by Close
	s3      *fakeaws.S3

	servers    []*server // started in this order, stopped in reverse
	front      *server
	transports []*http.Transport
	started    bool

	poolMu sync.Mutex
	pool   *photoPool // the traffic generator's photos, painted once
}

type server struct {
	name string
	ln   net.Listener
	http *http.Server
	done chan struct{}
}

func (s *server) url() string { return "http://" + s.ln.Addr().String() }

// New opens the database, creates the accounts and binds every port;
// nothing is served until Start. On error everything already opened is
// closed again.
func New(cfg Config) (*Demo, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	d := &Demo{cfg: cfg, log: cfg.Logger, accounts: accounts(cfg.Users)}
	ok := false
	defer func() {
		if !ok {
			d.Close(context.Background())
		}
	}()
	xctx, err := xrayContext(cfg.DaemonAddr)
	if err != nil {
		return nil, err
	}
	if err := d.openDB(); err != nil {
		return nil, err
	}

	scale := cfg.LatencyScale
	d.s3 = fakeaws.NewS3(fakeaws.S3Options{
		PutLatency: s3PutLatency.Scaled(scale),
		GetLatency: s3GetLatency.Scaled(scale),
		FaultRate:  cfg.S3FaultRate,
	})
	rek := fakeaws.NewRekognition(fakeaws.RekognitionOptions{
		Images:       d.s3,
		Latency:      rekognitionLatency.Scaled(scale),
		PerMegapixel: time.Duration(float64(rekognitionPerMP) * scale),
		ThrottleRate: cfg.ThrottleRate,
	})
	s3Srv, err := d.listen("s3", "127.0.0.1:0", d.s3)
	if err != nil {
		return nil, err
	}
	rekSrv, err := d.listen("rekognition", "127.0.0.1:0", rek)
	if err != nil {
		return nil, err
	}

	// The applications' AWS clients, instrumented as the X-Ray SDK
	// documents: one call to AWSV2Instrumentor on the config's APIOptions.
	awsCfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDIMAGETRENDS", "demo-secret", ""),
		HTTPClient:  &http.Client{Transport: d.transport(), Timeout: 30 * time.Second},
	}
	awsv2.AWSV2Instrumentor(&awsCfg.APIOptions)
	s3Client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(s3Srv.url())
		o.UsePathStyle = true
		o.Retryer = d.retryer()
	})
	rekClient := rekognition.NewFromConfig(awsCfg, func(o *rekognition.Options) {
		o.BaseEndpoint = aws.String(rekSrv.url())
		o.Retryer = d.retryer()
	})

	lab := &labeler{rek: rekClient, log: cfg.Logger.With("service", "labeler")}
	labSrv, err := d.listen("labeler", "127.0.0.1:0", xray.HandlerWithContext(xctx, xray.NewFixedSegmentNamer("labeler"), lab.routes()))
	if err != nil {
		return nil, err
	}
	pg, err := loadPages()
	if err != nil {
		return nil, err
	}
	front := &frontend{
		db:         &photoDB{db: d.db},
		s3:         s3Client,
		labelerURL: labSrv.url(),
		client:     xray.Client(&http.Client{Transport: d.transport(), Timeout: 30 * time.Second}),
		pages:      pg,
		log:        cfg.Logger.With("service", "imagetrends"),
	}
	d.front, err = d.listen("imagetrends", cfg.Listen, xray.HandlerWithContext(xctx, xray.NewFixedSegmentNamer("imagetrends"), front.routes()))
	if err != nil {
		return nil, err
	}
	ok = true
	return d, nil
}

// openDB prepares the database (schema and accounts, uninstrumented) and
// opens the application's handle through the X-Ray SDK's SQL
// instrumentation.
func (d *Demo) openDB() error {
	driver, dsn := "sqlite", d.cfg.PostgresDSN
	if dsn != "" {
		driver = postgresDriver
	} else {
		path := d.cfg.SQLitePath
		if path == "" {
			dir, err := os.MkdirTemp("", "imagetrends-")
			if err != nil {
				return fmt.Errorf("cannot create database directory: %w", err)
			}
			d.tempDir = dir
			path = filepath.Join(dir, "imagetrends.db")
		}
		// WAL and a busy timeout let concurrent requests share the file.
		dsn = path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	}
	setup, err := sql.Open(driver, dsn)
	if err != nil {
		return fmt.Errorf("cannot open database: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = migrate(ctx, setup, d.cfg.PostgresDSN != "", d.accounts)
	if cerr := setup.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("cannot close setup connection: %w", cerr)
	}
	if err != nil {
		return err
	}
	if d.db, err = xray.SQLContext(driver, dsn); err != nil {
		return fmt.Errorf("cannot open instrumented database: %w", err)
	}
	d.db.SetMaxIdleConns(8)
	if d.cfg.PostgresDSN == "" {
		// SQLite runs one writer at a time: past a few connections, more
		// only fight over the lock (and time out under load) instead of
		// queueing in database/sql's pool.
		d.db.SetMaxOpenConns(4)
	}
	return nil
}

// retryer is the AWS SDK's standard retryer with demo-friendly back-off
// (the default waits up to 20 s) and no client-side retry quota (which
// would stop retrying throttles at load, hiding the retries).
func (d *Demo) retryer() aws.Retryer {
	base := time.Duration(float64(retryBackoff) * d.cfg.LatencyScale)
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 3
		o.RateLimiter = ratelimit.None
		o.Backoff = retry.BackoffDelayerFunc(func(attempt int, err error) (time.Duration, error) {
			return time.Duration(float64(base) * float64(attempt) * (0.5 + rand.Float64())), nil
		})
	})
}

// transport is an HTTP transport whose idle connections Close drops.
func (d *Demo) transport() *http.Transport {
	t := newTransport()
	d.transports = append(d.transports, t)
	return t
}

// newTransport is the default transport keeping enough idle connections
// per host for load rates (the default 2 would open and close a connection
// per request, running out of ephemeral ports at thousands per second).
func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 256
	return t
}

func (d *Demo) listen(name, addr string, h http.Handler) (*server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen for %s on %s: %w", name, addr, err)
	}
	s := &server{name: name, ln: ln, done: make(chan struct{}), http: &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(d.log.Handler(), slog.LevelDebug),
	}}
	d.servers = append(d.servers, s)
	return s, nil
}

// Start serves every service in the background.
func (d *Demo) Start() {
	d.started = true
	for _, s := range d.servers {
		go func() {
			defer close(s.done)
			if err := s.http.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				d.log.Error("demo service stopped", "service", s.name, "err", err)
			}
		}()
	}
	d.log.Info("ImageTrends is running", "url", d.URL(), "segments_to", d.cfg.DaemonAddr)
}

// URL is imagetrends' address, the one to open in a browser.
func (d *Demo) URL() string { return d.front.url() }

// Accounts are the users that can log in (admin@admin.com first).
func (d *Demo) Accounts() []Account { return d.accounts }

// Close stops the services, front end first, waiting for requests in
// flight until ctx is done, then closes the database. Segments of
// finished requests have already been sent.
func (d *Demo) Close(ctx context.Context) error {
	var errs []error
	for i := len(d.servers) - 1; i >= 0; i-- {
		s := d.servers[i]
		if err := s.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("cannot stop %s: %w", s.name, err))
		}
		if d.started {
			<-s.done
		} else {
			s.ln.Close() // Shutdown closes only listeners being served
		}
	}
	for _, t := range d.transports {
		t.CloseIdleConnections()
	}
	if d.db != nil {
		if err := d.db.Close(); err != nil {
			errs = append(errs, fmt.Errorf("cannot close database: %w", err))
		}
	}
	if d.tempDir != "" {
		if err := os.RemoveAll(d.tempDir); err != nil {
			errs = append(errs, fmt.Errorf("cannot remove %s: %w", d.tempDir, err))
		}
	}
	return errors.Join(errs...)
}
