package filterexpr

import "strings"

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
