package trace

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// rootCauseLines renders root causes one per line, so that a test states
// the expected path in a form a reader checks at a glance:
//
//	client front[]: front / back(remote) -> back[]: back / query {SQLException: deadlock}
//
// "client" marks ClientImpacting; a service is Name[Type], then ~inferred
// and @account when set; its entities follow the colon, with (remote),
// cov=coverage and their exceptions {Type: Message}.
func rootCauseLines(rcs []RootCause) []string {
	var lines []string
	for _, rc := range rcs {
		var svcs []string
		for _, s := range rc.Services {
			var b strings.Builder
			fmt.Fprintf(&b, "%s[%s]", s.Name, s.Type)
			if s.Inferred {
				b.WriteString("~inferred")
			}
			if s.AccountID != "" {
				b.WriteString("@" + s.AccountID)
			}
			if !slices.Equal(s.Names, []string{s.Name}) {
				fmt.Fprintf(&b, " names=%q", s.Names)
			}
			var ents []string
			for _, e := range s.EntityPath {
				ent := e.Name
				if e.Remote {
					ent += "(remote)"
				}
				if e.Coverage != 0 {
					ent += fmt.Sprintf(" cov=%g", e.Coverage)
				}
				for _, x := range e.Exceptions {
					ent += fmt.Sprintf(" {%s: %s}", x.Name, x.Message)
				}
				ents = append(ents, ent)
			}
			b.WriteString(": " + strings.Join(ents, " / "))
			svcs = append(svcs, b.String())
		}
		line := strings.Join(svcs, " -> ")
		if rc.ClientImpacting {
			line = "client " + line
		}
		lines = append(lines, line)
	}
	return lines
}

// Subsegment documents for the tests below, placed under front (100–101).
func sub(id, name string, start, end float64, extra string) string {
	return fmt.Sprintf(`{"id":%q,"name":%q,"start_time":%v,"end_time":%v%s}`, id, name, start, end, extra)
}

func subs(s ...string) string { return `,"subsegments":[` + strings.Join(s, ",") + `]` }

func exc(typ, msg string) string {
	return fmt.Sprintf(`,"cause":{"working_directory":"/app","exceptions":[{"id":"e%015x","type":%q,"message":%q}]}`, len(typ+msg), typ, msg)
}

