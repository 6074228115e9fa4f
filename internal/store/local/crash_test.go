package local

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lightbox-tracing/lightbox/internal/store"
	"github.com/lightbox-tracing/lightbox/internal/trace"
	"github.com/lightbox-tracing/lightbox/segment"
)

// crashChildEnv, when set to a directory, turns the test binary into the
// writer that TestKill9KeepsAcknowledgedWrites kills (see TestMain).
const crashChildEnv = "LIGHTBOX_LOCAL_CRASH_CHILD_DIR"

const (
	crashTracesPerBatch = 5
	crashDocsPerTrace   = 4
)

// crashBatch is the deterministic content of batch i, so that the parent
// knows what every acknowledged batch held.
func crashBatch(t testing.TB, i int) []*segment.Document {
	rng := rand.New(rand.NewPCG(uint64(i), 42))
	var docs []*segment.Document
	for j := range crashTracesPerBatch {
		epoch := uint32(1795300000 + i*crashTracesPerBatch + j)
		docs = append(docs, genTrace(t, rng, epoch, float64(epoch)+0.5, crashDocsPerTrace)...)
	}
	return docs
}

// crashChild writes batches until it is killed, printing "ACK i" once
// WriteSegments(batch i) has returned. Assembly is delayed by an hour, so
// every trace it writes is still pending when it dies.
func crashChild(dir string) int {
	o := testOptions(dir)
	o.AssembleDelay = time.Hour
	s, err := Open(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	tb := &childTB{}
	for i := 0; ; i++ {
		if err := s.WriteSegments(context.Background(), crashBatch(tb, i)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		fmt.Fprintf(os.Stdout, "ACK %d\n", i)
	}
}

// childTB lets the generators run outside a test.
type childTB struct{ testing.TB }

func (childTB) Helper() {}
func (childTB) Fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(2)
}

func TestKill9KeepsAcknowledgedWrites(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := -1
	killed := false
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		n, ok := strings.CutPrefix(sc.Text(), "ACK ")
		if !ok {
			continue
		}
		i, err := strconv.Atoi(n)
		if err != nil {
			t.Fatalf("child printed %q", sc.Text())
		}
		acked = i
		if i == 40 && !killed {
			// Mid-stream: the child is inside its next WriteSegments.
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	err = cmd.Wait()
	if !killed {
		t.Fatalf("child ended on its own after %d batches: %v", acked+1, err)
	}
	if ws, ok := cmd.ProcessState.Sys().(interface{ Signaled() bool }); !ok || !ws.Signaled() {
		t.Fatalf("child was not killed by a signal: %v", cmd.ProcessState)
	}
	t.Logf("child acknowledged %d batches before SIGKILL", acked+1)

	s := openTest(t, testOptions(dir))
	defer s.Close()
	ctx := context.Background()
	var ids []string
	want := make(map[string]map[string]bool)
	for i := 0; i <= acked; i++ {
		for _, d := range crashBatch(t, i) {
			if want[d.TraceID] == nil {
				want[d.TraceID] = make(map[string]bool)
				ids = append(ids, d.TraceID)
			}
			want[d.TraceID][string(d.Raw)] = true
		}
	}
	got, err := s.GetTraces(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ids) {
		t.Fatalf("after the crash %d of %d acknowledged traces are stored", len(got), len(ids))
	}
	for _, td := range got {
		if len(td.Documents) != len(want[td.ID]) {
			t.Errorf("trace %s: %d documents, want %d", td.ID, len(td.Documents), len(want[td.ID]))
		}
		for _, d := range td.Documents {
			if !want[td.ID][string(d.Raw)] {
				t.Errorf("trace %s: document %s is not what was written", td.ID, d.ID)
			}
		}
	}

	// The child never summarized anything: the pending keys it left must
	// be found at Open and assembled now.
	if err := s.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	summarized := make(map[string]int64)
	err = s.FindTraces(ctx, store.TraceQuery{Start: 1795300000, End: 1795400000, RangeType: store.ByTraceID},
		func(sum *trace.Summary, _ store.Position) bool {
			summarized[sum.ID] = sum.Revision
			return true
		})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if rev, ok := summarized[id]; !ok || rev != 1 {
			t.Errorf("trace %s: summary revision %d (found %v) after re-assembly, want 1", id, rev, ok)
		}
	}
	if n := s.Stats().PendingTraces; n != 0 {
		t.Errorf("after Sync %d traces still pending", n)
	}
}
