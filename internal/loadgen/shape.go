package loadgen

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Shapes of the generated traces, modelled on what aws-xray-sdk-go sends
// for two instrumented services (see the real-client fixtures):
//
//	front-end segment  (http block, EC2 resource, user, annotations)
//	  ├ auth                   local subsegment
//	  ├ <downstream>           remote HTTP call (namespace remote)
//	  └ DynamoDB GetItem       AWS call (namespace aws)
//	downstream segment (parent_id = the remote call, ECS resource)
//	  ├ <db>                   SQL query (namespace remote, sql block)
//	  ├ S3 PutObject           AWS call (namespace aws)
//	  └ SQS SendMessage …      independent subsegments (type subsegment)
//
// Each trace is sent child first, as SDKs do: the independent
// subsegments, then the downstream segment, then the front-end segment.

// outcome is how a trace went.
type outcome uint8

const (
	outcomeOK outcome = iota
	outcomeError
	outcomeFault
	outcomeThrottle
	numOutcomes
)

// Entity ID indexes within a trace.
const (
	idFront = iota
	idAuth
	idCall
	idDynamo
	idDown
	idSQL
	idS3
	idFirstIndependent
)

// traceTemplate is one way a trace can look: its documents in send order.
type traceTemplate struct {
	docs []*template
	ids  int
}

var (
	frontNames = []string{"web-frontend", "mobile-gateway", "checkout", "catalog-web", "partner-api"}
	downNames  = []string{"orders-api", "inventory", "payments", "pricing", "shipping"}
	routes     = []struct{ method, path string }{
		{"GET", "/cart"}, {"POST", "/checkout"}, {"GET", "/products/4711"}, {"PUT", "/cart/items/12"}, {"GET", "/orders?page=2"},
	}
)

// serviceName is the i-th name of a list, numbered once the list is used up.
func serviceName(names []string, i int) string {
	if i < len(names) {
		return names[i]
	}
	return fmt.Sprintf("%s-%d", names[i%len(names)], i/len(names))
}

// timing is one variant's layout of a trace in time, in seconds after the
// trace start.
type timing struct {
	end                      float64
	authStart, authEnd       float64
	callStart, callEnd       float64
	dynamoStart, dynamoEnd   float64
	downStart, downEnd       float64
	sqlStart, sqlEnd         float64
	s3Start, s3End           float64
	independentStart, indDur float64
}

func randomTiming(rng *rand.Rand) timing {
	ms := func(lo, hi float64) float64 { return (lo + rng.Float64()*(hi-lo)) / 1000 }
	var t timing
	t.authStart = ms(0.2, 0.6)
	t.authEnd = t.authStart + ms(0.5, 4)
	t.callStart = t.authEnd + ms(0.1, 0.5)
	t.downStart = t.callStart + ms(0.3, 1.5)
	t.sqlStart = t.downStart + ms(0.2, 1)
	t.sqlEnd = t.sqlStart + ms(1, 40)
	t.s3Start = t.sqlEnd + ms(0.1, 0.5)
	t.s3End = t.s3Start + ms(5, 60)
	t.independentStart = t.s3End + ms(0.1, 0.3)
	t.indDur = ms(0.5, 8)
	t.downEnd = t.independentStart + 4*t.indDur + ms(0.2, 1)
	t.callEnd = t.downEnd + ms(0.3, 1.5)
	t.dynamoStart = t.callEnd + ms(0.1, 0.4)
	t.dynamoEnd = t.dynamoStart + ms(2, 15)
	t.end = t.dynamoEnd + ms(0.2, 2)
	return t
}

// buildTemplates makes variants trace templates for each service pair and
// outcome: templates[outcome] lists them.
func buildTemplates(shape TraceShape, variants int, rng *rand.Rand) ([numOutcomes][]*traceTemplate, error) {
	var out [numOutcomes][]*traceTemplate
	for svc := range shape.Services {
		for o := range numOutcomes {
			for range variants {
				tt, err := buildTrace(svc, o, shape.IndependentSubsegments, randomTiming(rng), rng)
				if err != nil {
					return out, err
				}
				out[o] = append(out[o], tt)
			}
		}
	}
	return out, nil
}

