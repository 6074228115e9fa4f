package query

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lightbox-tracing/lightbox/internal/filterexpr"
	"github.com/lightbox-tracing/lightbox/internal/realclients"
	"github.com/lightbox-tracing/lightbox/internal/trace"
	"github.com/lightbox-tracing/lightbox/segment"
)

// The evaluation corpus in testdata/filter/*.txt specifies what filter
// expressions match, in the spirit of Prometheus's promqltest. Each file
// is independent; its directives run in order:
//
//	# a comment; blank lines are ignored
//	load                      starts a block of traces, added to the file's traces:
//	trace <name>              a trace; the documents below it are its own
//	{…}                       one segment document (JSON, one line; trace_id is filled in)
//	load fixture <file>       the traces of a real-client capture (internal/realclients),
//	                          named <first word of the file>-1, -2, … in order of appearance
//	group <name> [expr]       a group and its filter (none: every trace), for group.name/group.arn;
//	                          its ARN is arn:aws:xray:us-east-1:000000000000:group/<name>
//	eval <expression>         evaluate against every trace loaded so far
//	expect <name> …           required after eval: the traces that match, in any order ("none": no trace)
//	error <text>              instead of expect: CompileFilter fails with a message containing text
//	terms <term> …            optional after expect: the compiled Filter.Terms ("-": none)
//
// Every eval also checks that the terms are sound: each trace the
// expression matches has every term among its Summary.Terms.

type corpusTrace struct {
	name    string
	summary *trace.Summary
}

type corpusFile struct {
	t      *testing.T
	file   string
	traces []corpusTrace
	groups map[string]filterexpr.Expr // nil value: a group without a filter
}

func TestFilterCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "filter", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("cannot find the filter corpus: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) { runCorpusFile(t, file) })
	}
}

func runCorpusFile(t *testing.T, file string) {
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("cannot read corpus file: %v", err)
	}
	cf := &corpusFile{t: t, file: filepath.Base(file), groups: map[string]filterexpr.Expr{"Default": nil}}
	var (
		docs    map[string][]*segment.Document // trace name → documents of the current load block
		order   []string
		cur     string
		pending *pendingEval
		evals   int
	)
	flush := func() {
		for _, name := range order {
			cf.traces = append(cf.traces, corpusTrace{name: name, summary: trace.Assemble(traceIDOf(name), docs[name]).Summary()})
		}
		docs, order, cur = nil, nil, ""
	}
	finish := func() {
		if pending != nil {
			cf.check(pending)
			pending = nil
			evals++
		}
	}
	lines := strings.Split(string(raw), "\n")
	for i, line := range lines {
		where := fmt.Sprintf("%s:%d", cf.file, i+1)
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "{") {
			if docs == nil || cur == "" {
				t.Fatalf("%s: a document outside a trace of a load block", where)
			}
			d := parseCorpusDoc(t, where, cur, line)
			docs[cur] = append(docs[cur], d...)
			continue
		}
		cmd, arg, _ := strings.Cut(line, " ")
		switch cmd {
		case "load":
			finish()
			flush()
			if fixture, ok := strings.CutPrefix(arg, "fixture "); ok {
				cf.loadFixture(where, strings.TrimSpace(fixture))
				continue
			}
			if arg != "" {
				t.Fatalf("%s: load takes no argument but fixture <file>: %q", where, line)
			}
			docs = map[string][]*segment.Document{}
		case "trace":
			if docs == nil {
				t.Fatalf("%s: trace outside a load block", where)
			}
			if arg == "" || slices.Contains(order, arg) || cf.has(arg) {
				t.Fatalf("%s: trace name %q is empty or taken", where, arg)
			}
			cur = arg
			order = append(order, arg)
		case "group":
			finish()
			flush()
			name, expr, _ := strings.Cut(arg, " ")
			var g filterexpr.Expr
			if expr != "" {
				if g, err = filterexpr.Parse(expr); err != nil {
					t.Fatalf("%s: group %s: %v", where, name, err)
				}
			}
			cf.groups[name] = g
		case "eval":
			finish()
			flush()
			pending = &pendingEval{where: where, expr: arg}
		case "expect", "error", "terms":
			if pending == nil {
				t.Fatalf("%s: %s without eval", where, cmd)
			}
			switch cmd {
			case "expect":
				want := strings.Fields(arg)
				if len(want) == 1 && want[0] == "none" {
					want = []string{}
				}
				pending.expect = want
			case "error":
				pending.err = arg
			case "terms":
				pending.terms = &arg
			}
		default:
			t.Fatalf("%s: unknown directive %q", where, cmd)
		}
	}
	finish()
	if evals == 0 {
		t.Fatalf("%s has no eval", cf.file)
	}
}