func TestFaultAndErrorRootCauses(t *testing.T) {
	const (
		fault500 = `,"fault":true,"http":{"response":{"status":500}}`
		status5x = `,"http":{"response":{"status":503}}` // a fault by status alone
		status4x = `,"http":{"response":{"status":404}}` // an error by status alone
	)
	tests := []struct {
		name         string
		docs         []string
		fault, error []string
	}{
		{
			name: "a fault that starts in a downstream service is that service's",
			docs: []string{
				front(fault500 + subs(sub(idCall, "back", 100.1, 100.9, `,"namespace":"remote"`+status5x))),
				doc(`"id":"` + idBack + `","name":"back","parent_id":"` + idCall + `","origin":"AWS::ECS::Container","aws":{"account_id":"222222222222"},
					"start_time":100.2,"end_time":100.8` + fault500 + subs(
					sub(idSub, "load", 100.3, 100.4, ``),
					sub(idSub2, "query", 100.4, 100.7, `,"fault":true`+exc("java.sql.SQLException", "deadlock"))),
				),
			},
			fault: []string{"client front[]: front / back(remote) -> back[AWS::ECS::Container]@222222222222: back / query {java.sql.SQLException: deadlock}"},
		},
		{
			// The SDK's own subsegments of the call (an attempt that also
			// faulted) do not make a second root cause.
			name: "a fault in an AWS call is the inferred node's",
			docs: []string{front(fault500 + subs(sub(idCall, "S3", 100.1, 100.5,
				`,"namespace":"aws","fault":true,"aws":{"operation":"GetObject","bucket_name":"assets"},"http":{"response":{"status":500}},
				"cause":{"exceptions":[{"id":"0000000000000e01","type":"InternalError","message":"We encountered an internal error","remote":true}]}`+
					subs(sub(idSub, "attempt", 100.1, 100.5, `,"fault":true`)))))},
			fault: []string{"client front[]: front / S3(remote) {InternalError: We encountered an internal error} -> " +
				"S3[AWS::S3::Bucket]~inferred: S3(remote) {InternalError: We encountered an internal error}"},
		},
		{
			name: "an SQL call that failed is the database's",
			docs: []string{front(fault500 + subs(sub(idCall, "orders@db", 100.1, 100.5,
				`,"namespace":"remote","sql":{"url":"db"},"fault":true`+exc("PSQLException", "relation does not exist"))))},
			fault: []string{"client front[]: front / orders@db(remote) {PSQLException: relation does not exist} -> " +
				"orders@db[Database::SQL]~inferred: orders@db(remote) {PSQLException: relation does not exist}"},
		},
		{
			name: "nested subsegments: the deepest faulting one",
			docs: []string{front(fault500 + subs(sub(idSub, "handler", 100.1, 100.9, `,"fault":true`+
				subs(sub(idSub2, "service", 100.2, 100.8, `,"fault":true`+
					subs(sub(idCall, "validate", 100.3, 100.4, `,"fault":true`+exc("ValueError", "bad cart"))))))))},
			fault: []string{"client front[]: front / handler / service / validate {ValueError: bad cart}"},
		},
		{
			name: "a fault below an entity without the flag is not the client's",
			docs: []string{front(fault500 + subs(sub(idSub, "work", 100.1, 100.9,
				subs(sub(idCall, "cache", 100.2, 100.3, `,"fault":true`+exc("TimeoutError", "cache timed out"))))))},
			fault: []string{"front[]: front / work / cache {TimeoutError: cache timed out}"},
		},
		{
			name:  "a handled fault under a successful root",
			docs:  []string{front(subs(sub(idSub, "fails", 100.1, 100.2, `,"fault":true`+exc("errors.errorString", "probe error"))))},
			fault: []string{"front[]: front / fails {errors.errorString: probe error}"},
		},
		{
			name:  "a root fault with nothing below it",
			docs:  []string{front(fault500 + subs(sub(idSub, "ok", 100.1, 100.2, ``)))},
			fault: []string{"client front[]: front"},
		},
		{
			name: "errors (4xx) like faults, throttles among them",
			docs: []string{
				front(status4x + subs(
					sub(idCall, "users", 100.1, 100.4, `,"namespace":"remote","http":{"request":{"traced":true},"response":{"status":404}}`),
					sub(idCall2, "DynamoDB", 100.5, 100.6, `,"namespace":"aws","error":true,"throttle":true,"aws":{"table_name":"carts"},"http":{"response":{"status":429}}`),
				)),
				doc(`"id":"` + idBack + `","name":"users","parent_id":"` + idCall + `","start_time":100.2,"end_time":100.3` + status4x +
					subs(sub(idSub, "lookup", 100.2, 100.3, `,"error":true`+exc("NotFound", "no user 7")))),
			},
			error: []string{
				"client front[]: front / users(remote) -> users[]: users / lookup {NotFound: no user 7}",
				"client front[]: front / DynamoDB(remote) -> DynamoDB[AWS::DynamoDB::Table]~inferred: DynamoDB(remote)",
			},
		},
		{
			name: "several root causes in tree order; a retried call's repeats count once",
			docs: []string{front(fault500 + subs(
				sub(idCall, "a.internal", 100.1, 100.2, `,"namespace":"remote"`+status5x),
				sub(idCall2, "b.internal", 100.2, 100.3, `,"namespace":"remote"`+status5x),
				sub(idSub, "a.internal", 100.3, 100.4, `,"namespace":"remote"`+status5x),
			))},
			fault: []string{
				"client front[]: front / a.internal(remote) -> a.internal[remote]~inferred: a.internal(remote)",
				"client front[]: front / b.internal(remote) -> b.internal[remote]~inferred: b.internal(remote)",
			},
		},
		{
			name: "a faulting service whose caller has not reported starts its own path",
			docs: []string{
				front(``),
				doc(`"id":"` + idBack + `","name":"back","parent_id":"` + idAbsent + `","start_time":100.2,"end_time":100.8` + fault500),
			},
			fault: []string{"back[]: back"},
		},
		{
			name: "a function called by the Lambda service's segment itself",
			docs: []string{
				doc(`"id":"` + idFront + `","name":"fn","origin":"AWS::Lambda","start_time":100,"end_time":101` + fault500),
				doc(`"id":"` + idBack + `","name":"fn","origin":"AWS::Lambda::Function","parent_id":"` + idFront + `","aws":{"account_id":"123456789012"},
					"start_time":100.1,"end_time":100.9,"fault":true` + subs(sub(idSub, "Invocation", 100.1, 100.9, `,"fault":true`+exc("Error", "boom")))),
			},
			fault: []string{"client fn[AWS::Lambda]: fn -> fn[AWS::Lambda::Function]@123456789012: fn / Invocation {Error: boom}"},
		},
		{
			name: "in-progress and flag-free entities are no root causes",
			docs: []string{front(subs(sub(idSub, "slow", 100.1, 100.2, ``)) + `,"annotations":{"x":1}`),
				doc(`"type":"subsegment","id":"` + idSub2 + `","parent_id":"` + idFront + `","name":"pending","start_time":100.5,"in_progress":true`)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Assemble(testTraceID, parseDocs(t, tt.docs...)).Summary()
			if got := rootCauseLines(s.FaultRootCauses); !slices.Equal(got, tt.fault) {
				t.Errorf("fault root causes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.fault, "\n"))
			}
			if got := rootCauseLines(s.ErrorRootCauses); !slices.Equal(got, tt.error) {
				t.Errorf("error root causes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.error, "\n"))
			}
		})
	}
}

// TestRootCauseExceptions checks how exceptions are reported: in the order
// the SDK wrote them, with references to exceptions recorded elsewhere in
// the trace resolved.
func TestRootCauseExceptions(t *testing.T) {
	// handler records its exception as described; validate, below it, is
	// the one with no faulting child.
	trace := func(handlerCause, validateCause string) []string {
		return []string{front(subs(sub(idSub, "handler", 100.1, 100.9, `,"fault":true,"cause":`+handlerCause+
			subs(sub(idCall, "validate", 100.2, 100.3, `,"fault":true,"cause":`+validateCause)))))}
	}
	const inner = `{"exceptions":[{"id":"00000000000000e1","type":"ValueError","message":"bad cart"}]}`
	tests := []struct {
		name string
		docs []string
		want string
	}{
		{
			name: "a cause given as an exception ID",
			docs: trace(`"00000000000000e1"`, inner),
			want: "front[]: front / handler {ValueError: bad cart} / validate {ValueError: bad cart}",
		},
		{
			// The Java SDK's DefaultThrowableSerializationStrategy
			// writes an exception a subsegment already described as an
			// entry holding only its cause.
			name: "an exception that only names its cause",
			docs: trace(`{"exceptions":[{"cause":"00000000000000e1"}]}`, inner),
			want: "front[]: front / handler {ValueError: bad cart} / validate {ValueError: bad cart}",
		},
		{
			name: "a chain of causes in one entity, then across entities",
			docs: trace(`{"exceptions":[
				{"id":"00000000000000a1","type":"ServletException","message":"request failed","cause":"00000000000000a2"},
				{"id":"00000000000000a2","type":"WrappedException","message":"validation","cause":"00000000000000e1"}]}`, inner),
			want: "front[]: front / handler {ServletException: request failed} {WrappedException: validation} {ValueError: bad cart} / validate {ValueError: bad cart}",
		},
		{
			name: "a reference to an exception that never arrived",
			docs: trace(`{"exceptions":[{"cause":"00000000000000ff"}]}`, inner),
			want: "front[]: front / handler / validate {ValueError: bad cart}",
		},
		{
			name: "cause links that loop",
			docs: trace(`{"exceptions":[{"cause":"00000000000000b1"}]}`, `{"exceptions":[
				{"id":"00000000000000b1","type":"A","message":"a","cause":"00000000000000b2"},
				{"id":"00000000000000b2","type":"B","message":"b","cause":"00000000000000b1"}]}`),
			want: "front[]: front / handler {A: a} {B: b} / validate {A: a} {B: b}",
		},
		{
			name: "exceptions without a type or an ID",
			docs: trace(`{"exceptions":[{"message":"no type"}]}`, `{"exceptions":[{"type":"NoMessage"},{"message":"m2"}]}`),
			want: "front[]: front / handler {: no type} / validate {NoMessage: } {: m2}",
		},
		{
			name: "a remote exception makes its entity remote",
			docs: trace(`{"exceptions":[]}`, `{"exceptions":[{"type":"AmazonServiceException","message":"Access Denied","remote":true}]}`),
			want: "front[]: front / handler / validate(remote) {AmazonServiceException: Access Denied}",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Assemble(testTraceID, parseDocs(t, tt.docs...)).Summary()
			got := rootCauseLines(s.FaultRootCauses)
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("fault root causes:\n%s\nwant:\n%s", strings.Join(got, "\n"), tt.want)
			}
		})
	}
}

