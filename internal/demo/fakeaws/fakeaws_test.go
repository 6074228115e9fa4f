package fakeaws

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/rekognition"
	rektypes "github.com/aws/aws-sdk-go-v2/service/rekognition/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// awsConfig is what an application would configure: real clients, a
// loopback endpoint, the standard retryer (3 attempts) without waiting.
func awsConfig(t *testing.T, h http.Handler) aws.Config {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "secret", ""),
		BaseEndpoint: aws.String(srv.URL),
		HTTPClient:   srv.Client(),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.RateLimiter = ratelimit.None
				o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
			})
		},
	}
}

func newS3Client(t *testing.T, stub *S3) *s3.Client {
	return s3.NewFromConfig(awsConfig(t, stub), func(o *s3.Options) { o.UsePathStyle = true })
}

func TestS3ObjectRoundTrip(t *testing.T) {
	stub := NewS3(S3Options{MaxObjects: 3})
	c := newS3Client(t, stub)
	ctx := context.Background()
	put := func(key, body string) {
		t.Helper()
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("photos"), Key: aws.String(key), Body: strings.NewReader(body), ContentType: aws.String("image/png")}); err != nil {
			t.Fatalf("PutObject %s: %v", key, err)
		}
	}
	get := func(key string) (string, error) {
		t.Helper()
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("photos"), Key: aws.String(key)})
		if err != nil {
			return "", err
		}
		defer out.Body.Close()
		b, err := io.ReadAll(out.Body)
		if aws.ToString(out.ContentType) != "image/png" || aws.ToString(out.ETag) == "" {
			t.Errorf("GetObject %s: content type %q, ETag %q", key, aws.ToString(out.ContentType), aws.ToString(out.ETag))
		}
		return string(b), err
	}

	put("a/1.png", "first")
	put("a/2.png", "second")
	if got, err := get("a/1.png"); err != nil || got != "first" {
		t.Fatalf("GetObject a/1.png = %q, %v", got, err)
	}
	if h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("photos"), Key: aws.String("a/2.png")}); err != nil || aws.ToInt64(h.ContentLength) != int64(len("second")) {
		t.Fatalf("HeadObject: %+v, %v", h, err)
	}
	_, err := get("a/none.png")
	var missing *s3types.NoSuchKey
	if !errors.As(err, &missing) {
		t.Fatalf("GetObject of a missing key: %v, want NoSuchKey", err)
	}
	// The same content under two keys is stored once; beyond MaxObjects
	// the oldest key goes.
	put("b/1.png", "first")
	put("b/2.png", "third")
	if stub.Len() != 3 || len(stub.blobs) != 3 {
		t.Errorf("after 4 puts with MaxObjects 3: %d objects, %d distinct contents; want 3 and 3", stub.Len(), len(stub.blobs))
	}
	if _, ok := stub.Object("photos", "a/1.png"); ok {
		t.Error("the oldest object survived eviction")
	}
	if got, err := get("b/1.png"); err != nil || got != "first" {
		t.Errorf("GetObject b/1.png = %q, %v", got, err)
	}
}

// With every invocation failing at least once, the SDK retries: half the
// calls succeed on their second attempt, a quarter on their third, a
// quarter run out of attempts with S3's 500 or 503.
func TestS3FaultsPerInvocation(t *testing.T) {
	c := newS3Client(t, NewS3(S3Options{FaultRate: 1}))
	var ok, failed int
	attempts := map[int]int{}
	for i := range 200 {
		out, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String(fmt.Sprint(i)), Body: strings.NewReader("x")})
		if err != nil {
			var api smithy.APIError
			if !errors.As(err, &api) || (api.ErrorCode() != "InternalError" && api.ErrorCode() != "SlowDown") {
				t.Fatalf("PutObject error %v, want InternalError or SlowDown", err)
			}
			failed++
			continue
		}
		ok++
		res, _ := retry.GetAttemptResults(out.ResultMetadata)
		attempts[len(res.Results)]++
	}
	if failed < 25 || failed > 80 || attempts[1] != 0 || attempts[2] < 60 || attempts[3] < 25 {
		t.Errorf("200 calls: %d failed, successes by attempts %v; want about 50 failed, 100 on the 2nd attempt, 50 on the 3rd, none on the 1st", failed, attempts)
	}
}

