package clickhouse

import (
	"bytes"
	"testing"
)

func TestPackedDocumentRoundTrip(t *testing.T) {
	const tid, id = "1-6553f100-0123456789abcdef01234567", "00000000000000d1"
	f := func(name, raw, traceID, id string, wantShorter bool) {
		t.Helper()
		var p packer
		packed := p.appendPacked(nil, []byte(raw), traceID, id)
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
	f("times", `{"start_time":1700000000.123456,"end_time":1700000000.023456,"x":[0000000000.000000,9999999999.999999]}`, tid, id, true)
	f("time-like digits", `{"a":123456789012.1234567,"b":1700000000.12345,"c":-1700000000.123456e3,"d":"1700000000.123456"}`, tid, id, false)
	f("entity IDs", `{"parent_id":"00000000000000d2","x":"0123456789abcdef","y":"0123456789ABCDEF","z":"0123456789abcdefg"}`, tid, id, true)
	f("own ID quoted", `{"id":"`+id+`"}`, tid, id, true)
	f("ID-like at the end", `"0123456789abcdef`, tid, id, false)
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
	for _, b := range []string{"\x00\x02", "\x00\x02\x01\x00", "\x00\x02\x03a\x00\x07", "\x00\x02\x02\x00\x03", "\x00\x02\x02\x00\x04\x01", "\x00\x02\x00\x01", "\x00\x02\x09short"} {
		if got, err := unpackDoc([]byte(b), "t", "i"); err == nil {
			t.Errorf("%q unpacked as %q without error", b, got)
		}
	}
}

func FuzzPackedDocument(f *testing.F) {
	f.Add([]byte(`{"trace_id":"1-6553f100-0123456789abcdef01234567","id":"00000000000000d1"}`), "1-6553f100-0123456789abcdef01234567", "00000000000000d1")
	f.Add([]byte("\x00\x01\x00"), "\x00", "\x01")
	f.Fuzz(func(t *testing.T, raw []byte, traceID, id string) {
		var p packer
		got, err := unpackDoc(p.appendPacked(nil, raw, traceID, id), traceID, id)
		if err != nil || !bytes.Equal(got, raw) {
			t.Fatalf("%q with IDs %q, %q came back as %q, %v", raw, traceID, id, got, err)
		}
	})
}

// loadgenFront is a front-end segment as loadgen sends it (1.4 KB).
const loadgenFront = `{"trace_id":"1-6b02a2f7-0002a25dd3da736cdb03aa8c","id":"3a8fd351fa386f55","name":"checkout","start_time":1795334903.933091,"end_time":1795334903.998057,"origin":"AWS::EC2::Instance","user":"user-3328","http":{"request":{"method":"GET","url":"https://checkout.example.com/orders?page=2","client_ip":"203.0.113.180","user_agent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"},"response":{"status":200,"content_length":1695}},"aws":{"ec2":{"instance_id":"i-05199bddfd1d01b3","availability_zone":"us-east-1a"},"xray":{"sdk_version":"1.8.5","sdk":"X-Ray for Go"}},"annotations":{"customer_tier":"free","cart_items":3,"ab_test":true},"subsegments":[{"trace_id":"1-6b02a2f7-0002a25dd3da736cdb03aa8c","id":"df27321e0cfd8607","parent_id":"3a8fd351fa386f55","name":"auth","start_time":1795334903.933541,"end_time":1795334903.936004},{"trace_id":"1-6b02a2f7-0002a25dd3da736cdb03aa8c","id":"5746ba12eedefa8f","parent_id":"3a8fd351fa386f55","name":"payments","namespace":"remote","start_time":1795334903.936202,"end_time":1795334903.991513,"http":{"request":{"method":"POST","url":"http://payments.internal:8080/orders","traced":true},"response":{"status":200,"content_length":320}}}]}`

func TestPackedLoadgenDocument(t *testing.T) {
	var p packer
	packed := p.appendPacked(nil, []byte(loadgenFront), "1-6b02a2f7-0002a25dd3da736cdb03aa8c", "3a8fd351fa386f55")
	got, err := unpackDoc(packed, "1-6b02a2f7-0002a25dd3da736cdb03aa8c", "3a8fd351fa386f55")
	if err != nil || string(got) != loadgenFront {
		t.Fatalf("unpacked as %s, %v", got, err)
	}
	// 3 trace IDs, the own ID 3 times, 6 times and 2 other IDs leave the
	// shape; the values are 6 varints of at most 3 bytes after the first
	// (8) and 2 × 8 bytes.
	if want := len(loadgenFront) - 3*(35-2) - 3*(16-2) - 6*(17-2) - 2*(18-2) + 2 + 2 + 8 + 5*3 + 2*8; len(packed) > want {
		t.Errorf("packed %d bytes into %d, want at most %d", len(loadgenFront), len(packed), want)
	}
}

func BenchmarkPackDocument(b *testing.B) {
	var p packer
	raw := []byte(loadgenFront)
	var dst []byte
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		dst = p.appendPacked(dst[:0], raw, "1-6b02a2f7-0002a25dd3da736cdb03aa8c", "3a8fd351fa386f55")
	}
}

func BenchmarkUnpackDocument(b *testing.B) {
	var p packer
	packed := p.appendPacked(nil, []byte(loadgenFront), "1-6b02a2f7-0002a25dd3da736cdb03aa8c", "3a8fd351fa386f55")
	b.SetBytes(int64(len(loadgenFront)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := unpackDoc(packed, "1-6b02a2f7-0002a25dd3da736cdb03aa8c", "3a8fd351fa386f55"); err != nil {
			b.Fatal(err)
		}
	}
}
