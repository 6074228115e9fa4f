package trace

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/lightbox-tracing/lightbox/segment"
)

func TestOutcome(t *testing.T) {
	tests := []struct {
		fields              string
		want                Outcome
		fault, err, throttl bool
	}{
		{`"fault":true`, Fault, true, false, false},
		{`"fault":true,"throttle":true,"error":true`, Fault, true, true, true},
		{`"error":true,"throttle":true`, Throttle, false, true, true},
		{`"error":true`, ErrorOther, false, true, false},
		{`"error":true,"http":{"response":{"status":500}}`, ErrorOther, false, true, false}, // flags win over status
		{`"http":{"response":{"status":503}}`, Fault, true, false, false},
		{`"http":{"response":{"status":429}}`, Throttle, false, true, true},
		{`"http":{"response":{"status":404}}`, ErrorOther, false, true, false},
		{`"http":{"response":{"status":200}}`, OK, false, false, false},
		{`"http":{"request":{"method":"GET"}}`, OK, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.fields, func(t *testing.T) {
			d := parseDocs(t, front(","+tt.fields))[0]
			if got := outcome(d); got != tt.want {
				t.Errorf("outcome = %d, want %d", got, tt.want)
			}
			s := Assemble(testTraceID, []*segment.Document{d}).Summary()
			if s.HasFault != tt.fault || s.HasError != tt.err || s.HasThrottle != tt.throttl {
				t.Errorf("fault/error/throttle = %v/%v/%v, want %v/%v/%v", s.HasFault, s.HasError, s.HasThrottle, tt.fault, tt.err, tt.throttl)
			}
			if got := s.Graph.Nodes[1].Obs[0].Outcome; got != tt.want {
				t.Errorf("node observation outcome = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestTraceFlags checks which documents decide the trace-level flags: fault
// and error come from the root segment only, throttle from any segment
// (inferred ones included).
func TestTraceFlags(t *testing.T) {
	tests := []struct {
		name                  string
		docs                  []string
		fault, error, throttl bool
	}{
		{
			name: "a faulting callee does not fault the trace",
			docs: []string{
				front(`,"subsegments":[{"id":"` + idCall + `","name":"back","namespace":"remote","start_time":100.1,"end_time":100.2,"fault":true}]`),
				doc(`"id":"` + idBack + `","name":"back","parent_id":"` + idCall + `","start_time":100.1,"end_time":100.2,"fault":true`),
			},
		},
		{
			name: "a throttled callee throttles the trace",
			docs: []string{
				front(`,"subsegments":[{"id":"` + idCall + `","name":"back","namespace":"remote","start_time":100.1,"end_time":100.2}]`),
				doc(`"id":"` + idBack + `","name":"back","parent_id":"` + idCall + `","start_time":100.1,"end_time":100.2,"http":{"response":{"status":429}}`),
			},
			throttl: true,
		},
		{
			name:    "a throttled AWS call throttles the trace",
			docs:    []string{front(`,"subsegments":[{"id":"` + idCall + `","name":"DynamoDB","namespace":"aws","start_time":100.1,"end_time":100.2,"throttle":true,"error":true}]`)},
			throttl: true,
		},
		{
			name: "a throttled local subsegment is not a segment",
			docs: []string{front(`,"subsegments":[{"id":"` + idCall + `","name":"work","start_time":100.1,"end_time":100.2,"throttle":true}]`)},
		},
		{
			name:  "root error",
			docs:  []string{front(`,"error":true`)},
			error: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Assemble(testTraceID, parseDocs(t, tt.docs...)).Summary()
			if s.HasFault != tt.fault || s.HasError != tt.error || s.HasThrottle != tt.throttl {
				t.Errorf("fault/error/throttle = %v/%v/%v, want %v/%v/%v", s.HasFault, s.HasError, s.HasThrottle, tt.fault, tt.error, tt.throttl)
			}
		})
	}
}

// TestSummaryFields checks every indexed field on a two-service trace.
func TestSummaryFields(t *testing.T) {
	docs := parseDocs(t,
		front(`,"user":"alice","resource_arn":"arn:aws:ec2:zz","origin":"AWS::EC2::Instance",
			"http":{"request":{"method":"POST","url":"http://front/x","user_agent":"ua","client_ip":"10.0.0.1"},"response":{"status":201}},
			"aws":{"account_id":"111111111111","ec2":{"instance_id":"i-1","availability_zone":"us-east-1b"}},
			"annotations":{"a":"x","n":1,"ok":true,"bad-key":"not indexable"},
			"subsegments":[{"id":"`+idSub+`","name":"work","start_time":100.1,"end_time":100.9,"annotations":{"a":"y"},
				"subsegments":[{"id":"`+idCall+`","name":"back","namespace":"remote","start_time":100.2,"end_time":100.8}]}]`),
		doc(`"id":"`+idBack+`","name":"back","parent_id":"`+idCall+`","start_time":100.3,"end_time":102,"user":"alice",
			"resource_arn":"arn:aws:ecs:aa","aws":{"ecs":{"container":"c","availability_zone":"us-east-1a"}},
			"annotations":{"a":"x"}`),
		doc(`"type":"subsegment","id":"`+idSub2+`","parent_id":"`+idBack+`","name":"q","start_time":100.4,"end_time":100.5,"annotations":{"n":2}`),
	)
	frontID := ServiceID{Name: "front", Names: []string{"front"}, AccountID: "111111111111", Type: "AWS::EC2::Instance"}
	backID := ServiceID{Name: "back", Names: []string{"back"}}
	str := func(s string) *string { return &s }
	num := func(f float64) *float64 { return &f }
	yes := true
	const dur = 2.0 // 100 → 102: the callee ends after the root
	frontHTTP := HTTP{URL: "http://front/x", Status: 201, Method: "POST", UserAgent: "ua", ClientIP: "10.0.0.1"}
	want := &Summary{
		ID:           testTraceID,
		StartTime:    100,
		EndTime:      102,
		Duration:     dur,
		ResponseTime: 1,
		HTTP:         frontHTTP,
		Annotations: map[string][]AnnotationValue{
			"a":  {{String: str("x"), ServiceIDs: []ServiceID{frontID, backID}}, {String: str("y"), ServiceIDs: []ServiceID{frontID}}},
			"n":  {{Number: num(1), ServiceIDs: []ServiceID{frontID}}, {Number: num(2), ServiceIDs: []ServiceID{backID}}},
			"ok": {{Bool: &yes, ServiceIDs: []ServiceID{frontID}}},
		},
		Users:             []User{{Name: "alice", ServiceIDs: []ServiceID{frontID, backID}}},
		ServiceIDs:        []ServiceID{frontID, backID},
		EntryPoint:        &frontID,
		ResourceARNs:      []string{"arn:aws:ec2:zz", "arn:aws:ecs:aa"},
		InstanceIDs:       []string{"i-1"},
		AvailabilityZones: []string{"us-east-1a", "us-east-1b"},
		// The critical path goes through the call into the callee, whose
		// segment outlasts the root: its coverage is capped at 1.
		ResponseTimeRootCauses: []RootCause{{ClientImpacting: true, Services: []RootCauseService{
			{ServiceID: frontID, EntityPath: []RootCauseEntity{{Name: "front", Coverage: 1}, {Name: "work", Coverage: 0.8}, {Name: "back", Coverage: 0.6, Remote: true}}},
			{ServiceID: backID, EntityPath: []RootCauseEntity{{Name: "back", Coverage: 1}, {Name: "q", Coverage: 0.1}}},
		}}},
		SegmentCount: 3,
		Graph: Graph{Nodes: []Node{
			{ServiceID: ServiceID{Name: "front", Names: []string{"front"}, Type: "client"}, Client: true,
				Edges: []Edge{{Target: 1, Obs: []Observation{{Start: 100, End: 101, Duration: dur}}, HTTP: []HTTP{frontHTTP}}}},
			{ServiceID: frontID, Root: true, Obs: []Observation{{Start: 100, End: 101, Duration: dur}}, HTTP: []HTTP{frontHTTP},
				Edges: []Edge{{Target: 2, Obs: []Observation{{Start: 100.2, End: 100.8, Duration: dur}}}}},
			{ServiceID: backID, Obs: []Observation{{Start: 100.3, End: 102, Duration: dur}}},
		}},
	}
	if got := Assemble(testTraceID, docs).Summary(); !reflect.DeepEqual(got, want) {
		t.Errorf("summary:\n%s\nwant:\n%s", mustJSON(got), mustJSON(want))
	}
}

func TestAnnotationKeyLimit(t *testing.T) {
	var kv []string
	for i := range 60 {
		kv = append(kv, fmt.Sprintf(`"k%02d":%d`, i, i))
	}
	s := Assemble(testTraceID, parseDocs(t, front(`,"annotations":{`+strings.Join(kv, ",")+`}`))).Summary()
	if len(s.Annotations) != MaxAnnotationKeys {
		t.Fatalf("%d annotation keys, want %d", len(s.Annotations), MaxAnnotationKeys)
	}
	// The cut is reproducible: the first 50 keys in order.
	if _, ok := s.Annotations["k49"]; !ok {
		t.Error("k49 missing")
	}
	if _, ok := s.Annotations["k50"]; ok {
		t.Error("k50 kept beyond the limit")
	}
}

func TestNothingEnded(t *testing.T) {
	s := Assemble(testTraceID, parseDocs(t, doc(`"id":"`+idFront+`","name":"front","start_time":100,"in_progress":true`))).Summary()
	if s.StartTime != 100 || s.EndTime != 100 || s.Duration != 0 || s.ResponseTime != 0 {
		t.Errorf("start/end/duration/response = %v/%v/%v/%v, want 100/100/0/0", s.StartTime, s.EndTime, s.Duration, s.ResponseTime)
	}
	if !s.IsPartial {
		t.Error("in-progress trace not partial")
	}
}

func TestNoSegmentYet(t *testing.T) {
	// Lambda functions send only subsegments; their parent segment is
	// Lambda's own and never reaches a self-hosted server.
	tr := Assemble(testTraceID, parseDocs(t,
		doc(`"type":"subsegment","id":"`+idSub+`","parent_id":"`+idAbsent+`","name":"handler","start_time":100,"end_time":101,"annotations":{"k":"v"},
			"subsegments":[{"id":"`+idCall+`","name":"S3","namespace":"aws","start_time":100.1,"end_time":100.2}]`)))
	s := tr.Summary()
	if tr.Root() != nil || s.EntryPoint != nil {
		t.Errorf("root %v, entry point %v; want none", tr.Root(), s.EntryPoint)
	}
	if !s.IsPartial || s.SegmentCount != 1 {
		t.Errorf("partial=%v count=%d, want true 1", s.IsPartial, s.SegmentCount)
	}
	if got := s.Annotations["k"]; len(got) != 1 || *got[0].String != "v" || got[0].ServiceIDs != nil {
		t.Errorf("annotation k = %+v, want v set by no known service", got)
	}
	if len(s.ServiceIDs) != 1 || s.ServiceIDs[0].Type != "AWS::S3" {
		t.Errorf("service IDs %+v, want the inferred S3 node only", s.ServiceIDs)
	}
}
