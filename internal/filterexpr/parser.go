package filterexpr

import (
	"strings"
	"unicode/utf8"
)

// maxDepth bounds nesting (parentheses, negations, blocks) so that a
// hostile expression cannot exhaust the stack of the parser, the printer
// or an evaluator. Real expressions nest a handful of levels.
const maxDepth = 100

// Parse parses and checks a filter expression. Every problem, lexical,
// grammatical or semantic (a keyword outside the blocks where it means
// something, an operator or literal of the wrong type), is an *Error
// naming the problem and its column. An empty or blank expression is an
// error too: callers treat an absent filter as "match everything" before
// calling Parse.
func Parse(s string) (Expr, error) {
	if !utf8.ValidString(s) {
		off := 0
		for off < len(s) {
			r, n := utf8.DecodeRuneInString(s[off:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			off += n
		}
		return nil, errorAt(s, off, "invalid UTF-8")
	}
	p := &parser{src: s, lx: lexer{src: s}, scope: scopeTrace, ctx: -1, last: -1}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tEOF {
		return nil, errorAt(s, len(s), "empty filter expression")
	}
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.errTrailing()
	}
	return e, nil
}

type parser struct {
	src   string
	lx    lexer
	tok   token // the current token
	prev  token // the last consumed token
	depth int

	scope     scope  // where the tokens being parsed are
	scopeDesc string // the block being parsed, for messages ("service() { }")

	// ctx is where the innermost primary being parsed starts and last
	// where the last complete operand of AND/OR started (-1: none). Error
	// messages quote the source from there: `after "responsetime >"`.
	ctx, last int
}

func (p *parser) advance() *Error {
	tok, err := p.lx.next()
	if err != nil {
		return err
	}
	p.prev, p.tok = p.tok, tok
	return nil
}

func (p *parser) text(t token) string { return p.src[t.pos:t.end] }

func (p *parser) isWord(lower string) bool {
	return p.tok.kind == tWord && strings.EqualFold(p.text(p.tok), lower)
}

// context is the source text an error message repeats: the construct being
// parsed up to the last token read.
func (p *parser) context() string {
	start := p.ctx
	if start < 0 {
		start = p.last
	}
	if start < 0 || start > p.prev.pos {
		start = p.prev.pos
	}
	return p.src[start:p.prev.end]
}

// describe names a token in a message.
func (p *parser) describe(t token) string {
	switch t.kind {
	case tEOF:
		return "the end of the expression"
	case tJSON:
		return "#[…]"
	case tWord, tNumber, tString:
		s := p.text(t)
		if utf8.RuneCountInString(s) > maxQuoted {
			s = string([]rune(s)[:maxQuoted]) + "…"
		}
		return s
	}
	return quote(p.text(t))
}

// expected reports that the current token is not what the grammar needs
// here; what names the need ("a number", `")"`).
func (p *parser) expected(what string) *Error {
	if p.tok.kind == tEOF {
		return errorAt(p.src, len(p.src), "unexpected end of expression after %s: expected %s", quote(p.context()), what)
	}
	return errorAt(p.src, p.tok.pos, "expected %s after %s, found %s", what, quote(p.context()), p.describe(p.tok))
}

// errTrailing reports a token left over after a complete expression.
func (p *parser) errTrailing() *Error {
	switch p.tok.kind {
	case tRParen:
		return errorAt(p.src, p.tok.pos, `unexpected ")" with no matching "("`)
	case tRBrace:
		return errorAt(p.src, p.tok.pos, `unexpected "}" with no matching "{"`)
	}
	return errorAt(p.src, p.tok.pos, "unexpected %s after %s", p.describe(p.tok), quote(p.context()))
}

func (p *parser) nest() *Error {
	p.depth++
	if p.depth > maxDepth {
		return errorAt(p.src, p.tok.pos, "expression nests more than %d levels deep", maxDepth)
	}
	return nil
}

// parseOr: and_expr { OR and_expr }.
func (p *parser) parseOr() (Expr, *Error) {
	var terms []Expr
	for {
		x, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		if o, ok := x.(*Or); ok {
			terms = append(terms, o.Terms...) // from parentheses
		} else {
			terms = append(terms, x)
		}
		if !p.isWord("or") {
			break
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	if len(terms) == 1 {
		return terms[0], nil
	}
	return &Or{Terms: terms}, nil
}

// parseAnd: unary { [AND] unary }. Juxtaposed operands are ANDed, as in
// AWS's own example "ok !partial duration <3".
func (p *parser) parseAnd() (Expr, *Error) {
	var terms []Expr
	for {
		start := p.tok.pos
		x, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		p.last = start
		if a, ok := x.(*And); ok {
			terms = append(terms, a.Terms...) // from parentheses
		} else {
			terms = append(terms, x)
		}
		if p.isWord("and") {
			if err := p.advance(); err != nil {
				return nil, err
			}
			continue
		}
		if !p.startsOperand() {
			break
		}
	}
	if len(terms) == 1 {
		return terms[0], nil
	}
	return &And{Terms: terms}, nil
}

// startsOperand reports whether the current token can begin an operand,
// which after a complete operand means an implicit AND.
func (p *parser) startsOperand() bool {
	switch p.tok.kind {
	case tBang, tLParen:
		return true
	case tWord:
		return !p.isWord("or") && !p.isWord("and")
	}
	return false
}

// parseUnary: ( "!" | NOT ) unary | primary.
func (p *parser) parseUnary() (Expr, *Error) {
	if p.tok.kind == tBang || p.isWord("not") {
		if err := p.nest(); err != nil {
			return nil, err
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		x, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		p.depth--
		return &Not{X: x}, nil
	}
	return p.parsePrimary()
}

func (p *parser) parsePrimary() (Expr, *Error) {
	switch p.tok.kind {
	case tLParen, tWord:
	case tEOF:
		return nil, errorAt(p.src, len(p.src), "unexpected end of expression after %s", quote(p.context()))
	case tRParen:
		if p.prev.kind == tLParen {
			return nil, errorAt(p.src, p.tok.pos, "empty parentheses")
		}
		return nil, errorAt(p.src, p.tok.pos, `unexpected ")" after %s: expected a condition`, quote(p.context()))
	default:
		return nil, errorAt(p.src, p.tok.pos, "unexpected %s: expected a keyword, service(), edge() or \"(\"", p.describe(p.tok))
	}
	saved := p.ctx
	p.ctx = p.tok.pos
	defer func() { p.ctx = saved }()
	if p.tok.kind == tLParen {
		return p.parseParen()
	}
	return p.parseWord()
}

func (p *parser) parseParen() (Expr, *Error) {
	open := p.tok
	if err := p.nest(); err != nil {
		return nil, err
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	x, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tRParen {
		return nil, p.unclosed(open, `")"`)
	}
	p.depth--
	return x, p.advance()
}

// unclosed reports a missing closing bracket for open: at the opening
// bracket when the expression ends first (that is where the fix goes),
// else at the token found instead.
func (p *parser) unclosed(open token, closer string) *Error {
	if p.tok.kind == tEOF {
		return errorAt(p.src, open.pos, "%s is never closed: the expression ends first", quote(p.text(open)))
	}
	return p.expected(closer)
}
