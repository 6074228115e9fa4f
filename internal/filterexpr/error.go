package filterexpr

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Error is a rejected expression: what is wrong and where. The API layer
// reports it as an InvalidRequestException with Error() as the message.
type Error struct {
	Pos int    // 1-based column, in characters, where the problem was found
	Msg string // the problem, naming the offending text
}

func (e *Error) Error() string { return e.Msg + " at column " + strconv.Itoa(e.Pos) }

// errorAt builds an *Error for byte offset off of src.
func errorAt(src string, off int, format string, args ...any) *Error {
	return &Error{Pos: column(src, off), Msg: fmt.Sprintf(format, args...)}
}

// column converts a byte offset into a 1-based character column, so that a
// position in an expression with non-ASCII text still points at the right
// character.
func column(src string, off int) int {
	if off > len(src) {
		off = len(src)
	}
	return utf8.RuneCountInString(src[:off]) + 1
}

// maxQuoted bounds the source text an error message repeats, so that a
// huge expression does not produce a huge message.
const maxQuoted = 40

// quote renders source text for a message: in double quotes when it
// contains none, else in back quotes, else Go-escaped. Long text keeps its
// tail, the part nearest the problem.
func quote(s string) string {
	if utf8.RuneCountInString(s) > maxQuoted {
		r := []rune(s)
		s = "…" + string(r[len(r)-maxQuoted:])
	}
	switch {
	case !strings.ContainsAny(s, "\"\\\n"):
		return `"` + s + `"`
	case !strings.ContainsAny(s, "`\n"):
		return "`" + s + "`"
	}
	return strconv.Quote(s)
}

// suggest returns the keyword-like word closest to w when it is a likely
// typo (edit distance at most 2), else "".
func suggest(w string) string {
	w = strings.ToLower(w)
	best, bestDist := "", 3
	try := func(c string) {
		if d := editDistance(w, c, bestDist); d < bestDist {
			best, bestDist = c, d
		}
	}
	for k := KwOK; k < kwCount; k++ {
		try(keywords[k].name)
	}
	for _, c := range []string{"and", "or", "not", "service", "edge", "id", "group.name", "group.arn",
		"rootcause.json", "contains", "beginswith", "endswith", "true", "false"} {
		try(c)
	}
	for _, k := range []string{"fault", "error", "responsetime"} {
		for _, l := range []string{"service", "entity", "exception"} {
			try("rootcause." + k + "." + l)
		}
	}
	if len(w) <= 2 && bestDist > 0 {
		return "" // every short word is close to some keyword
	}
	return best
}

// editDistance is the Levenshtein distance of a and b, or limit when it is
// at least limit (which lets long unrelated words stop early).
func editDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d >= limit || -d >= limit {
		return limit
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin >= limit {
			return limit
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], limit)
}
