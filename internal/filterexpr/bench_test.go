package filterexpr

import "testing"

var benchExpressions = []struct{ name, expr string }{
	{"simple", `responsetime > 5`},
	{"guide", `service("api.example.com") { fault = true OR responsetime > 2.5 } AND annotation.account = "12345"`},
	{"console", `http.url BEGINSWITH "http://api.example.com/" AND http.url CONTAINS "/v2/" AND !service(id(name: "api.example.com", type: "AWS::EC2::Instance")) AND ok !partial duration < 3`},
	{"rootcause", `rootcause.fault.exception { last and message = "Access Denied" } OR rootcause.responsetime.entity { last and coverage > 0.8 }`},
	{"json", `rootcause.json = #[{ "Services": [ { "Name": "GetWeatherData", "EntityPath": [{ "Name": "GetWeatherData" }, { "Name": "get_temperature" }] } ] }]`},
}

// BenchmarkParse measures parsing (with the static checks) of typical
// console and API expressions. A query parses its filter once, so this
// matters for request latency only, not per trace.
func BenchmarkParse(b *testing.B) {
	for _, bc := range benchExpressions {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.expr)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(bc.expr); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParseError measures rejecting an expression, which builds a
// message and may look for a suggestion.
func BenchmarkParseError(b *testing.B) {
	const expr = `service("api.example.com") { fault } AND responstime > 2`
	b.SetBytes(int64(len(expr)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(expr); err == nil {
			b.Fatal("no error")
		}
	}
}

func BenchmarkString(b *testing.B) {
	e, err := Parse(benchExpressions[2].expr)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = e.String()
	}
}
