package demo

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"testing"
)

func TestResizeFitsAndKeepsAspect(t *testing.T) {
	f := func(w, h, maxW, maxH, wantW, wantH int) {
		t.Helper()
		got := resize(image.NewRGBA(image.Rect(0, 0, w, h)), maxW, maxH).Bounds()
		if got.Dx() != wantW || got.Dy() != wantH {
			t.Errorf("resize %d×%d into %d×%d = %d×%d, want %d×%d", w, h, maxW, maxH, got.Dx(), got.Dy(), wantW, wantH)
		}
	}
	f(640, 480, 320, 240, 320, 240)
	f(1280, 960, 320, 240, 320, 240)
	f(3000, 1000, 320, 240, 320, 107) // panorama: width bound
	f(600, 1200, 320, 240, 120, 240)  // portrait: height bound
	f(200, 100, 320, 240, 200, 100)   // already fits: unchanged
	f(5000, 1, 320, 240, 320, 1)      // never below one pixel
}

// A box filter keeps a flat colour flat, and averages stripes to their
// mean, whichever decoder produced the source.
func TestResizeAveragesColour(t *testing.T) {
	stripes := image.NewRGBA(image.Rect(0, 0, 400, 300))
	for y := range 300 {
		for x := range 400 {
			v := uint8(0)
			if x%2 == 0 {
				v = 200
			}
			stripes.Set(x, y, color.RGBA{v, 100, 50, 255})
		}
	}
	var jpg bytes.Buffer
	flat := image.NewRGBA(image.Rect(0, 0, 400, 300))
	for i := 0; i < len(flat.Pix); i += 4 {
		copy(flat.Pix[i:], []uint8{30, 120, 220, 255})
	}
	if err := jpeg.Encode(&jpg, flat, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	ycc, _, err := image.Decode(&jpg)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ycc.(*image.YCbCr); !ok {
		t.Fatalf("JPEG decoded to %T, want *image.YCbCr (the fast path under test)", ycc)
	}
	for _, c := range []struct {
		name      string
		src       image.Image
		want      [3]int
		tolerance int
	}{
		{"RGBA stripes", stripes, [3]int{100, 100, 50}, 1},
		{"YCbCr flat", ycc, [3]int{30, 120, 220}, 4},
	} {
		out := resize(c.src, 100, 75) // 4×4 blocks: two stripes of each
		for _, p := range []image.Point{{0, 0}, {50, 37}, {99, 74}} {
			px := out.RGBAAt(p.X, p.Y)
			got := [3]int{int(px.R), int(px.G), int(px.B)}
			for i := range got {
				if d := got[i] - c.want[i]; d < -c.tolerance || d > c.tolerance || px.A != 255 {
					t.Errorf("%s: pixel %v = %v, want %v ±%d", c.name, p, px, c.want, c.tolerance)
					break
				}
			}
		}
	}
}

func TestGeneratedPhotosAreReproducibleAndDecode(t *testing.T) {
	for _, scene := range scenes {
		for _, format := range []string{"png", "jpeg"} {
			a, err := encodePhoto(generatePhoto(scene, 160, 120, 42), format)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := encodePhoto(generatePhoto(scene, 160, 120, 42), format)
			if !bytes.Equal(a, b) {
				t.Errorf("%s %s: same seed painted different photos", scene, format)
			}
			cfg, got, err := image.DecodeConfig(bytes.NewReader(a))
			if err != nil || got != format || cfg.Width != 160 || cfg.Height != 120 {
				t.Errorf("%s %s: decodes as %s %d×%d (%v)", scene, format, got, cfg.Width, cfg.Height, err)
			}
		}
	}
	if _, err := encodePhoto(image.NewRGBA(image.Rect(0, 0, 1, 1)), "gif"); err == nil {
		t.Error("encoding as gif succeeded; only png and jpeg are meant to")
	}
}

func BenchmarkResize(b *testing.B) {
	for _, format := range []string{"png", "jpeg"} {
		data, err := encodePhoto(generatePhoto("forest", 1024, 768, 1), format)
		if err != nil {
			b.Fatal(err)
		}
		src, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(format, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(1024 * 768 * 4)
			for b.Loop() {
				resize(src, thumbWidth, thumbHeight)
			}
		})
	}
}
