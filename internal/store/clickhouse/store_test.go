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
