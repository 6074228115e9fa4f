package filterexpr

// Terms are conditions that every trace matching an expression satisfies,
// gathered from the expression's top-level conjunction only (a term under
// OR or NOT is not required, so it is left out). A store can use them to
// skip traces through an index before evaluating the whole expression; the
// expression remains the definition of a match, and an empty Terms means
// "no shortcut".
type Terms struct {
	// Annotations the trace must carry: annotation.k = v (Value set), or
	// annotation.k, or any other comparison on annotation.k (presence
	// only, since a missing annotation satisfies no comparison).
	Annotations []AnnotationTerm
	// Nodes the trace's service graph must contain: from service(…) and
	// both ends of edge(…), with the flags service(…) { fault } and the
	// like require of that node.
	Services []ServiceTerm
	// Trace-level keywords: keyword = value, a bare boolean keyword
	// (Value true), or presence (Value nil) from a bare string keyword or
	// CONTAINS, BEGINSWITH, ENDSWITH.
	Keywords []KeywordTerm
}

// AnnotationTerm: the trace carries annotation Key, equal to *Value when
// Value is set (with several values, one equal value is enough).
type AnnotationTerm struct {
	Key   string
	Value *Value
}

// ServiceTerm: the trace has a node Node selects (any node when Node is
// nil) that had a fault, an error or a throttle when those flags are set.
type ServiceTerm struct {
	Node                   *NodeRef
	Fault, Error, Throttle bool
}

// KeywordTerm: the trace-level keyword equals *Value, or is set when Value
// is nil.
type KeywordTerm struct {
	Keyword Keyword
	Value   *Value
}

// RequiredTerms returns the terms every match of e satisfies. Call it on
// an expression whose group references are resolved (ResolveGroups) to
// include the groups' terms; unresolved references contribute nothing.
func RequiredTerms(e Expr) Terms {
	var t Terms
	t.add(e)
	return t
}

func (t *Terms) add(e Expr) {
	switch e := e.(type) {
	case *And:
		for _, x := range e.Terms {
			t.add(x)
		}
	case *Compare:
		if e.Field.Keyword == KwAnnotation {
			at := AnnotationTerm{Key: e.Field.Annotation}
			if e.Op == OpEq {
				v := e.Value
				at.Value = &v
			}
			t.addAnnotation(at)
			return
		}
		switch {
		case e.Op == OpEq:
			v := e.Value
			t.addKeyword(KeywordTerm{Keyword: e.Field.Keyword, Value: &v})
		case e.Op >= OpContains:
			// A field that is not set contains, begins and ends with
			// nothing: the substring operators require it.
			t.addKeyword(KeywordTerm{Keyword: e.Field.Keyword})
		}
	case *Bare:
		switch {
		case e.Field.Keyword == KwAnnotation:
			t.addAnnotation(AnnotationTerm{Key: e.Field.Annotation})
		case e.Field.Keyword.Type() == TypeBool:
			t.addKeyword(KeywordTerm{Keyword: e.Field.Keyword, Value: &Value{Type: TypeBool, Bool: true}})
		default:
			t.addKeyword(KeywordTerm{Keyword: e.Field.Keyword})
		}
	case *Service:
		st := ServiceTerm{Node: e.Node}
		blockFlags(e.Block, &st)
		if st.Node != nil || st.Fault || st.Error || st.Throttle {
			t.addService(st)
		}
	case *Edge:
		from, to := e.From, e.To
		t.addService(ServiceTerm{Node: &from})
		t.addService(ServiceTerm{Node: &to})
	}
}

// blockFlags sets the flags a service block requires of its node: fault,
// error and throttle (bare or = true) among the block's conjuncts.
func blockFlags(e Expr, st *ServiceTerm) {
	switch e := e.(type) {
	case *And:
		for _, x := range e.Terms {
			blockFlags(x, st)
		}
	case *Bare:
		setFlag(e.Field.Keyword, st)
	case *Compare:
		if e.Value.Type == TypeBool && e.Value.Bool == (e.Op == OpEq) {
			setFlag(e.Field.Keyword, st)
		}
	}
}

func setFlag(k Keyword, st *ServiceTerm) {
	switch k {
	case KwFault:
		st.Fault = true
	case KwError:
		st.Error = true
	case KwThrottle:
		st.Throttle = true
	}
}

func (t *Terms) addAnnotation(a AnnotationTerm) {
	for _, x := range t.Annotations {
		if x.Key == a.Key && equalValuePtr(x.Value, a.Value) {
			return
		}
	}
	t.Annotations = append(t.Annotations, a)
}

func (t *Terms) addKeyword(k KeywordTerm) {
	for _, x := range t.Keywords {
		if x.Keyword == k.Keyword && equalValuePtr(x.Value, k.Value) {
			return
		}
	}
	t.Keywords = append(t.Keywords, k)
}

func (t *Terms) addService(s ServiceTerm) {
	for _, x := range t.Services {
		if x.Fault == s.Fault && x.Error == s.Error && x.Throttle == s.Throttle && equalNodePtr(x.Node, s.Node) {
			return
		}
	}
	t.Services = append(t.Services, s)
}

func equalValuePtr(a, b *Value) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func equalNodePtr(a, b *NodeRef) bool {
	if a == nil || b == nil {
		return a == b
	}
	return equalStrPtr(a.Name, b.Name) && equalStrPtr(a.Type, b.Type) && equalStrPtr(a.AccountID, b.AccountID)
}

func equalStrPtr(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// Expr returns the terms as an expression (their conjunction, implied by
// the expression they came from), or nil when there are none.
func (t Terms) Expr() Expr {
	var xs []Expr
	for _, a := range t.Annotations {
		f := Field{Keyword: KwAnnotation, Annotation: a.Key}
		if a.Value != nil {
			xs = append(xs, &Compare{Field: f, Op: OpEq, Value: *a.Value})
		} else {
			xs = append(xs, &Bare{Field: f})
		}
	}
	for _, s := range t.Services {
		var flags []Expr
		for _, f := range []struct {
			on bool
			kw Keyword
		}{{s.Fault, KwFault}, {s.Error, KwError}, {s.Throttle, KwThrottle}} {
			if f.on {
				flags = append(flags, &Bare{Field: Field{Keyword: f.kw}})
			}
		}
		svc := &Service{Node: s.Node}
		switch len(flags) {
		case 0:
		case 1:
			svc.Block = flags[0]
		default:
			svc.Block = &And{Terms: flags}
		}
		xs = append(xs, svc)
	}
	for _, k := range t.Keywords {
		f := Field{Keyword: k.Keyword}
		if k.Value != nil {
			xs = append(xs, &Compare{Field: f, Op: OpEq, Value: *k.Value})
		} else {
			xs = append(xs, &Bare{Field: f})
		}
	}
	switch len(xs) {
	case 0:
		return nil
	case 1:
		return xs[0]
	}
	return &And{Terms: xs}
}

// String prints the terms as an expression, or "" when there are none.
func (t Terms) String() string {
	e := t.Expr()
	if e == nil {
		return ""
	}
	return e.String()
}