type pendingEval struct {
	where  string
	expr   string
	expect []string // nil: not given
	err    string
	terms  *string
}

func (cf *corpusFile) has(name string) bool {
	return slices.ContainsFunc(cf.traces, func(ct corpusTrace) bool { return ct.name == name })
}

// group looks groups up as the API will: by name, or by the ARN the file's
// groups would have.
func (cf *corpusFile) group(ref *filterexpr.Group) (filterexpr.Expr, error) {
	name := ref.Value
	if ref.ByARN {
		var ok bool
		if name, ok = strings.CutPrefix(ref.Value, "arn:aws:xray:us-east-1:000000000000:group/"); !ok {
			return nil, fmt.Errorf("group %q does not exist", ref.Value)
		}
	}
	g, ok := cf.groups[name]
	if !ok {
		return nil, fmt.Errorf("group %q does not exist", ref.Value)
	}
	return g, nil
}

func (cf *corpusFile) check(p *pendingEval) {
	t := cf.t
	t.Helper()
	if (p.expect == nil) == (p.err == "") {
		t.Errorf("%s: eval needs exactly one of expect and error", p.where)
		return
	}
	e, err := filterexpr.Parse(p.expr)
	if err != nil {
		t.Errorf("%s: cannot parse %q: %v", p.where, p.expr, err)
		return
	}
	f, err := CompileFilter(e, FilterOptions{Group: cf.group})
	if p.err != "" {
		if err == nil || !strings.Contains(err.Error(), p.err) {
			t.Errorf("%s: %s: error %v, want one containing %q", p.where, p.expr, err, p.err)
		}
		return
	}
	if err != nil {
		t.Errorf("%s: cannot compile %s: %v", p.where, p.expr, err)
		return
	}
	got := []string{}
	for _, ct := range cf.traces {
		if !f.Match(ct.summary) {
			continue
		}
		got = append(got, ct.name)
		have := ct.summary.Terms()
		for _, term := range f.Terms {
			if _, found := slices.BinarySearch(have, term); !found {
				t.Errorf("%s: %s: term %q is not among the terms of matching trace %s: %q", p.where, p.expr, term, ct.name, have)
			}
		}
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(p.expect))
	if !slices.Equal(got, want) {
		t.Errorf("%s: %s\n got %s\nwant %s", p.where, p.expr, strings.Join(got, " "), strings.Join(want, " "))
	}
	if p.terms != nil {
		gotTerms := strings.Join(f.Terms, " ")
		if gotTerms == "" {
			gotTerms = "-"
		}
		if gotTerms != *p.terms {
			t.Errorf("%s: %s: terms %s, want %s", p.where, p.expr, gotTerms, *p.terms)
		}
	}
}

// traceIDOf makes a valid trace ID from a trace's name, so that documents
// in the corpus need not spell one.
func traceIDOf(name string) string {
	var h uint64 = 14695981039346656037
	for i := range len(name) {
		h = (h ^ uint64(name[i])) * 1099511628211
	}
	return fmt.Sprintf("1-65000000-%024x", h)
}

func parseCorpusDoc(t *testing.T, where, name, line string) []*segment.Document {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		t.Fatalf("%s: document is not JSON: %v", where, err)
	}
	if _, ok := m["trace_id"]; !ok {
		m["trace_id"] = traceIDOf(name)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	docs, err := segment.Parse(b)
	if err != nil {
		t.Fatalf("%s: invalid document: %v", where, err)
	}
	return docs
}

// loadFixture adds the traces of a real-client capture: datagrams, one JSON
// string per line.
func (cf *corpusFile) loadFixture(where, file string) {
	t := cf.t
	prefix, _, _ := strings.Cut(file, "-")
	byID := map[string][]*segment.Document{}
	var ids []string
	for _, datagram := range realclients.Datagrams(t, file) {
		raw, err := segment.SplitDatagram(datagram)
		if err != nil {
			t.Fatalf("%s: cannot split a datagram of %s: %v", where, file, err)
		}
		docs, err := segment.Parse(raw)
		if err != nil {
			t.Fatalf("%s: cannot parse a document of %s: %v", where, file, err)
		}
		for _, d := range docs {
			if _, ok := byID[d.TraceID]; !ok {
				ids = append(ids, d.TraceID)
			}
			byID[d.TraceID] = append(byID[d.TraceID], d)
		}
	}
	for i, id := range ids {
		name := fmt.Sprintf("%s-%d", prefix, i+1)
		if cf.has(name) {
			t.Fatalf("%s: trace name %q is taken", where, name)
		}
		cf.traces = append(cf.traces, corpusTrace{name: name, summary: trace.Assemble(id, byID[id]).Summary()})
	}
}
