package trace

import (
	"fmt"
	"testing"

	"github.com/lightbox-tracing/lightbox/segment"
)

// realisticTrace is ten documents of three services: a front end that
// calls DynamoDB, S3 and a back end, which queries SQL and calls a worker,
// which sends to SQS. Each service streams some subsegments on their own.
func realisticTrace(tb testing.TB) []*segment.Document {
	tb.Helper()
	const t0 = 1700000000.0
	at := func(off float64) string { return fmt.Sprintf("%.6f", t0+off) }
	ids := func(prefix string, n int) string { return fmt.Sprintf("%s%015x", prefix, n) }
	docs := []string{
		doc(`"id":"` + ids("a", 1) + `","name":"front","origin":"AWS::EC2::Instance","start_time":` + at(0) + `,"end_time":` + at(0.9) + `,
			"user":"alice","http":{"request":{"method":"GET","url":"https://shop.example.com/cart?id=1","user_agent":"Mozilla/5.0","client_ip":"203.0.113.7"},"response":{"status":200,"content_length":512}},
			"aws":{"account_id":"123456789012","ec2":{"instance_id":"i-0abc","availability_zone":"us-east-1a"},"xray":{"sdk":"X-Ray for Go","sdk_version":"1.8.5"}},
			"service":{"version":"1.2.3"},"annotations":{"cart":"c-1","items":3,"vip":false},"metadata":{"default":{"debug":"x"}},
			"subsegments":[
				{"id":"` + ids("b", 1) + `","name":"DynamoDB","namespace":"aws","start_time":` + at(0.01) + `,"end_time":` + at(0.05) + `,"http":{"response":{"status":200}},"aws":{"operation":"GetItem","table_name":"carts","region":"us-east-1","request_id":"R1"}},
				{"id":"` + ids("b", 2) + `","name":"back.internal","namespace":"remote","start_time":` + at(0.06) + `,"end_time":` + at(0.8) + `,"http":{"request":{"method":"POST","url":"http://back.internal/price","traced":true},"response":{"status":200}}},
				{"id":"` + ids("b", 3) + `","name":"render","start_time":` + at(0.8) + `,"end_time":` + at(0.85) + `,"subsegments":[{"id":"` + ids("b", 4) + `","name":"template","start_time":` + at(0.8) + `,"end_time":` + at(0.84) + `}]}]`),
		doc(`"type":"subsegment","id":"` + ids("c", 1) + `","parent_id":"` + ids("a", 1) + `","name":"S3","namespace":"aws","start_time":` + at(0.85) + `,"end_time":` + at(0.88) + `,"aws":{"operation":"GetObject","bucket_name":"assets"}`),
		doc(`"type":"subsegment","id":"` + ids("c", 2) + `","parent_id":"` + ids("b", 3) + `","name":"minify","start_time":` + at(0.84) + `,"end_time":` + at(0.85) + `,"annotations":{"bytes":2048}`),
		doc(`"type":"subsegment","id":"` + ids("c", 3) + `","parent_id":"` + ids("a", 1) + `","name":"audit","start_time":` + at(0.88) + `,"end_time":` + at(0.89)),
		doc(`"id":"` + ids("a", 2) + `","name":"back","parent_id":"` + ids("b", 2) + `","origin":"AWS::ECS::Container","start_time":` + at(0.07) + `,"end_time":` + at(0.79) + `,
			"http":{"request":{"method":"POST","url":"http://back.internal/price"},"response":{"status":200}},"aws":{"account_id":"123456789012","ecs":{"container":"back-1","availability_zone":"us-east-1b"}},
			"annotations":{"cart":"c-1"},
			"subsegments":[
				{"id":"` + ids("d", 1) + `","name":"prices@db.internal","namespace":"remote","start_time":` + at(0.08) + `,"end_time":` + at(0.2) + `,"sql":{"url":"db.internal","database_type":"PostgreSQL","sanitized_query":"SELECT price FROM items WHERE id = $1"}},
				{"id":"` + ids("d", 2) + `","name":"worker.internal","namespace":"remote","start_time":` + at(0.2) + `,"end_time":` + at(0.7) + `,"http":{"request":{"method":"POST","url":"http://worker.internal/job","traced":true},"response":{"status":202}}},
				{"id":"` + ids("d", 3) + `","name":"compute","start_time":` + at(0.7) + `,"end_time":` + at(0.78) + `}]`),
		doc(`"type":"subsegment","id":"` + ids("e", 1) + `","parent_id":"` + ids("d", 3) + `","name":"discounts","start_time":` + at(0.71) + `,"end_time":` + at(0.75) + `,"annotations":{"rule":"summer"}`),
		doc(`"type":"subsegment","id":"` + ids("e", 2) + `","parent_id":"` + ids("a", 2) + `","name":"prices@db.internal","namespace":"remote","start_time":` + at(0.75) + `,"end_time":` + at(0.77) + `,"sql":{"url":"db.internal","database_type":"PostgreSQL"}`),
		doc(`"type":"subsegment","id":"` + ids("e", 3) + `","parent_id":"` + ids("a", 2) + `","name":"cache","start_time":` + at(0.77) + `,"end_time":` + at(0.78)),
		doc(`"id":"` + ids("a", 3) + `","name":"worker","parent_id":"` + ids("d", 2) + `","start_time":` + at(0.21) + `,"end_time":` + at(0.69) + `,
			"http":{"request":{"method":"POST","url":"http://worker.internal/job"},"response":{"status":202}},
			"subsegments":[{"id":"` + ids("f", 1) + `","name":"prepare","start_time":` + at(0.22) + `,"end_time":` + at(0.3) + `}]`),
		doc(`"type":"subsegment","id":"` + ids("f", 2) + `","parent_id":"` + ids("a", 3) + `","name":"SQS","namespace":"aws","start_time":` + at(0.3) + `,"end_time":` + at(0.68) + `,
			"aws":{"operation":"SendMessage","queue_url":"https://sqs.us-east-1.amazonaws.com/123456789012/jobs"},"throttle":true,"error":true,"http":{"response":{"status":400}}`),
	}
	return parseDocs(tb, docs...)
}

