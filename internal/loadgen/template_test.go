package loadgen

import (
	"testing"

	"github.com/lightbox-tracing/lightbox/segment"
)

func TestCompileAndRender(t *testing.T) {
	tpl, err := compile(`{"trace_id":"{{trace}}","id":"{{id 1}}","parent_id":"{{ id 0 }}","start_time":{{t 0}},"end_time":{{t 0.25}}}`, 1)
	if err != nil {
		t.Fatal(err)
	}
	v := traceValues{ids: make([][idLen]byte, 2), start: 1700000000.5, scale: 2}
	tid, _ := segment.ParseTraceID("1-5759e988-bd862e3fe1be46a994272793")
	v.setTraceID(tid)
	v.setID(0, segment.SegmentID{0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1})
	v.setID(1, segment.SegmentID{0xca, 0xfe, 0, 0, 0, 0, 0, 2})
	got := string(tpl.render([]byte("prefix:"), &v))
	want := `prefix:{"trace_id":"1-5759e988-bd862e3fe1be46a994272793","id":"cafe000000000002","parent_id":"deadbeef00000001","start_time":1700000000.500000,"end_time":1700000001.000000}`
	if got != want {
		t.Errorf("render:\n got %s\nwant %s", got, want)
	}
	if tpl.maxID() != 1 {
		t.Errorf("maxID = %d, want 1", tpl.maxID())
	}
}

func TestCompileErrors(t *testing.T) {
	for _, src := range []string{
		`{"id":"{{id}}"}`,
		`{"id":"{{id -1}}"}`,
		`{"id":"{{id x}}"}`,
		`{"t":{{t soon}}}`,
		`{"x":"{{what}}"}`,
		`{"x":"{{trace"}`,
	} {
		if _, err := compile(src, 0); err == nil {
			t.Errorf("compile(%s) succeeded, want an error", src)
		}
	}
}
