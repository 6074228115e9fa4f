package filterexpr

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func str(s string) *string { return &s }

func kw(k Keyword) Field { return Field{Keyword: k} }

func num(n float64) Value { return Value{Type: TypeNumber, Num: n} }

func text(s string) Value { return Value{Type: TypeString, Str: s} }

func boolean(b bool) Value { return Value{Type: TypeBool, Bool: b} }

// TestTrees pins the trees an evaluator receives: the corpus checks the
// language through printing, this checks the shape behind the printing.
func TestTrees(t *testing.T) {
	f := func(input string, want Expr) {
		t.Helper()
		got, err := Parse(input)
		if err != nil {
			t.Fatalf("Parse(%q): %v", input, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Parse(%q):\n got %#v\nwant %#v", input, got, want)
		}
	}
	f("responseTime > 5", &Compare{Field: kw(KwResponseTime), Op: OpGt, Value: num(5)})
	f("ok !partial duration <3", &And{Terms: []Expr{
		&Bare{Field: kw(KwOK)},
		&Not{X: &Bare{Field: kw(KwPartial)}},
		&Compare{Field: kw(KwDuration), Op: OpLt, Value: num(3)},
	}})
	f(`(fault OR error)`, &Or{Terms: []Expr{&Bare{Field: kw(KwFault)}, &Bare{Field: kw(KwError)}}})
	f(`user CONTAINS ""`, &Compare{Field: kw(KwUser), Op: OpContains, Value: text("")})
	f(`annotation.gameid = "817DL6VO"`, &Compare{Field: Field{Keyword: KwAnnotation, Annotation: "gameid"}, Op: OpEq, Value: text("817DL6VO")})
	f(`annotation["a b"] != true`, &Compare{Field: Field{Keyword: KwAnnotation, Annotation: "a b"}, Op: OpNe, Value: boolean(true)})
	f(`!annotation.age`, &Not{X: &Bare{Field: Field{Keyword: KwAnnotation, Annotation: "age"}}})
	f(`service() { fault }`, &Service{Block: &Bare{Field: kw(KwFault)}})
	f(`service("a")`, &Service{Node: &NodeRef{Name: str("a")}})
	f(`service(id(type: "AWS::Lambda::Function", name: "fn")) { error }`, &Service{
		Node:  &NodeRef{Name: str("fn"), Type: str("AWS::Lambda::Function")},
		Block: &Bare{Field: kw(KwError)},
	})
	f(`edge("a", id(account.id: "1")) { responsetime > 1 }`, &Edge{
		From:  NodeRef{Name: str("a")},
		To:    NodeRef{AccountID: str("1")},
		Block: &Compare{Field: kw(KwResponseTime), Op: OpGt, Value: num(1)},
	})
	f(`group.arn = "arn:x"`, &Group{ByARN: true, Value: "arn:x"})
	f(`rootcause.responsetime.entity { last and coverage > 0.8 }`, &RootCause{
		Kind: RootCauseResponseTime, Level: LevelEntity,
		Block: &And{Terms: []Expr{&Bare{Field: kw(KwLast)}, &Compare{Field: kw(KwCoverage), Op: OpGt, Value: num(0.8)}}},
	})
	f(`rootcause.json = #[{"Services":[{"Name":"a","EntityPath":[{"Name":"e","Coverage":0.5}]}],"ClientImpacting":true}]`,
		&RootCauseJSON{Patterns: []RootCausePattern{{
			Services: []ServicePattern{{
				Name:       str("a"),
				EntityPath: []EntityPattern{{Name: str("e"), Coverage: func() *float64 { v := 0.5; return &v }()}},
			}},
			ClientImpacting: func() *bool { v := true; return &v }(),
		}}})
}

func TestErrorValue(t *testing.T) {
	_, err := Parse("responsetime >")
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %T is not *Error", err)
	}
	want := `unexpected end of expression after "responsetime >": expected a number at column 15`
	if err.Error() != want {
		t.Fatalf("Error() = %q, want %q", err.Error(), want)
	}
	if pe.Pos != 15 || !strings.HasPrefix(pe.Msg, "unexpected end of expression") {
		t.Fatalf("got %+v", pe)
	}
}