func TestRealisticTrace(t *testing.T) {
	docs := realisticTrace(t)
	if len(docs) != 10 {
		t.Fatalf("%d documents, want 10", len(docs))
	}
	s := Assemble(testTraceID, docs).Summary()
	want := []string{
		"node front [client] client obs=0",
		"node front [AWS::EC2::Instance] root acct=123456789012 obs=1",
		"node DynamoDB [AWS::DynamoDB::Table] inferred obs=1",
		"node back [AWS::ECS::Container] acct=123456789012 obs=1",
		"node prices@db.internal [Database::SQL] inferred obs=2",
		"node worker [] obs=1",
		"node SQS [AWS::SQS::Queue] inferred obs=1",
		"node S3 [AWS::S3::Bucket] inferred obs=1",
		"edge front [client] -> front [AWS::EC2::Instance] obs=1",
		"edge front [AWS::EC2::Instance] -> DynamoDB [AWS::DynamoDB::Table] obs=1",
		"edge front [AWS::EC2::Instance] -> back [AWS::ECS::Container] obs=1",
		"edge front [AWS::EC2::Instance] -> S3 [AWS::S3::Bucket] obs=1",
		"edge back [AWS::ECS::Container] -> prices@db.internal [Database::SQL] obs=2",
		"edge back [AWS::ECS::Container] -> worker [] obs=1",
		"edge worker [] -> SQS [AWS::SQS::Queue] obs=1",
	}
	if got := graphLines(s); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("graph:\n%q\nwant:\n%q", got, want)
	}
	// The throttled SQS call three services down is where the error
	// started; the root answered 200, so the client did not see it.
	wantErr := []string{"front[AWS::EC2::Instance]@123456789012: front / back.internal(remote) -> back[AWS::ECS::Container]@123456789012: back / " +
		"worker.internal(remote) -> worker[]: worker / SQS(remote) -> SQS[AWS::SQS::Queue]~inferred: SQS(remote)"}
	if got := rootCauseLines(s.ErrorRootCauses); fmt.Sprint(got) != fmt.Sprint(wantErr) {
		t.Errorf("error root causes:\n%q\nwant:\n%q", got, wantErr)
	}
	// The same calls are the critical path (front 0–0.9 s).
	wantRT := []string{"client front[AWS::EC2::Instance]@123456789012: front cov=1 / back.internal(remote) cov=0.822 -> " +
		"back[AWS::ECS::Container]@123456789012: back cov=0.8 / worker.internal(remote) cov=0.556 -> worker[]: worker cov=0.533 / " +
		"SQS(remote) cov=0.422 -> SQS[AWS::SQS::Queue]~inferred: SQS(remote) cov=0.422"}
	if got := rootCauseLines(s.ResponseTimeRootCauses); fmt.Sprint(got) != fmt.Sprint(wantRT) {
		t.Errorf("response-time root causes:\n%q\nwant:\n%q", got, wantRT)
	}
	if len(s.FaultRootCauses) != 0 {
		t.Errorf("fault root causes %q, want none", rootCauseLines(s.FaultRootCauses))
	}
	if s.IsPartial || !s.HasThrottle || s.HasError {
		t.Errorf("partial/throttle/error = %v/%v/%v, want false/true/false", s.IsPartial, s.HasThrottle, s.HasError)
	}
}

func BenchmarkAssembleSummary(b *testing.B) {
	docs := realisticTrace(b)
	size := 0
	for _, d := range docs {
		size += len(d.Raw)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		Assemble(testTraceID, docs).Summary()
	}
}

// BenchmarkSummary is Summary alone: the graph walk and the root causes
// (the realistic trace has a throttled call, so an error root cause, and
// the response-time path).
func BenchmarkSummary(b *testing.B) {
	tr := Assemble(testTraceID, realisticTrace(b))
	b.SetBytes(int64(tr.Size()))
	b.ReportAllocs()
	for b.Loop() {
		tr.Summary()
	}
}

func BenchmarkSegments(b *testing.B) {
	tr := Assemble(testTraceID, realisticTrace(b))
	b.SetBytes(int64(tr.Size()))
	b.ReportAllocs()
	for b.Loop() {
		tr.Segments()
	}
}
