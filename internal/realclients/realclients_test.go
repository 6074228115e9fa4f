package realclients

import (
	"bytes"
	"testing"
)

// Every capture is there and every datagram has the X-Ray header line.
func TestCaptures(t *testing.T) {
	files := Files()
	for _, want := range []string{GoSDK, PythonSDK, NodeSDK} {
		found := false
		for _, f := range files {
			found = found || f == want
		}
		if !found {
			t.Errorf("capture %s missing; have %v", want, files)
		}
		dgs := Datagrams(t, want)
		if len(dgs) == 0 {
			t.Errorf("%s holds no datagram", want)
		}
		for i, dg := range dgs {
			header, _, ok := bytes.Cut(dg, []byte("\n"))
			if !ok || !bytes.Contains(header, []byte(`"format"`)) {
				t.Errorf("%s datagram %d has no header line: %.60q", want, i+1, dg)
			}
		}
	}
	if n := len(Documents(t)); n == 0 {
		t.Error("no documents")
	}
}