func buildTrace(svc int, o outcome, independent int, tm timing, rng *rand.Rand) (*traceTemplate, error) {
	front, down := serviceName(frontNames, svc), serviceName(downNames, svc)
	route := routes[rng.IntN(len(routes))]
	tt := &traceTemplate{ids: idFirstIndependent + independent}
	add := func(src string, self int) error {
		t, err := compile(src, self)
		if err != nil {
			return err
		}
		tt.docs = append(tt.docs, t)
		return nil
	}
	for k := range independent {
		start := tm.independentStart + float64(k)*tm.indDur
		// An asynchronous SQS call, as streamed by an SDK while the
		// downstream segment is still open.
		src := fmt.Sprintf(`{"trace_id":"{{trace}}","id":"{{id %d}}","parent_id":"{{id %d}}","type":"subsegment","name":"SQS","namespace":"aws","start_time":{{t %.6f}},"end_time":{{t %.6f}},"http":{"response":{"status":200}},"aws":{"operation":"SendMessage","region":"us-east-1","queue_url":"https://sqs.us-east-1.amazonaws.com/123456789012/receipts-%d","message_id":"%08x-%04x-4%03x-a%03x-%012x","request_id":"%016x","retries":0},"annotations":{"pages":%d,"template":"receipt-v3"},"metadata":{"render":{"engine":"pdfgen","dpi":300}}}`,
			idFirstIndependent+k, idDown, start, start+tm.indDur, k,
			rng.Uint32(), rng.IntN(1<<16), rng.IntN(1<<12), rng.IntN(1<<12), rng.Uint64()>>16, rng.Uint64(), 1+rng.IntN(4))
		if err := add(src, idFirstIndependent+k); err != nil {
			return nil, err
		}
	}
	if err := add(downstreamSource(down, o, tm, rng), idDown); err != nil {
		return nil, err
	}
	if err := add(frontSource(front, down, route.method, route.path, o, tm, rng), idFront); err != nil {
		return nil, err
	}
	return tt, nil
}

func downstreamSource(name string, o outcome, tm timing, rng *rand.Rand) string {
	status, flags, cause := 200, "", ""
	sqlFlags, sqlCause := "", ""
	switch o {
	case outcomeError:
		status, flags = 404, `"error":true,`
	case outcomeFault:
		status, flags = 500, `"fault":true,`
		cause = `"cause":{"working_directory":"/srv/app","exceptions":[{"id":"4c8a1f2e9b3d7a60","type":"*pq.Error","message":"pq: deadlock detected","remote":true}]},`
		sqlFlags = `"fault":true,`
		sqlCause = `"cause":{"working_directory":"/srv/app","exceptions":[{"id":"4c8a1f2e9b3d7a61","type":"*pq.Error","message":"pq: deadlock detected","remote":true,"stack":[{"path":"orders/store.go","line":88,"label":"(*Store).Save"},{"path":"orders/handler.go","line":41,"label":"createOrder"}]}]},`
	}
	var b strings.Builder
	fmt.Fprintf(&b, `{"trace_id":"{{trace}}","id":"{{id %d}}","parent_id":"{{id %d}}","name":"%s","start_time":{{t %.6f}},"end_time":{{t %.6f}},"origin":"AWS::ECS::Container",`,
		idDown, idCall, name, tm.downStart, tm.downEnd)
	fmt.Fprintf(&b, `"http":{"request":{"method":"POST","url":"http://%s.internal:8080/orders","client_ip":"10.0.%d.%d","user_agent":"Go-http-client/1.1","x_forwarded_for":true},"response":{"status":%d,"content_length":%d}},`,
		name, rng.IntN(8), 2+rng.IntN(250), status, 120+rng.IntN(900))
	fmt.Fprintf(&b, `"aws":{"ecs":{"container":"%s-7f9c%04x","availability_zone":"us-east-1b"},"xray":{"sdk_version":"1.8.5","sdk":"X-Ray for Go"}},`, name, rng.IntN(1<<16))
	b.WriteString(`"service":{"version":"2.3.1","runtime":"gc","runtime_version":"go1.26.8"},`)
	fmt.Fprintf(&b, `"annotations":{"order_type":"%s","items":%d},`, []string{"standard", "express", "gift"}[rng.IntN(3)], 1+rng.IntN(9))
	b.WriteString(flags + cause)
	b.WriteString(`"subsegments":[`)
	fmt.Fprintf(&b, `{"trace_id":"{{trace}}","id":"{{id %d}}","parent_id":"{{id %d}}","name":"orders@db.internal","namespace":"remote","start_time":{{t %.6f}},"end_time":{{t %.6f}},%s%s"sql":{"url":"postgresql://db.internal:5432/orders","sanitized_query":"SELECT id, status, total FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 20","database_type":"PostgreSQL","database_version":"16.2","driver_version":"github.com/jackc/pgx/v5","user":"orders_app","preparation":"statement"}},`,
		idSQL, idDown, tm.sqlStart, tm.sqlEnd, sqlFlags, sqlCause)
	fmt.Fprintf(&b, `{"trace_id":"{{trace}}","id":"{{id %d}}","parent_id":"{{id %d}}","name":"S3","namespace":"aws","start_time":{{t %.6f}},"end_time":{{t %.6f}},"http":{"response":{"status":200,"content_length":0}},"aws":{"operation":"PutObject","region":"us-east-1","bucket_name":"%s-receipts","key":"receipts/2026/11/%08x.pdf","request_id":"%016X","retries":0}}`,
		idS3, idDown, tm.s3Start, tm.s3End, name, rng.Uint32(), rng.Uint64())
	b.WriteString(`]}`)
	return b.String()
}

