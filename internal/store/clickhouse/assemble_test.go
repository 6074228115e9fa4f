package clickhouse

import (
	"slices"
	"testing"
	"time"
)

// The summarizer takes the traces that waited longest first, only those
// past AssembleDelay, and a trace summarized and written again waits anew.
func TestAssemblerTakesOldestDueFirst(t *testing.T) {
	now := time.Unix(1700000000, 0)
	a := newAssembler(&Store{opts: Options{AssembleDelay: time.Second}, now: func() time.Time { return now }})
	at := func(sec int, ids ...string) {
		for _, id := range ids {
			a.wait(id, now.Add(time.Duration(sec)*time.Second))
		}
	}
	at(0, "c", "a")
	at(1, "b", "a") // a waits already: its time stays
	at(2, "d")
	due, next := a.takeDue(now.Add(2*time.Second), false)
	if want := []string{"c", "a", "b"}; !slices.Equal(due, want) || !next.Equal(now.Add(2*time.Second)) {
		t.Fatalf("due %v, next %v; want %v and the time of d", due, next, want)
	}
	at(3, "a") // written again after its summary
	due, next = a.takeDue(now.Add(3*time.Second), false)
	if want := []string{"d"}; !slices.Equal(due, want) || !next.Equal(now.Add(3*time.Second)) {
		t.Fatalf("due %v, next %v; want %v and a's new time", due, next, want)
	}
	due, _ = a.takeDue(now.Add(3*time.Second), true)
	if want := []string{"a"}; !slices.Equal(due, want) {
		t.Fatalf("all due: %v, want %v", due, want)
	}
	if due, next = a.takeDue(now.Add(time.Hour), false); len(due) != 0 || !next.IsZero() || len(a.waiting) != 0 {
		t.Fatalf("nothing waits, yet due %v, next %v, waiting %v", due, next, a.waiting)
	}
}