// TestColumns checks that columns count characters from the start of the
// expression, across multi-byte characters and line breaks.
func TestColumns(t *testing.T) {
	f := func(input string, wantPos int, wantMsg string) {
		t.Helper()
		_, err := Parse(input)
		var pe *Error
		if !errors.As(err, &pe) {
			t.Fatalf("Parse(%q) = %v, want an *Error", input, err)
		}
		if pe.Pos != wantPos || !strings.Contains(pe.Msg, wantMsg) {
			t.Fatalf("Parse(%q): got %v, want %q at column %d", input, err, wantMsg, wantPos)
		}
	}
	f(`user = "日本語" AND http.url > 3`, 27, "operator >")
	f("ok AND\n  responsetime >\n", 25, "unexpected end of expression")
	f("service(\"a\") {\n\tuser\n}", 17, "user is not allowed inside service()")
	f("user = \"ok\xffbad\"", 11, "invalid UTF-8")
	f("\xff", 1, "invalid UTF-8")
	f("ok AND \x00", 8, `unexpected character '\x00'`)
}

func TestMultiLine(t *testing.T) {
	e, err := Parse("service(\"a\")\n{\n\tfault\n}\nAND user = \"two\nlines\"")
	if err != nil {
		t.Fatal(err)
	}
	want := "service(\"a\") { fault } AND user = \"two\nlines\""
	if got := e.String(); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// TestKeywordTable checks that every keyword prints as a spelling Parse
// accepts and resolves back to it, in a block where it is allowed.
func TestKeywordTable(t *testing.T) {
	contexts := []struct {
		s    scope
		wrap func(string) string
	}{
		{scopeTrace, func(x string) string { return x }},
		{scopeService, func(x string) string { return "service() { " + x + " }" }},
		{scopeEdge, func(x string) string { return `edge("a", "b") { ` + x + " }" }},
		{scopeRCService, func(x string) string { return "rootcause.fault.service { " + x + " }" }},
		{scopeRCEntity, func(x string) string { return "rootcause.error.entity { " + x + " }" }},
		{scopeRTEntity, func(x string) string { return "rootcause.responsetime.entity { " + x + " }" }},
		{scopeRCException, func(x string) string { return "rootcause.fault.exception { " + x + " }" }},
	}
	literal := map[ValueType]string{TypeBool: "true", TypeNumber: "1", TypeString: `"x"`}
	for k := KwOK; k < kwCount; k++ {
		if k == KwAnnotation {
			continue
		}
		if k.String() == "" || k.Type() == 0 || keywords[k].scopes == 0 {
			t.Fatalf("keyword %d is incomplete in the table: %+v", k, keywords[k])
		}
		var allowed int
		for _, c := range contexts {
			input := c.wrap(k.String() + " = " + literal[k.Type()])
			_, err := Parse(input)
			if k.allowedIn(c.s) != (err == nil) {
				t.Errorf("Parse(%q) = %v; allowed is %v", input, err, k.allowedIn(c.s))
			}
			if err == nil {
				allowed++
			}
		}
		if allowed == 0 {
			t.Errorf("keyword %s is allowed nowhere", k)
		}
	}
}

func TestInspect(t *testing.T) {
	e, err := Parse(`ok AND (service("a") { fault OR !error } OR group.name = "g") AND rootcause.fault.service { last }`)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	Inspect(e, func(x Expr) bool {
		seen = append(seen, reflect.TypeOf(x).Elem().Name())
		_, isRootCause := x.(*RootCause)
		return !isRootCause // do not descend into root-cause blocks
	})
	want := "And Bare Or Service Or Bare Not Bare Group RootCause"
	if got := strings.Join(seen, " "); got != want {
		t.Fatalf("visited %s, want %s", got, want)
	}
}

func TestResolveGroups(t *testing.T) {
	groups := map[string]string{
		"slow":   "responsetime > 3",
		"either": "fault OR error",
		"nested": `group.name = "slow" AND user = "alice"`,
		"loop":   `group.name = "loop2"`,
		"loop2":  `group.name = "loop"`,
	}
	errUnknown := errors.New("no such group")
	lookup := func(g *Group) (Expr, error) {
		src, ok := groups[g.Value]
		if !ok || g.ByARN {
			return nil, errUnknown
		}
		return Parse(src)
	}
	f := func(input, want string) {
		t.Helper()
		e, err := Parse(input)
		if err != nil {
			t.Fatal(err)
		}
		before := e.String()
		r, err := ResolveGroups(e, lookup)
		if err != nil {
			t.Fatalf("ResolveGroups(%q): %v", input, err)
		}
		if got := r.String(); got != want {
			t.Fatalf("ResolveGroups(%q) = %s, want %s", input, got, want)
		}
		if e.String() != before {
			t.Fatalf("ResolveGroups modified its input: %s became %s", before, e)
		}
		// The result has the parser's shape: printing and parsing it
		// gives the same tree.
		again, err := Parse(r.String())
		if err != nil || !reflect.DeepEqual(again, r) {
			t.Fatalf("resolved tree %s does not round-trip: %v", r, err)
		}
	}
	f(`ok`, `ok`)
	f(`group.name = "slow"`, `responsetime > 3`)
	f(`ok AND group.name = "slow" AND partial`, `ok AND responsetime > 3 AND partial`)
	f(`ok AND group.name = "either"`, `ok AND (fault OR error)`)
	f(`ok OR group.name = "either"`, `ok OR fault OR error`)
	f(`!group.name = "either"`, `!(fault OR error)`)
	f(`group.name = "nested" AND ok`, `responsetime > 3 AND user = "alice" AND ok`)

	e, _ := Parse(`ok AND group.arn = "arn:nope"`)
	if _, err := ResolveGroups(e, lookup); !errors.Is(err, errUnknown) || !strings.Contains(err.Error(), `cannot resolve group.arn = "arn:nope"`) {
		t.Fatalf("unknown group: got %v", err)
	}
	e, _ = Parse(`group.name = "loop"`)
	if _, err := ResolveGroups(e, lookup); err == nil || !strings.Contains(err.Error(), "refer to each other") {
		t.Fatalf("cycle: got %v", err)
	}
	e, _ = Parse(`ok AND service("a") { fault }`)
	if r, err := ResolveGroups(e, lookup); err != nil || r != e {
		t.Fatalf("an expression without groups should come back as is: %v, %v", r, err)
	}
}

func TestRequiredTermsStruct(t *testing.T) {
	e, err := Parse(`annotation.a = 1 AND annotation.b AND service("s") { fault AND throttle } AND edge("x", "y") AND user = "u" AND http.url CONTAINS "/v2" AND ok AND (partial OR inferred)`)
	if err != nil {
		t.Fatal(err)
	}
	one := num(1)
	u := text("u")
	yes := boolean(true)
	want := Terms{
		Annotations: []AnnotationTerm{{Key: "a", Value: &one}, {Key: "b"}},
		Services: []ServiceTerm{
			{Node: &NodeRef{Name: str("s")}, Fault: true, Throttle: true},
			{Node: &NodeRef{Name: str("x")}},
			{Node: &NodeRef{Name: str("y")}},
		},
		Keywords: []KeywordTerm{{Keyword: KwUser, Value: &u}, {Keyword: KwHTTPURL}, {Keyword: KwOK, Value: &yes}},
	}
	if got := RequiredTerms(e); !reflect.DeepEqual(got, want) {
		t.Fatalf("RequiredTerms:\n got %+v\nwant %+v", got, want)
	}
	if got := RequiredTerms(&Or{Terms: []Expr{&Bare{Field: kw(KwOK)}, &Bare{Field: kw(KwFault)}}}); got.Expr() != nil {
		t.Fatalf("an OR requires nothing, got %s", got)
	}
}
