package filterexpr

import (
	"errors"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks, for any input, that Parse does not panic; that a
// rejection is an *Error whose column lies within the input (or one past
// its end); and that an accepted expression prints to text that parses
// back to an equal tree, and whose required terms are a valid expression.
// Its seeds are every expression of the corpus.
func FuzzParse(f *testing.F) {
	for _, c := range readCorpus(f) {
		f.Add(c.input)
	}
	f.Add("service(\"a\")\n{\n\tfault\n}")
	f.Add("user = \"line\nbreak\"")
	f.Add("annotation.x = \"\xff\"")
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error %T is not *Error: %v", s, err, err)
			}
			if e != nil {
				t.Fatalf("Parse(%q) returned both %v and an error", s, e)
			}
			if n := utf8.RuneCountInString(s); pe.Pos < 1 || pe.Pos > n+1 {
				t.Fatalf("Parse(%q): column %d outside 1..%d: %v", s, pe.Pos, n+1, err)
			}
			if pe.Msg == "" {
				t.Fatalf("Parse(%q): empty message", s)
			}
			return
		}
		if e == nil {
			t.Fatalf("Parse(%q) returned nil without an error", s)
		}
		checkRoundTrip(t, s, e)
		if ts := RequiredTerms(e).String(); ts != "" {
			if _, err := Parse(ts); err != nil {
				t.Fatalf("RequiredTerms(%q) = %q, which does not parse: %v", s, ts, err)
			}
		}
	})
}
