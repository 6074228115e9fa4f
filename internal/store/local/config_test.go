package local

import (
	"testing"

	"github.com/lightbox-tracing/lightbox/internal/store/storetest"
)

func TestConfigConformance(t *testing.T) {
	storetest.RunConfig(t, func(t *testing.T, dir string) storetest.ConfigEngine {
		return openTest(t, testOptions(dir))
	})
}
