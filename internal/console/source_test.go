package console

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// webDir is the console's source, relative to this package.
const webDir = "../../web"

// sourceRoots are the files and folders whose content decides the bundle;
// web/scripts/stamp.mjs hashes the same ones, in the same way.
var sourceRoots = []string{"src", "scripts", "public", "index.html", "package.json", "package-lock.json", "vite.config.ts", "tsconfig.json"}

// sourceHash is sha256 over "sha256(file)  path\n" lines sorted by path
// (what `sha256sum` prints), so a mismatch can be chased with sha256sum.
func sourceHash(t *testing.T, dir string) string {
	t.Helper()
	var files []string
	for _, root := range sourceRoots {
		err := filepath.WalkDir(filepath.Join(dir, root), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() {
				rel, _ := filepath.Rel(dir, p)
				files = append(files, filepath.ToSlash(rel))
			}
			return nil
		})
		if err != nil {
			t.Fatalf("cannot read console source %s: %v", root, err)
		}
	}
	sort.Strings(files)
	var lines strings.Builder
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f)))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		lines.WriteString(hex.EncodeToString(sum[:]) + "  " + f + "\n")
	}
	sum := sha256.Sum256([]byte(lines.String()))
	return hex.EncodeToString(sum[:])
}

// The committed bundle must be built from the committed source: a change to
// web/ without a rebuild fails here, on machines without Node too.
func TestBundleIsCurrent(t *testing.T) {
	got := SourceHash()
	if got == "" {
		t.Fatal("internal/console/dist has no source-hash.txt: run `npm --prefix web run build`")
	}
	if want := sourceHash(t, webDir); got != want {
		t.Fatalf("the embedded console is stale (built from sources %s, web/ is now %s): run `npm --prefix web run build` and commit internal/console/dist", got, want)
	}
}

// The console builds the DOM from text nodes only (web/src/dom.ts); no
// source file may reach for an HTML-parsing sink, where untrusted segment
// text could become markup.
func TestSourceUsesNoHTMLSinks(t *testing.T) {
	sinks := []string{".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write", "createContextualFragment", "DOMParser", "eval(", "new Function("}
	err := filepath.WalkDir(filepath.Join(webDir, "src"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			code, _, _ := strings.Cut(line, "//")
			for _, s := range sinks {
				if strings.Contains(code, s) {
					t.Errorf("%s:%d uses %s: build DOM with h() and text nodes instead", p, i+1, s)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
