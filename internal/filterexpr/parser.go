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

// parseWord parses a primary that starts with a word: a keyword test or
// comparison, or one of the complex keywords.
func (p *parser) parseWord() (Expr, *Error) {
	w := p.text(p.tok)
	lw := strings.ToLower(w)
	switch {
	case lw == "service":
		return p.parseService()
	case lw == "edge":
		return p.parseEdge()
	case lw == "group.name" || lw == "group.arn":
		return p.parseGroup(lw == "group.arn")
	case lw == "rootcause.json":
		return p.parseJSON()
	case lw == "rootcause" || strings.HasPrefix(lw, "rootcause."):
		return p.parseRootCause()
	case lw == "annotation" || strings.HasPrefix(lw, "annotation."):
		return p.parseAnnotation()
	case lw == "id":
		return nil, errorAt(p.src, p.tok.pos, "id() selects a node only as an argument of service() or edge()")
	case lw == "and" || lw == "or":
		return nil, errorAt(p.src, p.tok.pos, "unexpected %s: it needs a condition on each side", strings.ToUpper(lw))
	case lw == "true" || lw == "false":
		return nil, errorAt(p.src, p.tok.pos, `unexpected %s: a value needs a keyword to compare with, as in "ok = %s"`, w, lw)
	case opWords[lw] != 0:
		return nil, errorAt(p.src, p.tok.pos, "unexpected %s: it needs a keyword on its left", strings.ToUpper(lw))
	}
	kw, ok := keywordByName[lw]
	if !ok {
		if s := suggest(lw); s != "" {
			return nil, errorAt(p.src, p.tok.pos, "unknown keyword %s (did you mean %s?)", quote(w), s)
		}
		return nil, errorAt(p.src, p.tok.pos, "unknown keyword %s", quote(w))
	}
	ftok := p.tok
	if err := p.checkScope(kw, w, ftok); err != nil {
		return nil, err
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	return p.parseFieldTail(Field{Keyword: kw}, ftok)
}

var opWords = map[string]Op{"contains": OpContains, "beginswith": OpBeginsWith, "endswith": OpEndsWith}

// checkScope rejects a keyword used where it means nothing, such as
// coverage outside a response-time root-cause entity block.
func (p *parser) checkScope(kw Keyword, spelled string, at token) *Error {
	if kw.allowedIn(p.scope) {
		return nil
	}
	where := "at the top level"
	if p.scope != scopeTrace {
		where = "inside " + p.scopeDesc
	}
	if kw == KwAnnotation {
		return errorAt(p.src, at.pos, "%s is not allowed %s: annotations apply to the whole trace, so use them at the top level", spelled, where)
	}
	return errorAt(p.src, at.pos, "%s is not allowed %s; use it %s", kw, where, kw.allowedList())
}

// structural rejects service(), edge(), group and root-cause keywords
// inside blocks: they describe the whole trace and do not nest.
func (p *parser) structural(name string) *Error {
	if p.scope == scopeTrace {
		return nil
	}
	return errorAt(p.src, p.tok.pos, "%s is allowed only at the top level, not inside %s", name, p.scopeDesc)
}

func (p *parser) parseAnnotation() (Expr, *Error) {
	ftok := p.tok
	w := p.text(ftok)
	if err := p.checkScope(KwAnnotation, w, ftok); err != nil {
		return nil, err
	}
	if len(w) > len("annotation") {
		key := w[len("annotation."):]
		if !isDottedIdent(key) {
			if key == "" {
				return nil, errorAt(p.src, ftok.pos, "%s needs a key, as in annotation.KEY", quote(w))
			}
			return nil, errorAt(p.src, ftok.pos, "invalid annotation key %s: use annotation[\"…\"] for keys with other characters", quote(key))
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		return p.parseFieldTail(Field{Keyword: KwAnnotation, Annotation: key}, ftok)
	}
	// annotation[KEY] or annotation["KEY"].
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind != tLBracket {
		return nil, errorAt(p.src, ftok.pos, `annotation needs a key, as in annotation.KEY or annotation["KEY"]`)
	}
	open := p.tok
	if err := p.advance(); err != nil {
		return nil, err
	}
	var key string
	switch p.tok.kind {
	case tString:
		key = p.tok.str
	case tWord, tNumber:
		key = p.text(p.tok)
	default:
		return nil, p.expected("an annotation key")
	}
	if key == "" {
		return nil, errorAt(p.src, p.tok.pos, "annotation key is empty")
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind != tRBracket {
		return nil, p.unclosed(open, `"]"`)
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	return p.parseFieldTail(Field{Keyword: KwAnnotation, Annotation: key}, ftok)
}

// isDottedIdent reports whether s is one or more runs of letters, digits
// and underscores joined by single dots: an annotation key the
// annotation.KEY form can carry.
func isDottedIdent(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isWordByte(s[i]) {
			return false
		}
	}
	return true
}

// parseFieldTail parses what follows a field: an operator and a literal,
// or nothing (a bare test). ftok is the field's first token.
func (p *parser) parseFieldTail(f Field, ftok token) (Expr, *Error) {
	var op Op
	switch {
	case p.tok.kind == tOp:
		op = p.tok.op
	case p.tok.kind == tWord:
		op = opWords[strings.ToLower(p.text(p.tok))]
	}
	fieldText := p.src[ftok.pos:p.prev.end]
	kt := f.Keyword.Type()
	if op == 0 {
		if kt == TypeNumber {
			return nil, errorAt(p.src, ftok.pos, `%s is a number: compare it with a value, as in "%s > 1"`, f.Keyword, f.Keyword)
		}
		return &Bare{Field: f}, nil
	}
	opTok := p.tok
	if kt != 0 && !op.appliesTo(kt) {
		return nil, errorAt(p.src, opTok.pos, "operator %s does not apply to %s keyword %s (use %s)", op, kt, f.Keyword, opsFor(kt))
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	var v Value
	switch {
	case p.tok.kind == tString:
		v = Value{Type: TypeString, Str: p.tok.str}
	case p.tok.kind == tNumber:
		v = Value{Type: TypeNumber, Num: p.tok.num}
	case p.isWord("true") || p.isWord("false"):
		v = Value{Type: TypeBool, Bool: p.isWord("true")}
	default:
		want := "a value"
		switch kt {
		case TypeString:
			want = "a quoted string"
		case TypeNumber:
			want = "a number"
		case TypeBool:
			want = "true or false"
		}
		if p.tok.kind == tWord && (kt == TypeString || kt == 0) {
			return nil, errorAt(p.src, p.tok.pos, "expected %s after %s, found %s (string values are always double-quoted: \"%s\")",
				want, quote(fieldText+" "+p.text(opTok)), p.describe(p.tok), p.text(p.tok))
		}
		return nil, p.expected(want)
	}
	if kt != 0 && v.Type != kt {
		return nil, errorAt(p.src, p.tok.pos, "%s keyword %s cannot be compared with %s %s", kt, f.Keyword, v.Type, p.describe(p.tok))
	}
	if kt == 0 && !op.appliesTo(v.Type) {
		return nil, errorAt(p.src, opTok.pos, "operator %s does not apply to %s %s (use %s)", op, v.Type, p.describe(p.tok), opsFor(v.Type))
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	return &Compare{Field: f, Op: op, Value: v}, nil
}

// opsFor lists the operators for values of type t, for messages.
func opsFor(t ValueType) string {
	var out []string
	for o := OpEq; o <= OpEndsWith; o++ {
		if o.appliesTo(t) {
			out = append(out, o.String())
		}
	}
	return strings.Join(out, " ")
}

// parseBlock parses "{ expr }" evaluated in scope sc; desc names the block
// in messages.
func (p *parser) parseBlock(sc scope, desc string) (Expr, *Error) {
	open := p.tok
	if err := p.nest(); err != nil {
		return nil, err
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tRBrace {
		return nil, errorAt(p.src, p.tok.pos, "empty { } block: write a condition inside it")
	}
	savedScope, savedDesc := p.scope, p.scopeDesc
	p.scope, p.scopeDesc = sc, desc
	x, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	p.scope, p.scopeDesc = savedScope, savedDesc
	if p.tok.kind != tRBrace {
		return nil, p.unclosed(open, `"}"`)
	}
	p.depth--
	return x, p.advance()
}

// expectOpen consumes the "(" after a function keyword.
func (p *parser) expectOpen(name string) (token, *Error) {
	if p.tok.kind != tLParen {
		return token{}, p.expected(`"(" after ` + name)
	}
	open := p.tok
	return open, p.advance()
}

func (p *parser) parseService() (Expr, *Error) {
	if err := p.structural("service()"); err != nil {
		return nil, err
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	open, err := p.expectOpen("service")
	if err != nil {
		return nil, err
	}
	s := &Service{}
	if p.tok.kind != tRParen {
		n, err := p.parseNodeRef()
		if err != nil {
			return nil, err
		}
		s.Node = &n
	}
	if p.tok.kind != tRParen {
		return nil, p.unclosed(open, `")"`)
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tLBrace {
		if s.Block, err = p.parseBlock(scopeService, "service() { }"); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (p *parser) parseEdge() (Expr, *Error) {
	if err := p.structural("edge()"); err != nil {
		return nil, err
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	open, err := p.expectOpen("edge")
	if err != nil {
		return nil, err
	}
	if p.tok.kind == tRParen {
		return nil, errorAt(p.src, p.tok.pos, `edge() needs two nodes, as in edge("from", "to")`)
	}
	e := &Edge{}
	if e.From, err = p.parseNodeRef(); err != nil {
		return nil, err
	}
	if p.tok.kind != tComma {
		if p.tok.kind == tRParen {
			return nil, errorAt(p.src, p.tok.pos, `edge() needs two nodes, as in edge("from", "to")`)
		}
		return nil, p.expected(`","`)
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if e.To, err = p.parseNodeRef(); err != nil {
		return nil, err
	}
	if p.tok.kind != tRParen {
		return nil, p.unclosed(open, `")"`)
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tLBrace {
		if e.Block, err = p.parseBlock(scopeEdge, "edge() { }"); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// parseNodeRef: STRING | id(name: STRING, type: STRING, account.id: STRING).
func (p *parser) parseNodeRef() (NodeRef, *Error) {
	switch {
	case p.tok.kind == tString:
		if p.tok.str == "" {
			return NodeRef{}, errorAt(p.src, p.tok.pos, "service name is empty")
		}
		name := p.tok.str
		return NodeRef{Name: &name}, p.advance()
	case p.isWord("id"):
		return p.parseID()
	case p.tok.kind == tWord:
		return NodeRef{}, errorAt(p.src, p.tok.pos, "expected a quoted service name or id(…), found %s (names are always double-quoted: \"%s\")",
			p.describe(p.tok), p.text(p.tok))
	}
	return NodeRef{}, p.expected("a quoted service name or id(…)")
}

func (p *parser) parseID() (NodeRef, *Error) {
	if err := p.advance(); err != nil {
		return NodeRef{}, err
	}
	open, err := p.expectOpen("id")
	if err != nil {
		return NodeRef{}, err
	}
	if p.tok.kind == tRParen {
		return NodeRef{}, errorAt(p.src, p.tok.pos, "id() needs at least one of name:, type:, account.id:")
	}
	var n NodeRef
	for {
		var slot **string
		switch {
		case p.isWord("name"):
			slot = &n.Name
		case p.isWord("type"):
			slot = &n.Type
		case p.isWord("account.id"):
			slot = &n.AccountID
		default:
			return NodeRef{}, p.expected("name:, type: or account.id:")
		}
		argTok := p.tok
		if *slot != nil {
			return NodeRef{}, errorAt(p.src, argTok.pos, "%s: appears twice in id()", strings.ToLower(p.text(argTok)))
		}
		if err := p.advance(); err != nil {
			return NodeRef{}, err
		}
		if p.tok.kind != tColon {
			return NodeRef{}, p.expected(`":"`)
		}
		if err := p.advance(); err != nil {
			return NodeRef{}, err
		}
		if p.tok.kind != tString {
			return NodeRef{}, p.expected("a quoted string")
		}
		if p.tok.str == "" {
			return NodeRef{}, errorAt(p.src, p.tok.pos, "%s: is empty in id()", strings.ToLower(p.text(argTok)))
		}
		v := p.tok.str
		*slot = &v
		if err := p.advance(); err != nil {
			return NodeRef{}, err
		}
		if p.tok.kind == tComma {
			if err := p.advance(); err != nil {
				return NodeRef{}, err
			}
			continue
		}
		if p.tok.kind != tRParen {
			return NodeRef{}, p.unclosed(open, `")"`)
		}
		return n, p.advance()
	}
}

func (p *parser) parseGroup(byARN bool) (Expr, *Error) {
	name := strings.ToLower(p.text(p.tok))
	if err := p.structural(name); err != nil {
		return nil, err
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind != tOp || p.tok.op != OpEq {
		return nil, p.expected(`"=" (` + name + ` = "…" is the only form)`)
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind != tString {
		return nil, p.expected("a quoted group " + strings.TrimPrefix(name, "group."))
	}
	if p.tok.str == "" {
		return nil, errorAt(p.src, p.tok.pos, "%s is empty", name)
	}
	g := &Group{ByARN: byARN, Value: p.tok.str}
	return g, p.advance()
}

func (p *parser) parseRootCause() (Expr, *Error) {
	w := p.text(p.tok)
	lw := strings.ToLower(w)
	if err := p.structural(lw); err != nil {
		return nil, err
	}
	parts := strings.Split(lw, ".")
	if len(parts) > 3 {
		return nil, errorAt(p.src, p.tok.pos, "unknown keyword %s", quote(w))
	}
	rc := &RootCause{}
	if len(parts) > 1 {
		switch parts[1] {
		case "fault":
			rc.Kind = RootCauseFault
		case "error":
			rc.Kind = RootCauseError
		case "responsetime":
			rc.Kind = RootCauseResponseTime
		default:
			return nil, errorAt(p.src, p.tok.pos, "unknown root-cause kind %s in %s: want fault, error or responsetime", quote(parts[1]), quote(w))
		}
	}
	if len(parts) < 3 {
		return nil, errorAt(p.src, p.tok.pos, "incomplete keyword %s: want rootcause.fault|error|responsetime.service|entity|exception { … } or rootcause.json = #[…]", quote(w))
	}
	switch parts[2] {
	case "service":
		rc.Level = LevelService
	case "entity":
		rc.Level = LevelEntity
	case "exception":
		if rc.Kind == RootCauseResponseTime {
			return nil, errorAt(p.src, p.tok.pos, "rootcause.responsetime has no exception level: response-time root causes carry no exceptions")
		}
		rc.Level = LevelException
	default:
		return nil, errorAt(p.src, p.tok.pos, "unknown root-cause level %s in %s: want service, entity or exception", quote(parts[2]), quote(w))
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind != tLBrace {
		return nil, p.expected(`"{": ` + lw + " needs a { … } block")
	}
	sc := scopeRCService
	switch {
	case rc.Level == LevelException:
		sc = scopeRCException
	case rc.Level == LevelEntity && rc.Kind == RootCauseResponseTime:
		sc = scopeRTEntity
	case rc.Level == LevelEntity:
		sc = scopeRCEntity
	}
	var err *Error
	if rc.Block, err = p.parseBlock(sc, lw+" { }"); err != nil {
		return nil, err
	}
	return rc, nil
}

func (p *parser) parseJSON() (Expr, *Error) {
	if err := p.structural("rootcause.json"); err != nil {
		return nil, err
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind != tOp || p.tok.op != OpEq {
		return nil, p.expected(`"=" (rootcause.json = #[…] is the only form)`)
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind != tJSON {
		return nil, p.expected(`a JSON array written #[…]`)
	}
	ps, off, err := decodePatterns(p.tok.json)
	if err != nil {
		return nil, errorAt(p.src, p.tok.pos+1+off, "invalid rootcause.json pattern: %v", err)
	}
	return &RootCauseJSON{Patterns: ps}, p.advance()
}
