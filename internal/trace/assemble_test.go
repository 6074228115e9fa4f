package trace

import (
	"slices"
	"strings"
	"testing"
	"time"
)

const testTraceID = "1-65000000-0123456789abcdef01234567"

// doc writes a test document of testTraceID; fields are the rest of the
// JSON object.
func doc(fields string) string { return `{"trace_id":"` + testTraceID + `",` + fields + `}` }

// Short IDs for test documents.
const (
	idFront  = "f000000000000001"
	idBack   = "b000000000000001"
	idCall   = "c000000000000001"
	idCall2  = "c000000000000002"
	idSub    = "5000000000000001"
	idSub2   = "5000000000000002"
	idAbsent = "dead00000000beef"
)

func front(extra string) string {
	return doc(`"id":"` + idFront + `","name":"front","start_time":100,"end_time":101` + extra)
}

func TestAssembleGraph(t *testing.T) {
	tests := []struct {
		name    string
		docs    []string
		graph   []string
		partial bool
	}{
		{
			name:  "single segment",
			docs:  []string{front(``)},
			graph: []string{"node front [client] client obs=0", "node front [] root obs=1", "edge front [client] -> front [] obs=1"},
		},
		{
			name: "aws call naming a table",
			docs: []string{front(`,"subsegments":[{"id":"` + idCall + `","name":"DynamoDB","namespace":"aws","start_time":100.1,"end_time":100.2,
				"aws":{"operation":"GetItem","table_name":"games","account_id":"123456789012"}}]`)},
			graph: []string{
				"node front [client] client obs=0",
				"node front [] root obs=1",
				"node DynamoDB [AWS::DynamoDB::Table] inferred acct=123456789012 obs=1",
				"edge front [client] -> front [] obs=1",
				"edge front [] -> DynamoDB [AWS::DynamoDB::Table] obs=1",
			},
		},
		{
			name: "aws calls per resource type, spelled as each SDK does",
			docs: []string{front(`,"subsegments":[
				{"id":"c000000000000001","name":"S3","namespace":"aws","start_time":100.1,"end_time":100.2,"aws":{"bucket_name":"b"}},
				{"id":"c000000000000002","name":"sqs","namespace":"aws","start_time":100.2,"end_time":100.3,"aws":{"queue_url":"https://q"}},
				{"id":"c000000000000003","name":"SNS","namespace":"aws","start_time":100.3,"end_time":100.4,"aws":{"topic_arn":"arn:aws:sns:x"}},
				{"id":"c000000000000004","name":"Lambda","namespace":"aws","start_time":100.4,"end_time":100.5,"aws":{"function_name":"fn"}},
				{"id":"c000000000000005","name":"DynamoDb","namespace":"aws","start_time":100.5,"end_time":100.6,"aws":{"operation":"ListTables"}},
				{"id":"c000000000000006","name":"Rekognition","namespace":"aws","start_time":100.6,"end_time":100.7}]`)},
			graph: []string{
				"node front [client] client obs=0",
				"node front [] root obs=1",
				"node S3 [AWS::S3::Bucket] inferred obs=1",
				"node SQS [AWS::SQS::Queue] inferred obs=1",
				"node SNS [AWS::SNS::Topic] inferred obs=1",
				"node Lambda [AWS::Lambda::Function] inferred obs=1",
				"node DynamoDB [AWS::DynamoDB] inferred obs=1",
				"node Rekognition [AWS::Rekognition] inferred obs=1",
				"edge front [client] -> front [] obs=1",
				"edge front [] -> S3 [AWS::S3::Bucket] obs=1",
				"edge front [] -> SQS [AWS::SQS::Queue] obs=1",
				"edge front [] -> SNS [AWS::SNS::Topic] obs=1",
				"edge front [] -> Lambda [AWS::Lambda::Function] obs=1",
				"edge front [] -> DynamoDB [AWS::DynamoDB] obs=1",
				"edge front [] -> Rekognition [AWS::Rekognition] obs=1",
			},
		},
		{
			name: "sql query, whatever its namespace, and a remote call made twice",
			docs: []string{front(`,"subsegments":[
				{"id":"c000000000000001","name":"app@db.local","namespace":"remote","start_time":100.1,"end_time":100.2,"sql":{"url":"db.local","database_type":"PostgreSQL"}},
				{"id":"c000000000000002","name":"api.example.com","namespace":"remote","start_time":100.2,"end_time":100.3,"http":{"request":{"url":"http://api.example.com/"}}},
				{"id":"c000000000000003","name":"api.example.com","namespace":"remote","start_time":100.3,"end_time":100.4,"http":{"request":{"url":"http://api.example.com/"}}}]`)},
			graph: []string{
				"node front [client] client obs=0",
				"node front [] root obs=1",
				"node app@db.local [Database::SQL] inferred obs=1",
				"node api.example.com [remote] inferred obs=2",
				"edge front [client] -> front [] obs=1",
				"edge front [] -> app@db.local [Database::SQL] obs=1",
				"edge front [] -> api.example.com [remote] obs=2",
			},
		},
		{
			name: "local work is not a node; a call nested in a call is part of it",
			docs: []string{front(`,"subsegments":[
				{"id":"c000000000000001","name":"compute","start_time":100.1,"end_time":100.2,"subsegments":[
					{"id":"c000000000000002","name":"helper","namespace":"local","start_time":100.1,"end_time":100.2}]},
				{"id":"c000000000000003","name":"DynamoDB","namespace":"aws","start_time":100.2,"end_time":100.3,"subsegments":[
					{"id":"c000000000000004","name":"dynamodb.us-east-1.amazonaws.com","namespace":"remote","start_time":100.2,"end_time":100.3}]}]`)},
			graph: []string{
				"node front [client] client obs=0",
				"node front [] root obs=1",
				"node DynamoDB [AWS::DynamoDB] inferred obs=1",
				"edge front [client] -> front [] obs=1",
				"edge front [] -> DynamoDB [AWS::DynamoDB] obs=1",
			},
		},
		{
			name: "a callee's own segment replaces the inferred node",
			docs: []string{
				doc(`"id":"` + idBack + `","name":"back","parent_id":"` + idCall + `","start_time":100.15,"end_time":100.25,"origin":"AWS::EC2::Instance"`),
				front(`,"subsegments":[{"id":"` + idCall + `","name":"back.local","namespace":"remote","start_time":100.1,"end_time":100.3,
					"http":{"request":{"url":"http://back.local/","traced":true},"response":{"status":200}}}]`),
			},
			graph: []string{
				"node front [client] client obs=0",
				"node front [] root obs=1",
				"node back [AWS::EC2::Instance] obs=1",
				"edge front [client] -> front [] obs=1",
				"edge front [] -> back [AWS::EC2::Instance] obs=1",
			},
		},
		{
			name: "traced call whose callee has not reported is partial",
			docs: []string{front(`,"subsegments":[{"id":"` + idCall + `","name":"back.local","namespace":"remote","start_time":100.1,"end_time":100.3,
				"http":{"request":{"url":"http://back.local/","traced":true}}}]`)},
			graph: []string{
				"node front [client] client obs=0",
				"node front [] root obs=1",
				"node back.local [remote] inferred obs=1",
				"edge front [client] -> front [] obs=1",
				"edge front [] -> back.local [remote] obs=1",
			},
			partial: true,
		},
		{
			name: "independent subsegments before their parents, nested in each other",
			docs: []string{
				doc(`"type":"subsegment","id":"` + idCall2 + `","parent_id":"` + idCall + `","name":"S3","namespace":"aws","start_time":100.2,"end_time":100.3`),
				doc(`"type":"subsegment","id":"` + idCall + `","parent_id":"` + idSub + `","name":"work","start_time":100.1,"end_time":100.4`),
				front(`,"subsegments":[{"id":"` + idSub + `","name":"handler","start_time":100,"end_time":101}]`),
			},
			graph: []string{
				"node front [client] client obs=0",
				"node front [] root obs=1",
				"node S3 [AWS::S3] inferred obs=1",
				"edge front [client] -> front [] obs=1",
				"edge front [] -> S3 [AWS::S3] obs=1",
			},
		},
		{
			name: "orphan subsegment: kept, partial, its call has no known caller",
			docs: []string{
				front(``),
				doc(`"type":"subsegment","id":"` + idCall + `","parent_id":"` + idAbsent + `","name":"SQS","namespace":"aws","start_time":100.2,"end_time":100.3`),
			},
			graph: []string{
				"node front [client] client obs=0",
				"node front [] root obs=1",
				"node SQS [AWS::SQS] inferred obs=1",
				"edge front [client] -> front [] obs=1",
			},
			partial: true,
		},
		{
			name: "in progress, then complete",
			docs: []string{
				doc(`"id":"` + idFront + `","name":"front","start_time":100,"in_progress":true`),
				front(``),
			},
			graph: []string{"node front [client] client obs=0", "node front [] root obs=1", "edge front [client] -> front [] obs=1"},
		},
		{
			name: "complete, then a stale in-progress copy",
			docs: []string{
				front(``),
				doc(`"id":"` + idFront + `","name":"front","start_time":100,"in_progress":true`),
			},
			graph: []string{"node front [client] client obs=0", "node front [] root obs=1", "edge front [client] -> front [] obs=1"},
		},
		{
			name:    "in progress only: no observations yet",
			docs:    []string{doc(`"id":"` + idFront + `","name":"front","start_time":100,"in_progress":true`)},
			graph:   []string{"node front [client] client obs=0", "node front [] root obs=0", "edge front [client] -> front [] obs=0"},
			partial: true,
		},
		{
			name:  "root whose caller never reported is still the root, and not partial",
			docs:  []string{doc(`"id":"` + idFront + `","name":"front","parent_id":"` + idAbsent + `","start_time":100,"end_time":101`)},
			graph: []string{"node front [client] client obs=0", "node front [] root obs=1", "edge front [client] -> front [] obs=1"},
		},
		{
			name: "a second segment whose caller is missing makes the trace partial",
			docs: []string{
				front(``),
				doc(`"id":"` + idBack + `","name":"back","parent_id":"` + idAbsent + `","start_time":100.5,"end_time":100.6`),
			},
			graph: []string{
				"node front [client] client obs=0",
				"node front [] root obs=1",
				"node back [client] client obs=0",
				"node back [] obs=1",
				"edge front [client] -> front [] obs=1",
				"edge back [client] -> back [] obs=1",
			},
			partial: true,
		},
		{
			name: "Lambda: service and function nodes of one name",
			docs: []string{
				doc(`"id":"` + idFront + `","name":"fn","origin":"AWS::Lambda","start_time":100,"end_time":101`),
				doc(`"id":"` + idBack + `","name":"fn","origin":"AWS::Lambda::Function","parent_id":"` + idFront + `","start_time":100.1,"end_time":100.9`),
			},
			graph: []string{
				"node fn [client] client obs=0",
				"node fn [AWS::Lambda] root obs=1",
				"node fn [AWS::Lambda::Function] obs=1",
				"edge fn [client] -> fn [AWS::Lambda] obs=1",
				"edge fn [AWS::Lambda] -> fn [AWS::Lambda::Function] obs=1",
			},
		},
		{
			name: "independent subsegments that name each other are orphans",
			docs: []string{
				front(``),
				doc(`"type":"subsegment","id":"` + idSub + `","parent_id":"` + idSub2 + `","name":"a","start_time":100.1,"end_time":100.2`),
				doc(`"type":"subsegment","id":"` + idSub2 + `","parent_id":"` + idSub + `","name":"b","start_time":100.1,"end_time":100.2`),
			},
			graph:   []string{"node front [client] client obs=0", "node front [] root obs=1", "edge front [client] -> front [] obs=1"},
			partial: true,
		},
		{
			name: "segments that call each other: the earlier one is the root",
			docs: []string{
				front(`,"parent_id":"` + idCall2 + `","subsegments":[{"id":"` + idCall + `","name":"back","namespace":"remote","start_time":100.1,"end_time":100.9}]`),
				doc(`"id":"` + idBack + `","name":"back","parent_id":"` + idCall + `","start_time":100.2,"end_time":100.8,
					"subsegments":[{"id":"` + idCall2 + `","name":"front","namespace":"remote","start_time":100.3,"end_time":100.4}]`),
			},
			graph: []string{
				"node front [client] client obs=0",
				"node front [] root obs=1",
				"node back [] obs=1",
				"node front [remote] inferred obs=1",
				"edge front [client] -> front [] obs=1",
				"edge front [] -> back [] obs=1",
				"edge back [] -> front [remote] obs=1",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan *Summary)
			go func() { done <- Assemble(testTraceID, parseDocs(t, tt.docs...)).Summary() }()
			var s *Summary
			select {
			case s = <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("assembly did not finish: a cycle is followed forever")
			}
			if got := graphLines(s); !slices.Equal(got, tt.graph) {
				t.Errorf("graph:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.graph, "\n"))
			}
			if s.IsPartial != tt.partial {
				t.Errorf("IsPartial = %v, want %v", s.IsPartial, tt.partial)
			}
		})
	}
}

