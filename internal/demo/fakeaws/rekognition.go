package fakeaws

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"image"
	"io"
	"net/http"
	"sync"
	"time"
)

// ObjectReader is where Rekognition finds the photos it is asked about by
// S3 location (the S3 stand-in).
type ObjectReader interface {
	Object(bucket, key string) ([]byte, bool)
}

// RekognitionOptions configure the Rekognition stand-in.
type RekognitionOptions struct {
	// Images resolves S3Object references.
	Images ObjectReader
	// Latency is the response time of DetectLabels for a small photo.
	Latency Latency
	// PerMegapixel is added for each million pixels of the photo: big
	// photos take longer to analyse.
	PerMegapixel time.Duration
	// ThrottleRate is the fraction of calls answered 429
	// ThrottlingException on at least one attempt.
	ThrottleRate float64
}

// Rekognition is an Amazon Rekognition endpoint (AWS JSON 1.1 protocol)
// that answers DetectLabels from a look at the photo's colours.
type Rekognition struct {
	opts RekognitionOptions

	mu   sync.Mutex
	seen map[[32]byte][]label // labels by photo content
}

// NewRekognition returns a Rekognition; serve it with net/http.
func NewRekognition(opts RekognitionOptions) *Rekognition {
	return &Rekognition{opts: opts, seen: map[[32]byte][]label{}}
}

// maxRemembered bounds the labels remembered by photo content.
const maxRemembered = 4096

// labels analyses a photo, once per distinct content: the demo uploads the
// same few photos over and over, and decoding each again would make the
// stand-in, not the application, the demo's biggest CPU user.
func (k *Rekognition) labels(img []byte) ([]label, error) {
	sum := sha256.Sum256(img)
	k.mu.Lock()
	ls, ok := k.seen[sum]
	k.mu.Unlock()
	if ok {
		return ls, nil
	}
	ls, err := detectLabels(img)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	if len(k.seen) >= maxRemembered {
		clear(k.seen)
	}
	k.seen[sum] = ls
	k.mu.Unlock()
	return ls, nil
}

// detectLabelsInput is the part of DetectLabels' input the stand-in reads.
type detectLabelsInput struct {
	Image struct {
		Bytes    []byte
		S3Object *struct {
			Bucket string
			Name   string
		}
	}
	MaxLabels     *int
	MinConfidence *float64
}

func (k *Rekognition) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Amzn-Requestid", uuid())
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		return
	}
	if r.Method != http.MethodPost || r.Header.Get("X-Amz-Target") != "RekognitionService.DetectLabels" {
		jsonError(w, http.StatusBadRequest, "UnknownOperationException", "Only DetectLabels is implemented.")
		return
	}
	// Throttled requests are turned away quickly, before any work.
	if shouldFail(r, k.opts.ThrottleRate, "rekognition") {
		if sleep(r.Context(), 2*time.Millisecond+k.opts.Latency.Median/50) == nil {
			jsonError(w, http.StatusTooManyRequests, "ThrottlingException", "Rate exceeded")
		}
		return
	}
	var in detectLabelsInput
	if err := json.Unmarshal(body, &in); err != nil {
		jsonError(w, http.StatusBadRequest, "SerializationException", "cannot read the request: "+err.Error())
		return
	}
	img := in.Image.Bytes
	if s3 := in.Image.S3Object; s3 != nil {
		var ok bool
		if img, ok = k.opts.Images.Object(s3.Bucket, s3.Name); !ok {
			jsonError(w, http.StatusBadRequest, "InvalidS3ObjectException", "Unable to get object metadata from S3. Check object key, region and/or access permissions.")
			return
		}
	}
	start := time.Now()
	labels, err := k.labels(img)
	if err != nil {
		jsonError(w, http.StatusBadRequest, "InvalidImageFormatException", "Request has invalid image format")
		return
	}
	labels = filterLabels(labels, in.MaxLabels, in.MinConfidence)
	cfg, _, _ := image.DecodeConfig(bytes.NewReader(img)) // decoded whole above: no error
	megapixels := float64(cfg.Width) * float64(cfg.Height) / 1e6
	d := k.opts.Latency.Sample() + time.Duration(float64(k.opts.PerMegapixel)*megapixels) - time.Since(start)
	if err := sleep(r.Context(), d); err != nil {
		return
	}
	out := struct {
		Labels            []label
		LabelModelVersion string
	}{labels, "3.0"}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(out)
}

// jsonError writes an AWS JSON protocol error.
func jsonError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"__type": code, "Message": message})
}