func frontSource(name, down, method, path string, o outcome, tm timing, rng *rand.Rand) string {
	status, flags, cause := 200, "", ""
	callStatus, callFlags := 200, ""
	dynStatus, dynFlags := 200, ""
	switch o {
	case outcomeError:
		status, flags = 404, `"error":true,`
		callStatus, callFlags = 404, `"error":true,`
	case outcomeFault:
		status, flags = 502, `"fault":true,`
		cause = `"cause":{"working_directory":"/srv/web","exceptions":[{"id":"9e2b4f6a1c3d5e70","type":"upstream","message":"orders-api returned 500","remote":true}]},`
		callStatus, callFlags = 500, `"fault":true,`
	case outcomeThrottle:
		status, flags = 429, `"error":true,"throttle":true,`
		dynStatus = 400
		dynFlags = `"error":true,"throttle":true,"cause":{"working_directory":"/srv/web","exceptions":[{"id":"0a1b2c3d4e5f6a7b","type":"ProvisionedThroughputExceededException","message":"The level of configured provisioned throughput for the table was exceeded.","remote":true}]},`
	}
	var b strings.Builder
	fmt.Fprintf(&b, `{"trace_id":"{{trace}}","id":"{{id %d}}","name":"%s","start_time":{{t 0}},"end_time":{{t %.6f}},"origin":"AWS::EC2::Instance","user":"user-%d",`,
		idFront, name, tm.end, rng.IntN(5000))
	fmt.Fprintf(&b, `"http":{"request":{"method":"%s","url":"https://%s.example.com%s","client_ip":"203.0.113.%d","user_agent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"},"response":{"status":%d,"content_length":%d}},`,
		method, name, path, 1+rng.IntN(254), status, 200+rng.IntN(4000))
	fmt.Fprintf(&b, `"aws":{"ec2":{"instance_id":"i-0%015x","availability_zone":"us-east-1a"},"xray":{"sdk_version":"1.8.5","sdk":"X-Ray for Go"}},`, rng.Uint64()>>4)
	b.WriteString(`"service":{"version":"1.14.0","runtime":"gc","runtime_version":"go1.26.8"},`)
	fmt.Fprintf(&b, `"annotations":{"customer_tier":"%s","cart_items":%d,"ab_test":%t},`, []string{"gold", "silver", "free"}[rng.IntN(3)], rng.IntN(12), rng.IntN(2) == 0)
	b.WriteString(flags + cause)
	b.WriteString(`"subsegments":[`)
	fmt.Fprintf(&b, `{"trace_id":"{{trace}}","id":"{{id %d}}","parent_id":"{{id %d}}","name":"auth","start_time":{{t %.6f}},"end_time":{{t %.6f}},"metadata":{"auth":{"method":"jwt","cached":true}}},`,
		idAuth, idFront, tm.authStart, tm.authEnd)
	fmt.Fprintf(&b, `{"trace_id":"{{trace}}","id":"{{id %d}}","parent_id":"{{id %d}}","name":"%s","namespace":"remote","start_time":{{t %.6f}},"end_time":{{t %.6f}},%s"http":{"request":{"method":"POST","url":"http://%s.internal:8080/orders","traced":true},"response":{"status":%d,"content_length":%d}}},`,
		idCall, idFront, down, tm.callStart, tm.callEnd, callFlags, down, callStatus, 120+rng.IntN(900))
	fmt.Fprintf(&b, `{"trace_id":"{{trace}}","id":"{{id %d}}","parent_id":"{{id %d}}","name":"DynamoDB","namespace":"aws","start_time":{{t %.6f}},"end_time":{{t %.6f}},%s"http":{"response":{"status":%d}},"aws":{"operation":"GetItem","region":"us-east-1","table_name":"sessions","request_id":"%016X%016X","retries":0}}`,
		idDynamo, idFront, tm.dynamoStart, tm.dynamoEnd, dynFlags, dynStatus, rng.Uint64(), rng.Uint64())
	b.WriteString(`]}`)
	return b.String()
}
