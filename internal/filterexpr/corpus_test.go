package filterexpr

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// The corpus in testdata/corpus/*.txt specifies the language, one case per
// directive, in the spirit of Prometheus's promqltest:
//
//	# a comment; blank lines are ignored
//	parse <expression>       the expression is valid
//	print <canonical form>   optional: what String() prints (default: the expression itself)
//	terms <expression>       optional: RequiredTerms printed ("-" for none)
//	fail <expression>        the expression is invalid
//	error <column> <text>    required after fail: the error's column and a fragment of its message
//
// The expression is the rest of the line after one space, verbatim, so
// leading spaces count towards columns.

type corpusCase struct {
	where     string // file:line
	input     string
	fail      bool
	print     *string
	terms     *string
	errColumn int
	errText   string
}

func readCorpus(tb testing.TB) []corpusCase {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "corpus", "*.txt"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("cannot find the corpus: %v", err)
	}
	var cases []corpusCase
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			tb.Fatalf("cannot read corpus file: %v", err)
		}
		var cur *corpusCase
		for i, line := range strings.Split(string(raw), "\n") {
			where := filepath.Base(file) + ":" + strconv.Itoa(i+1)
			if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
				continue
			}
			cmd, arg, ok := strings.Cut(line, " ")
			if !ok {
				tb.Fatalf("%s: directive without argument: %q", where, line)
			}
			switch cmd {
			case "parse", "fail":
				if cur != nil && cur.fail && cur.errText == "" {
					tb.Fatalf("%s: fail case without error line", cur.where)
				}
				cases = append(cases, corpusCase{where: where, input: arg, fail: cmd == "fail"})
				cur = &cases[len(cases)-1]
			case "print", "terms":
				if cur == nil || cur.fail {
					tb.Fatalf("%s: %s must follow a parse line", where, cmd)
				}
				a := arg
				if cmd == "print" {
					cur.print = &a
				} else {
					if a == "-" {
						a = ""
					}
					cur.terms = &a
				}
			case "error":
				if cur == nil || !cur.fail {
					tb.Fatalf("%s: error must follow a fail line", where)
				}
				col, text, _ := strings.Cut(arg, " ")
				n, err := strconv.Atoi(col)
				if err != nil || text == "" {
					tb.Fatalf("%s: want \"error <column> <text>\", got %q", where, line)
				}
				cur.errColumn, cur.errText = n, text
			default:
				tb.Fatalf("%s: unknown directive %q", where, cmd)
			}
		}
		if cur != nil && cur.fail && cur.errText == "" {
			tb.Fatalf("%s: fail case without error line", cur.where)
		}
	}
	return cases
}

func TestCorpus(t *testing.T) {
	cases := readCorpus(t)
	var valid, invalid int
	for _, c := range cases {
		t.Run(c.where, func(t *testing.T) {
			e, err := Parse(c.input)
			if c.fail {
				invalid++
				var pe *Error
				if !errors.As(err, &pe) {
					t.Fatalf("Parse(%q) = %v, %v; want an *Error", c.input, e, err)
				}
				if pe.Pos != c.errColumn || !strings.Contains(pe.Msg, c.errText) {
					t.Fatalf("Parse(%q) error:\n got: %v\nwant: %q at column %d", c.input, err, c.errText, c.errColumn)
				}
				return
			}
			valid++
			if err != nil {
				t.Fatalf("Parse(%q): %v", c.input, err)
			}
			want := c.input
			if c.print != nil {
				want = *c.print
			}
			got := e.String()
			if got != want {
				t.Fatalf("Parse(%q).String():\n got: %s\nwant: %s", c.input, got, want)
			}
			checkRoundTrip(t, c.input, e)
			if c.terms != nil {
				if got := RequiredTerms(e).String(); got != *c.terms {
					t.Fatalf("RequiredTerms(%q):\n got: %s\nwant: %s", c.input, got, *c.terms)
				}
			}
		})
	}
	t.Logf("%d valid and %d invalid expressions", valid, invalid)
}

// checkRoundTrip asserts parse(print(e)) == e and that printing is stable.
func checkRoundTrip(t *testing.T, input string, e Expr) {
	t.Helper()
	printed := e.String()
	again, err := Parse(printed)
	if err != nil {
		t.Fatalf("Parse(%q) printed %q, which does not parse: %v", input, printed, err)
	}
	if !reflect.DeepEqual(again, e) {
		t.Fatalf("Parse(%q) printed %q, which parses to a different tree:\n%#v\nvs\n%#v", input, printed, again, e)
	}
	if p2 := again.String(); p2 != printed {
		t.Fatalf("printing is not stable: %q then %q", printed, p2)
	}
}