// TestGoCallee completes the Go fixture with the segment its callee would
// send (the capture holds only the caller's documents; the callee at
// 127.0.0.1:41007 sent none): the two services must form one connected
// trace whose edge is timed by the caller's xray.Client subsegment, with no
// inferred node left for the callee.
func TestGoCallee(t *testing.T) {
	ft := loadFixture(t, "go-aws-xray-sdk-go-1.8.5.jsonl")[1]
	const callID = "db6f282c0b2f7b60" // the namespace-remote subsegment xray.Client recorded
	callee := parseDocs(t, `{"trace_id":"`+ft.ID+`","id":"77e1d4c0ffee0001","name":"go-down","parent_id":"`+callID+`",
		"start_time":1795312447.3909,"end_time":1795312447.3912,"http":{"request":{"method":"GET","url":"http://127.0.0.1:41007/down"},"response":{"status":200}}}`)
	tr := Assemble(ft.ID, append(callee, ft.Docs...))
	s := tr.Summary()

	want := []string{
		"node go-probe [client] client obs=0",
		"node go-probe [] root obs=1",
		"node go-down [] obs=1",
		"edge go-probe [client] -> go-probe [] obs=1",
		"edge go-probe [] -> go-down [] obs=1",
	}
	if got := graphLines(s); !slices.Equal(got, want) {
		t.Fatalf("graph:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if s.IsPartial {
		t.Error("IsPartial = true, want false")
	}
	if len(tr.Roots()) != 1 {
		t.Errorf("%d root candidates, want 1 (one connected trace)", len(tr.Roots()))
	}
	edge := s.Graph.Nodes[1].Edges[0].Obs[0]
	if edge.Start != 1795312447.3908374 || edge.End != 1795312447.3912475 {
		t.Errorf("edge observation %v..%v, want the caller subsegment's 1795312447.3908374..1795312447.3912475", edge.Start, edge.End)
	}
	if callee := s.Graph.Nodes[2].Obs[0]; callee.Start != 1795312447.3909 {
		t.Errorf("callee node observation starts %v, want its own segment's start", callee.Start)
	}
	for _, o := range tr.Segments() {
		if docJSON(t, o.Document)["inferred"] == true {
			t.Errorf("inferred segment %s returned although the callee reported", o.Document)
		}
	}
}

func TestDocumentsSurviveDeduplication(t *testing.T) {
	tests := []struct {
		name     string
		docs     []string
		count    int    // SegmentCount
		inProg   bool   // the kept front segment is in progress
		wantName string // name of the kept subsegment idSub
	}{
		{
			name:  "two in-progress copies: the later wins",
			docs:  []string{doc(`"id":"` + idFront + `","name":"front","start_time":100,"in_progress":true,"user":"a"`), doc(`"id":"` + idFront + `","name":"front","start_time":100,"in_progress":true,"user":"b"`)},
			count: 1, inProg: true,
		},
		{
			name: "a streamed subsegment repeats an embedded one: the complete copy wins",
			docs: []string{
				front(`,"subsegments":[{"id":"` + idSub + `","name":"early","start_time":100.1,"in_progress":true}]`),
				doc(`"type":"subsegment","id":"` + idSub + `","parent_id":"` + idFront + `","name":"late","start_time":100.1,"end_time":100.2`),
			},
			count: 2, wantName: "late",
		},
		{
			name: "an in-progress streamed copy loses to the complete embedded one",
			docs: []string{
				front(`,"subsegments":[{"id":"` + idSub + `","name":"early","start_time":100.1,"end_time":100.2}]`),
				doc(`"type":"subsegment","id":"` + idSub + `","parent_id":"` + idFront + `","name":"late","start_time":100.1,"in_progress":true`),
			},
			count: 1, wantName: "early",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := Assemble(testTraceID, parseDocs(t, tt.docs...))
			if s := tr.Summary(); s.SegmentCount != tt.count {
				t.Errorf("SegmentCount = %d, want %d", s.SegmentCount, tt.count)
			}
			root := tr.Root()
			if root == nil || root.Doc.InProgress != tt.inProg {
				t.Fatalf("root %+v, want in_progress=%v", root, tt.inProg)
			}
			if tt.wantName == "" {
				return
			}
			if len(root.Children) != 1 || root.Children[0].Doc.Name != tt.wantName {
				t.Fatalf("children %v, want one named %q", root.Children, tt.wantName)
			}
			segs := tr.Segments()
			if len(segs) != 1 {
				t.Fatalf("%d documents, want 1", len(segs))
			}
			subs := docJSON(t, segs[0].Document)["subsegments"].([]any)
			if len(subs) != 1 || subs[0].(map[string]any)["name"] != tt.wantName {
				t.Errorf("document subsegments %v, want one named %q", subs, tt.wantName)
			}
		})
	}
}
