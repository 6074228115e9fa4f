// Package bench1m holds the filter benchmark of issue 3 over one million
// traces (ten million documents) in one hour, written through the embedded
// engine's own WriteSegments and assembly. Its only file is behind the
// bench1m build tag, so that the normal test suite stays fast:
//
//	go test -tags bench1m -run '^$' -bench . -benchtime 20x -timeout 2h ./internal/store/local/bench1m
//
// The dataset is built once into $LIGHTBOX_BENCH_DIR (default
// os.TempDir()/lightbox-bench-1m) and reused while its version stamp
// matches; building it takes several minutes and about 6 GB of disk.
package bench1m
