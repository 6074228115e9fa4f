// Package filterexpr is X-Ray's filter-expression language: the lexer,
// the parser with its static checks, the AST, and the printer. It is used
// for GetTraceSummaries' FilterExpression, group filter expressions and
// (the service/edge/id subset) GetTimeSeriesServiceStatistics'
// EntitySelectorExpression. It imports only the standard library;
// evaluating an expression against traces is internal/query's job, so the
// AST is shaped for evaluation: keywords resolved to Keyword, literals
// typed, annotation keys extracted, and every block tagged with what it is
// evaluated against (a node, an edge, a root-cause element).
//
// The behaviour is specified by the corpus in testdata/corpus/*.txt; the format
// is described in corpus_test.go.
//
// # Grammar
//
//	expr       = and { OR and }
//	and        = unary { [AND] unary }          juxtaposition is AND: ok !partial duration <3
//	unary      = ( "!" | NOT ) unary | primary
//	primary    = "(" expr ")" | field [ op literal ]
//	           | service "(" [ node ] ")" [ block ]
//	           | edge "(" node "," node ")" [ block ]
//	           | ( group.name | group.arn ) "=" STRING
//	           | rootcause.(fault|error).(service|entity|exception) block
//	           | rootcause.responsetime.(service|entity) block
//	           | rootcause.json "=" "#[" JSON "]"
//	field      = keyword | annotation.KEY | annotation "[" ( WORD | STRING ) "]"
//	node       = STRING | id "(" arg { "," arg } ")"      arg = (name | type | account.id) ":" STRING
//	block      = "{" expr "}"
//	op         = "=" | "!=" | "<" | "<=" | ">" | ">=" | CONTAINS | BEGINSWITH | ENDSWITH
//	literal    = STRING | NUMBER | true | false
//
// NOT binds tighter than AND, AND tighter than OR. Keywords, AND/OR/NOT,
// the operator words, true/false and the id() argument names are
// case-insensitive (AWS's examples write responseTime and "and"); strings
// and annotation keys are case-sensitive.
//
// # Types and operators
//
// Booleans (ok, error, throttle, fault, partial, inferred, root, first,
// last, remote) are written bare, negated, or compared with = and != to
// true or false. Numbers (responsetime, duration, http.status, index,
// coverage) take = != < <= > >=. Strings (http.url, http.method,
// http.useragent, http.clientip, user, name, type, message,
// availabilityzone, instance.id, resource.arn) take = != CONTAINS
// BEGINSWITH ENDSWITH, and may be written bare. An annotation takes the
// operators of its literal's type. Anything else — responsetime CONTAINS
// "x", http.url > 3, http.status = "200", ok = 1, a bare number keyword —
// is rejected by Parse.
//
// # Where keywords may appear
//
// The top level describes the whole trace; a block describes one node,
// edge or root-cause element. A keyword is accepted only where it means
// something:
//
//	ok error throttle fault, responsetime, http.status, http.*   top level, service(), edge()
//	duration                       top level, service()
//	inferred                       top level, service(), rootcause.*.service
//	partial user availabilityzone instance.id resource.arn annotation.*   top level only
//	root                           service()
//	name                           service(), every rootcause block
//	type                           service(), rootcause.*.service
//	first last index               every rootcause block
//	remote                         rootcause.*.entity
//	coverage                       rootcause.responsetime.entity
//	message                        rootcause.*.exception
//
// service(), edge(), group references and rootcause keywords describe the
// trace and do not nest inside blocks. AWS's guide says annotations
// "can't be used in combination with service or edge"; since its own
// examples AND them at the top level, that is read as "not inside their
// blocks".
//
// # Semantics the evaluator implements
//
// These follow xray-compat.md §6 and AWS's developer guide; where both are
// silent the choice made here is marked (decided).
//
//   - A bare boolean keyword is true when the keyword is; a bare string
//     keyword when the field is set (non-empty); "x CONTAINS """ is the
//     same presence test. A bare annotation is true when it is set, except
//     that a boolean annotation is its value. !x is the negation of x.
//   - Comparisons on a trace-level string keyword that X-Ray reads from
//     "any segment" (user, availabilityzone, instance.id, resource.arn) and
//     on annotations are true when any value in the trace matches; an
//     annotation value of another type than the literal never matches.
//   - A field that is not set (a missing annotation, a node without HTTP
//     data) satisfies no comparison, not even != (decided); !(x = "v") is
//     the way to include traces without x.
//   - service("n") selects every node named n whatever its type, and is
//     the same as service(id(name: "n")); id() narrows by type and account.
//     service() selects any node. The block, when present, must hold for
//     a selected node (edge: for an edge between selected nodes); without
//     a block, the node (edge) existing is enough.
//   - rootcause.K.L { … } is true when some root cause of kind K has an
//     element at level L for which the block holds. Elements are the root
//     cause's Services; or its entities, the services' EntityPaths
//     concatenated in order; or its exceptions, those entities' exceptions
//     in order (decided). index is 0-based, first is index 0, last is the
//     final element of that list (decided).
//   - rootcause.json = #[p, …] is true when every pattern matches at least
//     one of the trace's root causes of any kind (decided). Within a
//     pattern, absent fields and empty lists are wildcards and lists match
//     element by element with equal length (decided). Unknown fields are
//     errors, so a typo cannot turn into a wildcard.
//   - group.name = "g" / group.arn = "…" is true when the trace matches
//     group g's filter; ResolveGroups substitutes the filters.
//
// # Lexical decisions
//
//   - Strings are double-quoted only; \" and \\ are escapes, any other
//     backslash is kept as written (decided), and strings may span lines.
//     Unquoted values are rejected with a hint, including the guide's
//     "name = traces" example, since the guide also says values must
//     always be quoted.
//   - Numbers are [-]digits[.digits] (decided: no exponent, hex, leading
//     "." or "+"; "5s" is an error, not 5 followed by s).
//   - annotation.KEY takes letters, digits and underscores, with single
//     dots allowed between runs (decided: keys translated from
//     OpenTelemetry attributes). annotation[KEY] and annotation["any
//     text"] are aliases; the printer uses the dot form when it can.
//   - id() takes each argument at most once and at least one; names,
//     types, account IDs and group names may not be empty (decided).
//   - An empty or blank expression is an error; callers decide what an
//     absent filter means. Nesting deeper than 100 levels is an error.
//
// # Errors
//
// Parse returns an *Error whose Pos is the 1-based column, counted in
// characters from the start of the expression (a line break is one), of
// the offending token; one past the end when the
// expression ends too early; the opening bracket when one is never
// closed. Error() is "<message> at column N", for instance
//
//	unexpected end of expression after "responsetime >": expected a number at column 15
//
// # Canonical form
//
// String() prints lower-case keywords, upper-case AND, OR and operators,
// "!" for NOT, explicit AND, parentheses only where needed, numbers in
// plain decimal and rootcause.json as compact JSON. Parsing the printed
// form yields an equal tree (reflect.DeepEqual): AND and OR chains are
// flattened and parentheses leave no node, so the tree has no position
// information to differ in.
package filterexpr
