package filterexpr

import (
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokenKind uint8

const (
	tEOF      tokenKind = iota
	tWord               // keywords, AND/OR/NOT, true/false, operator words: letters, digits, _ and .
	tNumber             // -12.5
	tString             // "…" with \" and \\ escapes
	tJSON               // #[…]: the JSON array of rootcause.json
	tOp                 // = != < <= > >=
	tBang               // !
	tLParen             // (
	tRParen             // )
	tLBrace             // {
	tRBrace             // }
	tLBracket           // [
	tRBracket           // ]
	tComma              // ,
	tColon              // :
)

type token struct {
	kind     tokenKind
	pos, end int    // byte offsets of the token in the source
	op       Op     // tOp
	str      string // tString: the unescaped value
	num      float64
	json     []byte // tJSON: the array, without the #
}

// lexer splits an expression into tokens on demand, so that the parser
// reports the leftmost problem whether it is lexical or grammatical.
type lexer struct {
	src string
	off int
}

func isWordStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

func isWordByte(c byte) bool { return isWordStart(c) || c >= '0' && c <= '9' || c == '.' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (l *lexer) next() (token, *Error) {
	src := l.src
	for l.off < len(src) && (src[l.off] == ' ' || src[l.off] == '\t' || src[l.off] == '\n' || src[l.off] == '\r') {
		l.off++
	}
	start := l.off
	if start == len(src) {
		return token{kind: tEOF, pos: start, end: start}, nil
	}
	tok := func(k tokenKind, n int) (token, *Error) {
		l.off += n
		return token{kind: k, pos: start, end: l.off}, nil
	}
	op := func(o Op, n int) (token, *Error) {
		l.off += n
		return token{kind: tOp, op: o, pos: start, end: l.off}, nil
	}
	c := src[start]
	var c1 byte
	if start+1 < len(src) {
		c1 = src[start+1]
	}
	switch {
	case c == '(':
		return tok(tLParen, 1)
	case c == ')':
		return tok(tRParen, 1)
	case c == '{':
		return tok(tLBrace, 1)
	case c == '}':
		return tok(tRBrace, 1)
	case c == '[':
		return tok(tLBracket, 1)
	case c == ']':
		return tok(tRBracket, 1)
	case c == ',':
		return tok(tComma, 1)
	case c == ':':
		return tok(tColon, 1)
	case c == '=' && c1 == '=':
		return token{}, errorAt(src, start, `unexpected "==": compare with "="`)
	case c == '=':
		return op(OpEq, 1)
	case c == '!' && c1 == '=':
		return op(OpNe, 2)
	case c == '!':
		return tok(tBang, 1)
	case c == '<' && c1 == '=':
		return op(OpLe, 2)
	case c == '<':
		return op(OpLt, 1)
	case c == '>' && c1 == '=':
		return op(OpGe, 2)
	case c == '>':
		return op(OpGt, 1)
	case c == '"':
		return l.string()
	case c == '#' && c1 == '[':
		return l.json()
	case isDigit(c) || c == '-' && isDigit(c1):
		return l.number()
	case isWordStart(c):
		for l.off < len(src) && isWordByte(src[l.off]) {
			l.off++
		}
		return token{kind: tWord, pos: start, end: l.off}, nil
	}
	r, _ := utf8.DecodeRuneInString(src[start:])
	shown := quote(string(r))
	if !unicode.IsPrint(r) {
		shown = strconv.QuoteRune(r)
	}
	return token{}, errorAt(src, start, "unexpected character %s", shown)
}

// number scans [-]digits[.digits]. Exponents, hex and a leading "." or "+"
// are not part of the language (AWS documents none of them); the printer
// never needs them because it writes numbers in plain decimal.
func (l *lexer) number() (token, *Error) {
	src, start := l.src, l.off
	if src[l.off] == '-' {
		l.off++
	}
	for l.off < len(src) && isDigit(src[l.off]) {
		l.off++
	}
	if l.off+1 < len(src) && src[l.off] == '.' && isDigit(src[l.off+1]) {
		l.off++
		for l.off < len(src) && isDigit(src[l.off]) {
			l.off++
		}
	}
	if l.off < len(src) && isWordByte(src[l.off]) {
		for l.off < len(src) && isWordByte(src[l.off]) {
			l.off++
		}
		return token{}, errorAt(src, start, "malformed number %s", quote(src[start:l.off]))
	}
	text := src[start:l.off]
	n, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return token{}, errorAt(src, start, "number %s is out of range", quote(text))
	}
	return token{kind: tNumber, pos: start, end: l.off, num: n}, nil
}

// string scans a double-quoted string. \" and \\ are escapes; a backslash
// before anything else is kept as it is, so that text such as a Windows
// path or a regular expression needs no doubling.
func (l *lexer) string() (token, *Error) {
	src, start := l.src, l.off
	i := start + 1
	var b strings.Builder
	plain := i // start of the run not yet copied into b
	for i < len(src) {
		switch src[i] {
		case '"':
			var s string
			if b.Len() == 0 {
				s = src[plain:i]
			} else {
				b.WriteString(src[plain:i])
				s = b.String()
			}
			l.off = i + 1
			return token{kind: tString, pos: start, end: l.off, str: s}, nil
		case '\\':
			if i+1 < len(src) && (src[i+1] == '"' || src[i+1] == '\\') {
				b.WriteString(src[plain:i])
				b.WriteByte(src[i+1])
				i += 2
				plain = i
				continue
			}
		}
		i++
	}
	return token{}, errorAt(src, start, "unterminated string %s", quote(src[start:]))
}

// json scans #[…] by decoding one JSON value after the "#", which finds
// where the array ends however its strings and nesting look.
func (l *lexer) json() (token, *Error) {
	src, start := l.src, l.off
	body := src[start+1:]
	dec := json.NewDecoder(strings.NewReader(body))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		var syn *json.SyntaxError
		switch {
		case errors.As(err, &syn):
			off := start + 1 + max(int(syn.Offset)-1, 0)
			return token{}, errorAt(src, off, "invalid JSON in rootcause.json: %s", syn.Error())
		case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
			return token{}, errorAt(src, start, "the JSON array of rootcause.json is never closed: the expression ends first")
		}
		return token{}, errorAt(src, start, "invalid JSON in rootcause.json: %v", err)
	}
	l.off = start + 1 + int(dec.InputOffset())
	return token{kind: tJSON, pos: start, end: l.off, json: raw}, nil
}
