package clickhouse

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// client speaks ClickHouse's HTTP interface: a statement in the query
// string or the body, rows in RowBinary. It works with 18.16 and current
// servers alike (the official driver cannot insert into 18.16).
type client struct {
	base     *url.URL
	http     *http.Client
	settings url.Values // sent with every request
}

// serverError is an exception ClickHouse answered with.
type serverError struct {
	Code    int
	Message string
}

func (e *serverError) Error() string {
	return fmt.Sprintf("clickhouse error %d: %s", e.Code, e.Message)
}

// ClickHouse error codes the engine handles.
const (
	codeTableAlreadyExists  = 57
	codeDuplicateColumn     = 15
	codeUnknownTable        = 60
	codeDatabaseAlreadyExis = 82
)

func isCode(err error, code int) bool {
	var se *serverError
	return errors.As(err, &se) && se.Code == code
}

var codeRE = regexp.MustCompile(`^Code: (\d+)`)

func newClient(raw string, hc *http.Client) (*client, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("cannot parse ClickHouse URL %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("ClickHouse URL %q: scheme must be http or https", raw)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return &client{base: u, http: hc, settings: u.Query()}, nil
}

// do sends one request: query in the URL, body as the request body (the
// data of an INSERT, or the statement itself when query is empty).
func (c *client) do(ctx context.Context, query string, body []byte, extra url.Values) ([]byte, error) {
	u := *c.base
	q := url.Values{}
	for k, v := range c.settings {
		q[k] = v
	}
	for k, v := range extra {
		q[k] = v
	}
	if query != "" {
		q.Set("query", query)
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		msg := strings.TrimSpace(string(out))
		se := &serverError{Code: -1, Message: msg}
		if m := codeRE.FindStringSubmatch(msg); m != nil {
			se.Code, _ = strconv.Atoi(m[1])
		}
		if resp.StatusCode == http.StatusNotFound && se.Code == -1 {
			se.Message = "HTTP 404: " + msg
		}
		return nil, se
	}
	return out, nil
}

// exec runs a statement that returns nothing of interest.
func (c *client) exec(ctx context.Context, stmt string) error {
	_, err := c.do(ctx, "", []byte(stmt), nil)
	return err
}

// query runs a SELECT and returns its rows in RowBinary.
func (c *client) query(ctx context.Context, stmt string) ([]byte, error) {
	return c.do(ctx, "", []byte(stmt+" FORMAT RowBinary"), nil)
}

// insert sends rows encoded in RowBinary.
func (c *client) insert(ctx context.Context, table string, columns []string, rows []byte, extra url.Values) error {
	stmt := "INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") FORMAT RowBinary"
	_, err := c.do(ctx, stmt, rows, extra)
	return err
}

// quote makes s a ClickHouse string literal.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; ch {
		case '\\', '\'':
			b.WriteByte('\\')
			b.WriteByte(ch)
		case 0:
			b.WriteString(`\0`)
		default:
			b.WriteByte(ch)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// quoteList is a comma-separated list of string literals.
func quoteList(ss []string) string {
	var b strings.Builder
	for i, s := range ss {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(quote(s))
	}
	return b.String()
}

// ident quotes a database or table name.
func ident(s string) string { return "`" + strings.ReplaceAll(s, "`", "\\`") + "`" }
