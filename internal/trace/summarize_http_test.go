package trace

import (
	"fmt"
	"reflect"
	"testing"
)

// Nodes and edges keep the distinct HTTP data of their documents: the
// callee's segments for the node, the caller's subsegments for the edge.
func TestGraphHTTP(t *testing.T) {
	call := func(id, url string, status int) string {
		return `{"id":"` + id + `","name":"api.example.com","namespace":"remote","start_time":100.1,"end_time":100.2,` +
			`"http":{"request":{"method":"GET","url":"` + url + `"},"response":{"status":` + fmt.Sprint(status) + `}}}`
	}
	s := Assemble(testTraceID, parseDocs(t, front(`,"http":{"request":{"method":"POST","url":"http://front/x"},"response":{"status":200}},
		"subsegments":[`+call("c000000000000001", "http://api/a", 200)+`,`+call("c000000000000002", "http://api/a", 200)+`,`+
		call("c000000000000003", "http://api/b", 503)+`,{"id":"c000000000000004","name":"local","start_time":100.3,"end_time":100.4}]`))).Summary()

	byName := map[string]*Node{}
	for i := range s.Graph.Nodes {
		n := &s.Graph.Nodes[i]
		byName[n.Name+"/"+n.Type] = n
	}
	frontHTTP := []HTTP{{URL: "http://front/x", Method: "POST", Status: 200}}
	apiHTTP := []HTTP{{URL: "http://api/a", Method: "GET", Status: 200}, {URL: "http://api/b", Method: "GET", Status: 503}}
	client, front, api := byName["front/client"], byName["front/"], byName["api.example.com/remote"]
	if client == nil || front == nil || api == nil {
		t.Fatalf("graph lacks a node: %v", graphLines(s))
	}
	for _, c := range []struct {
		what      string
		got, want []HTTP
	}{
		{"client node", client.HTTP, nil},
		{"client edge", client.Edges[0].HTTP, frontHTTP},
		{"front node", front.HTTP, frontHTTP},
		{"front → api edge", front.Edges[0].HTTP, apiHTTP},
		{"inferred api node", api.HTTP, apiHTTP},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s HTTP = %+v, want %+v", c.what, c.got, c.want)
		}
	}
}

// A fan-out to thousands of distinct URLs keeps every one once, and stays
// fast (the duplicate check switches to a map).
func TestGraphHTTPFanOut(t *testing.T) {
	docs := []string{front(``)}
	const n = 2000
	for i := range n {
		url := fmt.Sprintf("http://api/%d", i%(n/2)) // every URL twice
		docs = append(docs, doc(fmt.Sprintf(`"type":"subsegment","parent_id":"%s","id":"c%015x","name":"api","namespace":"remote","start_time":100.1,"end_time":100.2,"http":{"request":{"url":%q}}`, idFront, i, url)))
	}
	s := Assemble(testTraceID, parseDocs(t, docs...)).Summary()
	found := false
	for _, nd := range s.Graph.Nodes {
		if nd.Name == "api" {
			found = true
			if len(nd.HTTP) != n/2 {
				t.Errorf("api node has %d HTTP values, want %d", len(nd.HTTP), n/2)
			}
		}
	}
	if !found {
		t.Error("no api node")
	}
}
