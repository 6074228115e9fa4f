package local

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/lightbox-tracing/lightbox/segment"
)

// genTrace builds n realistic documents of one trace (about 1 KB each): a
// segment with HTTP and AWS blocks and annotations, then independent
// subsegments under it, the shape SDKs stream for a busy request.
func genTrace(t testing.TB, rng *rand.Rand, epoch uint32, start float64, n int) []*segment.Document {
	t.Helper()
	tid := fmt.Sprintf("1-%08x-%012x%012x", epoch, rng.Uint64()&0xffffffffffff, rng.Uint64()&0xffffffffffff)
	root := fmt.Sprintf("%016x", rng.Uint64())
	pad := func(k int) string {
		const hex = "0123456789abcdef"
		var b strings.Builder
		for range k {
			b.WriteByte(hex[rng.IntN(16)])
		}
		return b.String()
	}
	var docs []*segment.Document
	raw := fmt.Sprintf(`{"trace_id":%q,"id":%q,"name":"checkout-api","origin":"AWS::ECS::Container",`+
		`"start_time":%.6f,"end_time":%.6f,"http":{"request":{"method":"POST","url":"https://shop.example.com/api/checkout/%s",`+
		`"user_agent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36","client_ip":"10.1.%d.%d"},"response":{"status":200,"content_length":1834}},`+
		`"aws":{"account_id":"123456789012","ecs":{"container":"checkout-7d9f","availability_zone":"eu-west-1a"},"xray":{"sdk":"X-Ray for Go","sdk_version":"1.8.5"}},`+
		`"annotations":{"customer_tier":"gold","cart_items":%d,"region":"eu-west-1"},"metadata":{"debug":{"note":%q}}}`,
		tid, root, start, start+0.250, pad(12), rng.IntN(256), rng.IntN(256), rng.IntN(20), pad(420))
	docs = append(docs, mustParse(t, raw)...)
	for i := 1; i < n; i++ {
		s := start + 0.01*float64(i)
		raw := fmt.Sprintf(`{"trace_id":%q,"id":"%016x","parent_id":%q,"type":"subsegment","name":"DynamoDB","namespace":"aws",`+
			`"start_time":%.6f,"end_time":%.6f,"http":{"response":{"status":200}},`+
			`"aws":{"operation":"GetItem","region":"eu-west-1","request_id":"%s","table_name":"carts","retries":0},`+
			`"metadata":{"default":{"key":%q}}}`,
			tid, rng.Uint64(), root, s, s+0.008, pad(32), pad(560))
		docs = append(docs, mustParse(t, raw)...)
	}
	return docs
}

func mustParse(t testing.TB, raw string) []*segment.Document {
	t.Helper()
	docs, err := segment.Parse([]byte(raw))
	if err != nil {
		t.Fatalf("generated document is invalid: %v\n%s", err, raw)
	}
	return docs
}

func docBytes(docs []*segment.Document) int64 {
	var n int64
	for _, d := range docs {
		n += int64(len(d.Raw))
	}
	return n
}