// solid is a w×h PNG of one colour.
func solid(t *testing.T, w, h int, c color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRekognitionDetectLabels(t *testing.T) {
	store := NewS3(S3Options{})
	store.store("photos/dusk.png", solid(t, 64, 48, color.RGBA{240, 120, 80, 255}), "image/png")
	rek := rekognition.NewFromConfig(awsConfig(t, NewRekognition(RekognitionOptions{Images: store})))
	ctx := context.Background()
	detect := func(img rektypes.Image, maxLabels int32) ([]string, error) {
		t.Helper()
		out, err := rek.DetectLabels(ctx, &rekognition.DetectLabelsInput{Image: &img, MaxLabels: aws.Int32(maxLabels), MinConfidence: aws.Float32(70)})
		if err != nil {
			return nil, err
		}
		if out.LabelModelVersion == nil {
			t.Error("DetectLabels answered without LabelModelVersion")
		}
		var names []string
		for i, l := range out.Labels {
			names = append(names, aws.ToString(l.Name))
			if c := aws.ToFloat32(l.Confidence); c < 70 || c > 100 || (i > 0 && c > aws.ToFloat32(out.Labels[i-1].Confidence)) {
				t.Errorf("label %s confidence %v: not in [70, 100] or not in descending order", aws.ToString(l.Name), c)
			}
		}
		return names, nil
	}
	for _, c := range []struct {
		name   string
		colour color.RGBA
		w, h   int
		want   string
	}{
		{"orange", color.RGBA{240, 120, 80, 255}, 64, 48, "Sunset"},
		{"blue", color.RGBA{60, 120, 230, 255}, 64, 48, "Sky"},
		{"green", color.RGBA{40, 140, 50, 255}, 64, 48, "Forest"},
		{"dark", color.RGBA{15, 15, 30, 255}, 64, 48, "City"},
		{"wide", color.RGBA{60, 120, 230, 255}, 300, 100, "Panoramic"},
	} {
		got, err := detect(rektypes.Image{Bytes: solid(t, c.w, c.h, c.colour)}, 10)
		if err != nil || !slices.Contains(got, c.want) || !slices.Contains(got, "Outdoors") {
			t.Errorf("%s photo: labels %v (%v), want %s and Outdoors among them", c.name, got, err, c.want)
		}
	}
	got, err := detect(rektypes.Image{S3Object: &rektypes.S3Object{Bucket: aws.String("photos"), Name: aws.String("dusk.png")}}, 2)
	if err != nil || len(got) != 2 || !slices.Contains(got, "Sky") {
		t.Errorf("S3 photo with MaxLabels 2: %v (%v)", got, err)
	}
	for _, c := range []struct {
		img  rektypes.Image
		want string
	}{
		{rektypes.Image{S3Object: &rektypes.S3Object{Bucket: aws.String("photos"), Name: aws.String("none.png")}}, "InvalidS3ObjectException"},
		{rektypes.Image{Bytes: []byte("not an image")}, "InvalidImageFormatException"},
	} {
		_, err := detect(c.img, 10)
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != c.want {
			t.Errorf("DetectLabels error %v, want %s", err, c.want)
		}
	}
}

// Throttles come as 429 ThrottlingException; the SDK retries them, so most
// throttled calls succeed and a quarter end in the error.
func TestRekognitionThrottles(t *testing.T) {
	rek := rekognition.NewFromConfig(awsConfig(t, NewRekognition(RekognitionOptions{ThrottleRate: 1})))
	img := solid(t, 16, 16, color.RGBA{60, 120, 230, 255})
	var ok, throttled int
	for range 100 {
		_, err := rek.DetectLabels(context.Background(), &rekognition.DetectLabelsInput{Image: &rektypes.Image{Bytes: img}})
		var te *rektypes.ThrottlingException
		switch {
		case err == nil:
			ok++
		case errors.As(err, &te):
			throttled++
			var re interface{ HTTPStatusCode() int }
			if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusTooManyRequests {
				t.Errorf("throttle error %v is not HTTP 429", err)
			}
		default:
			t.Fatalf("DetectLabels: %v", err)
		}
	}
	if throttled < 10 || throttled > 45 || ok+throttled != 100 {
		t.Errorf("100 always-throttled calls: %d succeeded after retries, %d throttled; want about 75 and 25", ok, throttled)
	}
}

func TestFailedAttemptsFollowTheInvocation(t *testing.T) {
	req := func(id, attempt string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Amz-Sdk-Invocation-Id", id)
		if attempt != "" {
			r.Header.Set("Amz-Sdk-Request", attempt)
		}
		return r
	}
	for _, c := range []struct {
		header string
		want   int
	}{{"attempt=1; max=3", 1}, {"attempt=3; max=3", 3}, {"ttl=20260101T000000Z; attempt=2; max=3", 2}, {"", 1}, {"attempt=x", 1}} {
		if got := attempt(req("id", c.header)); got != c.want {
			t.Errorf("attempt(%q) = %d, want %d", c.header, got, c.want)
		}
	}
	counts := map[int]int{}
	for i := range 20000 {
		id := fmt.Sprintf("inv-%d", i)
		n := failedAttempts(req(id, ""), 0.3, "s3")
		if again := failedAttempts(req(id, "attempt=2; max=3"), 0.3, "s3"); again != n {
			t.Fatalf("invocation %s: %d failed attempts, then %d on its retry", id, n, again)
		}
		counts[n]++
	}
	near := func(got int, want float64) bool { return float64(got) > want*0.9 && float64(got) < want*1.1 }
	if !near(counts[0], 14000) || !near(counts[1], 3000) || !near(counts[2], 1500) || !near(counts[5], 1500) {
		t.Errorf("failed attempts over 20,000 invocations at rate 0.3: %v; want about 0:14000 1:3000 2:1500 5:1500", counts)
	}
	if failedAttempts(req("inv-1", ""), 0, "s3") != 0 {
		t.Error("rate 0 failed an attempt")
	}
}

func TestLatencyDistribution(t *testing.T) {
	l := Latency{Median: 100 * time.Millisecond, Sigma: 0.4, TailRate: 0.05, Tail: 2 * time.Second}
	var ds []time.Duration
	for range 20000 {
		ds = append(ds, l.Sample())
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	median, p99 := ds[len(ds)/2], ds[len(ds)*99/100]
	if median < 95*time.Millisecond || median > 115*time.Millisecond {
		t.Errorf("median %v, want about 100ms (a little above: the tail)", median)
	}
	if p99 < time.Second {
		t.Errorf("p99 %v, want the long tail (over 1 s)", p99)
	}
	if s := l.Scaled(0.5); s.Median != 50*time.Millisecond || s.Tail != time.Second || s.Sigma != l.Sigma {
		t.Errorf("Scaled(0.5) = %+v", s)
	}
}

// Big photos take longer: PerMegapixel on top of the base latency.
func TestRekognitionTimeGrowsWithPixels(t *testing.T) {
	rek := rekognition.NewFromConfig(awsConfig(t, NewRekognition(RekognitionOptions{PerMegapixel: 400 * time.Millisecond})))
	took := func(w, h int) time.Duration {
		img := solid(t, w, h, color.RGBA{60, 120, 230, 255})
		start := time.Now()
		if _, err := rek.DetectLabels(context.Background(), &rekognition.DetectLabelsInput{Image: &rektypes.Image{Bytes: img}}); err != nil {
			t.Fatal(err)
		}
		return time.Since(start)
	}
	small, big := took(10, 10), took(1000, 1000)
	if big < 400*time.Millisecond || small > 200*time.Millisecond {
		t.Errorf("DetectLabels took %v for 100 pixels and %v for a megapixel; want under 200ms and over 400ms", small, big)
	}
}
