package local

import (
	"strings"

	"github.com/lightbox-tracing/lightbox/internal/trace"
)

// Bounds on what one trace adds to the term index, so that a trace with a
// thousand annotation values costs ingest no more than an ordinary one. A
// trace over a bound is indexed under an overflow term instead, which every
// query that could match it also reads (see indexTerms).
const (
	// maxTermValuesPerKey is how many values of one annotation key are
	// indexed; a key with more is indexed as the key and its overflow term.
	maxTermValuesPerKey = 16
	// maxTermsPerTrace is how many terms one trace is indexed under; a trace
	// with more is indexed under overflowTerm alone.
	maxTermsPerTrace = 256
)

// overflowTerm is the term of every trace with more than maxTermsPerTrace
// terms. No trace.Summary term starts with a NUL byte.
const overflowTerm = "\x00overflow"

// keyOverflowSuffix ends the overflow term of one annotation key: the
// prefix of its value terms ("a:" key "=") then this suffix. Real value terms
// continue with "s:", "n:" or "b:", never with a NUL byte.
const keyOverflowSuffix = "\x00"

// indexed reports whether the engine indexes a term of this kind. Only the
// kinds below are indexed; a term of any other kind (a newer vocabulary)
// is not a shortcut, because stored traces were never indexed under it.
// Adding a kind here needs a new format version and a re-index (FORMAT.md).
func indexed(term string) bool {
	switch {
	case strings.HasPrefix(term, "a:"), strings.HasPrefix(term, "s:"), strings.HasPrefix(term, "u:"):
		return true
	case len(term) > 3 && term[0] == 's' && term[2] == ':':
		o := trace.Outcome(term[1] - '0')
		return o == trace.ErrorOther || o == trace.Throttle || o == trace.Fault
	}
	return false
}

// keyOverflow returns the overflow term of an annotation value term's key
// ("a:k=s:v" → "a:k=\x00"); ok is false for any other term. The key ends at
// the first "=", for writers and readers alike, so keys containing "=" at
// worst share an overflow term.
func keyOverflow(term string) (string, bool) {
	prefix, ok := valuePrefix(term)
	if !ok {
		return "", false
	}
	return prefix + keyOverflowSuffix, true
}

// valuePrefix returns the part of an annotation value term that all the
// values of its key share ("a:k=s:v" → "a:k="), without allocating.
func valuePrefix(term string) (string, bool) {
	if !strings.HasPrefix(term, "a:") {
		return "", false
	}
	i := strings.IndexByte(term[2:], '=')
	if i < 0 {
		return "", false
	}
	return term[:2+i+1], true
}

// indexTerms returns the terms a trace is indexed under: its indexed
// Summary.Terms, except that an annotation key with more than
// maxTermValuesPerKey values is indexed under its key overflow term instead
// of its values, and a trace left with more than maxTermsPerTrace terms is
// indexed under overflowTerm alone.
func indexTerms(s *trace.Summary) []string {
	all := s.Terms()
	out := make([]string, 0, len(all))
	for i := 0; i < len(all); {
		t := all[i]
		i++
		if !indexed(t) {
			continue
		}
		prefix, ok := valuePrefix(t)
		if !ok {
			out = append(out, t)
			continue
		}
		// Terms are sorted, so one key's value terms are adjacent.
		j := i
		for j < len(all) && strings.HasPrefix(all[j], prefix) {
			j++
		}
		if j-i+1 > maxTermValuesPerKey {
			out = append(out, prefix+keyOverflowSuffix)
		} else {
			out = append(out, all[i-1:j]...)
		}
		i = j
	}
	if len(out) > maxTermsPerTrace {
		return []string{overflowTerm}
	}
	return out
}

// termHash is the 64-bit FNV-1a hash of a term: the index stores hashes,
// not terms, so that its keys have one size whatever the annotation values.
// Two terms with one hash only make a query read more candidates; the
// filter's Match decides.
func termHash(t string) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for i := 0; i < len(t); i++ {
		h ^= uint64(t[i])
		h *= prime
	}
	return h
}
