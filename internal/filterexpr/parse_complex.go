package filterexpr

import "strings"

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
func (p *parser) expectOpen() (token, *Error) {
	if p.tok.kind != tLParen {
		return token{}, p.expected(`"("`)
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
	open, err := p.expectOpen()
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
	open, err := p.expectOpen()
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
	open, err := p.expectOpen()
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
