package clickhouse

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// clusterURL is a server of the ClickHouse cluster "lightbox" (two shards,
// the first a replicated pair; scripts/clickhouse.sh cluster starts one):
// the first of the URLs in $LIGHTBOX_CLICKHOUSE_CLUSTER_URLS. Under CI a
// missing cluster fails the tests; elsewhere they skip.
func clusterURL(t testing.TB) string {
	t.Helper()
	var u string
	if f := strings.Fields(os.Getenv("LIGHTBOX_CLICKHOUSE_CLUSTER_URLS")); len(f) > 0 {
		u = f[0]
	}
	if u != "" {
		resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(u + "?query=SELECT%201")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return u
			}
		}
	}
	msg := "no ClickHouse cluster at $LIGHTBOX_CLICKHOUSE_CLUSTER_URLS=" + u + " (start one with scripts/clickhouse.sh cluster DIR)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// serverURL is the ClickHouse the tests use: $LIGHTBOX_CLICKHOUSE_URL, else
// a server on the default port if one answers. Under CI (CI=true) a missing
// server fails the tests; elsewhere they skip, saying how to start one.
func serverURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("LIGHTBOX_CLICKHOUSE_URL")
	if u == "" {
		u = "http://127.0.0.1:8123/"
	}
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(u + "?query=SELECT%201")
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return u
		}
	}
	msg := "no ClickHouse at " + u + " (start one with scripts/clickhouse.sh start DIR and set LIGHTBOX_CLICKHOUSE_URL)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

var dbMu sync.Mutex
var dbDropped = map[string]bool{}

// testDatabase is a database name derived from dir, so that reopening the
// same dir finds the same data; it is dropped when the test ends.
func testDatabase(t testing.TB, url, dir string) string {
	return testDatabaseOn(t, url, "", dir)
}

// testDatabaseOn is testDatabase on a cluster ("" for one server).
func testDatabaseOn(t testing.TB, url, cluster, dir string) string {
	h := sha256.Sum256([]byte(dir))
	db := "lbtest_" + hex.EncodeToString(h[:6])
	dbMu.Lock()
	defer dbMu.Unlock()
	if _, ok := dbDropped[db]; !ok {
		dbDropped[db] = false
		t.Cleanup(func() {
			c, _ := newClient(url, &http.Client{Timeout: time.Minute})
			stmt := "DROP DATABASE IF EXISTS " + ident(db)
			if cluster != "" {
				stmt += " ON CLUSTER " + ident(cluster)
			}
			if err := c.exec(context.Background(), stmt); err != nil {
				t.Errorf("cannot drop test database %s: %v", db, err)
			}
		})
	}
	return db
}

// testOptions keep data of any age and summarize quickly.
func testOptions(t testing.TB, url, db string) Options {
	return Options{
		URL:               url,
		Database:          db,
		Retention:         200 * 365 * day,
		RetentionInterval: -1,
		AssembleDelay:     10 * time.Millisecond,
		RecoverInterval:   -1,
	}
}

func openTest(t testing.TB, o Options) *Store {
	t.Helper()
	s, err := Open(o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}