func TestRootCauseCap(t *testing.T) {
	var calls []string
	for i := range MaxRootCauses + 5 {
		calls = append(calls, sub(fmt.Sprintf("c%015x", i), fmt.Sprintf("svc%02d.internal", i), 100.1, 100.2,
			`,"namespace":"remote","fault":true,"http":{"response":{"status":500}}`))
	}
	s := Assemble(testTraceID, parseDocs(t, front(`,"fault":true`+subs(calls...)))).Summary()
	got := rootCauseLines(s.FaultRootCauses)
	if len(got) != MaxRootCauses {
		t.Fatalf("%d fault root causes, want %d", len(got), MaxRootCauses)
	}
	if want := "client front[]: front / svc09.internal(remote) -> svc09.internal[remote]~inferred: svc09.internal(remote)"; got[9] != want {
		t.Errorf("last kept root cause %q, want %q (the first ones in tree order)", got[9], want)
	}
}

func TestResponseTimeRootCause(t *testing.T) {
	tests := []struct {
		name string
		docs []string
		want []string
	}{
		{
			name: "the longest child at each level, into the callee",
			docs: []string{
				front(subs(
					sub(idSub, "auth", 100.0, 100.1, ``),
					sub(idCall, "back", 100.1, 100.9, `,"namespace":"remote","http":{"request":{"traced":true}}`+
						subs(sub(idSub2, "response", 100.1, 100.9, ``))), // the SDK's view of the call: not the path
				)),
				doc(`"id":"` + idBack + `","name":"back","parent_id":"` + idCall + `","start_time":100.15,"end_time":100.85` +
					subs(sub("5000000000000003", "render", 100.2, 100.3, ``), sub("5000000000000004", "query", 100.3, 100.8, ``))),
			},
			want: []string{"client front[]: front cov=1 / back(remote) cov=0.8 -> back[]: back cov=0.7 / query cov=0.5"},
		},
		{
			name: "ending at an inferred node",
			docs: []string{front(subs(sub(idCall, "DynamoDB", 100.1, 100.75, `,"namespace":"aws","aws":{"table_name":"carts"}`)))},
			want: []string{"client front[]: front cov=1 / DynamoDB(remote) cov=0.65 -> DynamoDB[AWS::DynamoDB::Table]~inferred: DynamoDB(remote) cov=0.65"},
		},
		{
			name: "equal durations: the one that ended last",
			docs: []string{front(subs(sub(idSub, "first", 100.25, 100.5, ``), sub(idSub2, "second", 100.5, 100.75, ``)))},
			want: []string{"client front[]: front cov=1 / second cov=0.25"},
		},
		{
			name: "the root alone",
			docs: []string{front(``)},
			want: []string{"client front[]: front cov=1"},
		},
		{
			name: "children that took no time or are in progress end the path",
			docs: []string{front(subs(sub(idSub, "instant", 100.1, 100.1, ``))),
				doc(`"type":"subsegment","id":"` + idSub2 + `","parent_id":"` + idFront + `","name":"pending","start_time":100.5,"in_progress":true`)},
			want: []string{"client front[]: front cov=1"},
		},
		{
			name: "none while the root is in progress",
			docs: []string{doc(`"id":"` + idFront + `","name":"front","start_time":100,"in_progress":true`)},
		},
		{
			name: "none for a root that took no time",
			docs: []string{doc(`"id":"` + idFront + `","name":"front","start_time":100,"end_time":100`)},
		},
		{
			name: "coverage is rounded to thousandths",
			docs: []string{front(subs(sub(idSub, "third", 100, 100+1.0/3, ``)))},
			want: []string{"client front[]: front cov=1 / third cov=0.333"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Assemble(testTraceID, parseDocs(t, tt.docs...)).Summary()
			if got := rootCauseLines(s.ResponseTimeRootCauses); !slices.Equal(got, tt.want) {
				t.Errorf("response-time root causes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
