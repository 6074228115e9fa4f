package daemon

import (
	"bytes"
	"context"
	"testing"

	"github.com/lightbox-tracing/lightbox/internal/store/local"
)

// TestLocalEngine runs the real-client datagrams through the listener into
// the embedded engine on disk and reads them back.
func TestLocalEngine(t *testing.T) {
	st, err := local.Open(local.Options{Dir: t.TempDir(), RetentionInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	l := startListener(t, Options{Writer: st})
	want := map[string]map[string][]byte{} // trace → id → document
	for _, dgs := range fixtureDatagrams(t) {
		send(t, l, dgs...)
		for _, b := range dgs {
			docs, err := decode(b)
			if err != nil {
				t.Fatal(err)
			}
			d := docs[0]
			if want[d.TraceID] == nil {
				want[d.TraceID] = map[string][]byte{}
			}
			want[d.TraceID][d.ID] = d.Raw
		}
	}
	shutdown(t, l)
	if err := st.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for id := range want {
		ids = append(ids, id)
	}
	got, err := st.GetTraces(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ids) {
		t.Fatalf("GetTraces found %d of %d traces", len(got), len(ids))
	}
	for _, tr := range got {
		for _, d := range tr.Documents {
			raw, ok := want[tr.ID][d.ID]
			if !ok {
				t.Errorf("trace %s: unexpected document %s", tr.ID, d.ID)
				continue
			}
			if !bytes.Equal(bytes.TrimSpace(d.Raw), raw) {
				t.Errorf("trace %s document %s: stored bytes differ from the datagram's", tr.ID, d.ID)
			}
			delete(want[tr.ID], d.ID)
		}
		if len(want[tr.ID]) != 0 {
			t.Errorf("trace %s: %d documents missing", tr.ID, len(want[tr.ID]))
		}
	}
}
