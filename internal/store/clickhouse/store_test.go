package clickhouse

import (
	"testing"

	"github.com/lightbox-tracing/lightbox/internal/store"
	"github.com/lightbox-tracing/lightbox/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	url := serverURL(t)
	storetest.Run(t, func(t *testing.T, dir string) store.Store {
		return openTest(t, testOptions(t, url, testDatabase(t, url, dir)))
	})
}

func TestConfigConformance(t *testing.T) {
	url := serverURL(t)
	storetest.RunConfig(t, func(t *testing.T, dir string) storetest.ConfigEngine {
		return openTest(t, testOptions(t, url, testDatabase(t, url, dir)))
	})
}

// The same suites on a cluster: Distributed tables over two shards, the
// first a ReplicatedMergeTree pair, created ON CLUSTER.
func TestConformanceCluster(t *testing.T) {
	url := clusterURL(t)
	storetest.Run(t, func(t *testing.T, dir string) store.Store {
		o := testOptions(t, url, testDatabaseOn(t, url, "lightbox", dir))
		o.Cluster = "lightbox"
		return openTest(t, o)
	})
}

func TestConfigConformanceCluster(t *testing.T) {
	url := clusterURL(t)
	storetest.RunConfig(t, func(t *testing.T, dir string) storetest.ConfigEngine {
		o := testOptions(t, url, testDatabaseOn(t, url, "lightbox", dir))
		o.Cluster = "lightbox"
		return openTest(t, o)
	})
}
