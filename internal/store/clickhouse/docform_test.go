package clickhouse

import (
	"bytes"
	"testing"
)

func TestPackedDocumentRoundTrip(t *testing.T) {
	const tid, id = "1-6553f100-0123456789abcdef01234567", "00000000000000d1"
	f := func(name, raw, traceID, id string, wantShorter bool) {
		t.Helper()
		packed := appendPacked(nil, []byte(raw), traceID, id)
		got, err := unpackDoc(packed, traceID, id)
		if err != nil || !bytes.Equal(got, []byte(raw)) {
			t.Errorf("%s: %q packed as %q unpacked as %q, %v", name, raw, packed, got, err)
		}
		if wantShorter && len(packed) >= len(raw) {
			t.Errorf("%s: packed %d bytes into %d", name, len(raw), len(packed))
		}
	}
	doc := `{"trace_id":"` + tid + `","id":"` + id + `","subsegments":[{"trace_id":"` + tid + `","id":"00000000000000d2"}]}`
	f("document", doc, tid, id, true)
	f("no IDs in it", `{"name":"svc"}`, tid, id, false)
	f("zero bytes", "\x00a\x00\x00"+id+"\x00", tid, id, false)
	f("escape-like text", "\x00\x01\x00\x02"+tid, tid, id, false)
	f("adjacent", tid+tid+id+id+tid, tid, id, true)
	f("prefix of an ID at the end", `{"x":"`+tid[:20], tid, id, false)
	f("empty IDs", doc, "", "", false)
	f("empty", "", tid, id, false)
	f("ID inside the trace ID", tid, tid, tid[3:11], true)
}

// Rows written by schema version 1 hold the document as received.
func TestUnpackVersion1(t *testing.T) {
	raw := []byte(`{"trace_id":"1-6553f100-0123456789abcdef01234567","id":"00000000000000d1"}`)
	got, err := unpackDoc(raw, "1-6553f100-0123456789abcdef01234567", "00000000000000d1")
	if err != nil || !bytes.Equal(got, raw) {
		t.Fatalf("version 1 document read as %q, %v", got, err)
	}
}

func TestUnpackRejectsBadReferences(t *testing.T) {
	for _, b := range []string{"\x00\x02\x00", "\x00\x02a\x00\x07b"} {
		if got, err := unpackDoc([]byte(b), "t", "i"); err == nil {
			t.Errorf("%q unpacked as %q without error", b, got)
		}
	}
}

func FuzzPackedDocument(f *testing.F) {
	f.Add([]byte(`{"trace_id":"1-6553f100-0123456789abcdef01234567","id":"00000000000000d1"}`), "1-6553f100-0123456789abcdef01234567", "00000000000000d1")
	f.Add([]byte("\x00\x01\x00"), "\x00", "\x01")
	f.Fuzz(func(t *testing.T, raw []byte, traceID, id string) {
		got, err := unpackDoc(appendPacked(nil, raw, traceID, id), traceID, id)
		if err != nil || !bytes.Equal(got, raw) {
			t.Fatalf("%q with IDs %q, %q came back as %q, %v", raw, traceID, id, got, err)
		}
	})
}
