package fakeaws

import (
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
)

// failedAttempts is how many leading attempts of the SDK invocation behind
// r are to fail, given the fraction rate of invocations that fail at least
// once: half of those fail once, a quarter twice, a quarter five times
// (beyond the SDKs' default of three attempts, so the caller sees the
// error). Retries carry the same invocation ID, so they get the same answer.
// A request without one (not from an AWS SDK) fails once at that rate.
func failedAttempts(r *http.Request, rate float64, salt string) int {
	if rate <= 0 {
		return 0
	}
	id := r.Header.Get("Amz-Sdk-Invocation-Id")
	if id == "" {
		if rand.Float64() < rate {
			return 1
		}
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(salt))
	h.Write([]byte(id))
	sum := h.Sum64()
	// The top 53 bits pick whether the invocation fails, the low bits how
	// often: independent enough for a demo.
	if float64(sum>>11)/(1<<53) >= rate {
		return 0
	}
	switch sum & 3 {
	case 0, 1:
		return 1
	case 2:
		return 2
	default:
		return 5
	}
}

// attempt is the 1-based attempt number the AWS SDKs send in the
// amz-sdk-request header ("attempt=2; max=3"); 1 when absent.
func attempt(r *http.Request) int {
	for _, part := range strings.Split(r.Header.Get("Amz-Sdk-Request"), ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok && k == "attempt" {
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				return n
			}
		}
	}
	return 1
}

// shouldFail reports whether this attempt of r fails.
func shouldFail(r *http.Request, rate float64, salt string) bool {
	return attempt(r) <= failedAttempts(r, rate, salt)
}

// requestID is an AWS-style request ID: 16 upper-case hex digits for S3,
// which is what x-amz-request-id looks like.
func requestID() string {
	const hex = "0123456789ABCDEF"
	var b [16]byte
	for i := range b {
		b[i] = hex[rand.IntN(16)]
	}
	return string(b[:])
}

// uuid is a random version-4 UUID, the request ID format of JSON services.
func uuid() string {
	const hex = "0123456789abcdef"
	var b [36]byte
	for i := range b {
		switch i {
		case 8, 13, 18, 23:
			b[i] = '-'
		case 14:
			b[i] = '4'
		case 19:
			b[i] = hex[8+rand.IntN(4)]
		default:
			b[i] = hex[rand.IntN(16)]
		}
	}
	return string(b[:])
}
