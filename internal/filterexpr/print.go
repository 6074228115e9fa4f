package filterexpr

import (
	"strconv"
	"strings"
)

// The canonical form: lower-case keywords, upper-case AND, OR and
// operators, "!" for negation, explicit AND between operands, one space
// around binary operators and inside braces, parentheses only where
// precedence needs them, numbers in plain decimal, strings with only \"
// and \\ escaped. Parse(e.String()) is equal to e for every e Parse
// returns.

func (e *And) String() string           { return printed(e) }
func (e *Or) String() string            { return printed(e) }
func (e *Not) String() string           { return printed(e) }
func (e *Compare) String() string       { return printed(e) }
func (e *Bare) String() string          { return printed(e) }
func (e *Service) String() string       { return printed(e) }
func (e *Edge) String() string          { return printed(e) }
func (e *Group) String() string         { return printed(e) }
func (e *RootCause) String() string     { return printed(e) }
func (e *RootCauseJSON) String() string { return printed(e) }

func printed(e Expr) string {
	var b strings.Builder
	printExpr(&b, e)
	return b.String()
}

func printExpr(b *strings.Builder, e Expr) {
	switch e := e.(type) {
	case *And:
		for i, t := range e.Terms {
			if i > 0 {
				b.WriteString(" AND ")
			}
			_, isAnd := t.(*And)
			_, isOr := t.(*Or)
			printOperand(b, t, isAnd || isOr)
		}
	case *Or:
		for i, t := range e.Terms {
			if i > 0 {
				b.WriteString(" OR ")
			}
			_, isOr := t.(*Or)
			printOperand(b, t, isOr)
		}
	case *Not:
		b.WriteByte('!')
		_, isAnd := e.X.(*And)
		_, isOr := e.X.(*Or)
		printOperand(b, e.X, isAnd || isOr)
	case *Compare:
		printField(b, e.Field)
		b.WriteByte(' ')
		b.WriteString(e.Op.String())
		b.WriteByte(' ')
		printValue(b, e.Value)
	case *Bare:
		printField(b, e.Field)
	case *Service:
		b.WriteString("service(")
		if e.Node != nil {
			printNode(b, *e.Node)
		}
		b.WriteByte(')')
		printBlock(b, e.Block)
	case *Edge:
		b.WriteString("edge(")
		printNode(b, e.From)
		b.WriteString(", ")
		printNode(b, e.To)
		b.WriteByte(')')
		printBlock(b, e.Block)
	case *Group:
		if e.ByARN {
			b.WriteString("group.arn = ")
		} else {
			b.WriteString("group.name = ")
		}
		writeQuoted(b, e.Value)
	case *RootCause:
		b.WriteString("rootcause.")
		b.WriteString(e.Kind.String())
		b.WriteByte('.')
		b.WriteString(e.Level.String())
		printBlock(b, e.Block)
	case *RootCauseJSON:
		b.WriteString("rootcause.json = #")
		b.WriteString(encodePatterns(e.Patterns))
	case nil:
		b.WriteString("<nil>")
	}
}

func printOperand(b *strings.Builder, e Expr, parens bool) {
	if parens {
		b.WriteByte('(')
	}
	printExpr(b, e)
	if parens {
		b.WriteByte(')')
	}
}

func printBlock(b *strings.Builder, e Expr) {
	if e == nil {
		return
	}
	b.WriteString(" { ")
	printExpr(b, e)
	b.WriteString(" }")
}

// String prints the field as an expression would spell it: the keyword,
// annotation.KEY, or annotation["KEY"] for keys with other characters.
func (f Field) String() string {
	var b strings.Builder
	printField(&b, f)
	return b.String()
}

func printField(b *strings.Builder, f Field) {
	if f.Keyword != KwAnnotation {
		b.WriteString(f.Keyword.String())
		return
	}
	if isDottedIdent(f.Annotation) {
		b.WriteString("annotation.")
		b.WriteString(f.Annotation)
		return
	}
	b.WriteString("annotation[")
	writeQuoted(b, f.Annotation)
	b.WriteByte(']')
}

// String prints the value as a literal.
func (v Value) String() string {
	var b strings.Builder
	printValue(&b, v)
	return b.String()
}

func printValue(b *strings.Builder, v Value) {
	switch v.Type {
	case TypeString:
		writeQuoted(b, v.Str)
	case TypeNumber:
		b.WriteString(strconv.FormatFloat(v.Num, 'f', -1, 64))
	case TypeBool:
		b.WriteString(strconv.FormatBool(v.Bool))
	default:
		b.WriteString("<invalid>")
	}
}

// String prints the reference as service() takes it: a quoted name when
// only the name is set, else id(…).
func (n NodeRef) String() string {
	var b strings.Builder
	printNode(&b, n)
	return b.String()
}

func printNode(b *strings.Builder, n NodeRef) {
	if n.Name != nil && n.Type == nil && n.AccountID == nil {
		writeQuoted(b, *n.Name)
		return
	}
	b.WriteString("id(")
	sep := ""
	for _, a := range []struct {
		label string
		v     *string
	}{{"name: ", n.Name}, {"type: ", n.Type}, {"account.id: ", n.AccountID}} {
		if a.v == nil {
			continue
		}
		b.WriteString(sep)
		b.WriteString(a.label)
		writeQuoted(b, *a.v)
		sep = ", "
	}
	b.WriteByte(')')
}

func writeQuoted(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
}
