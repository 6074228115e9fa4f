package demo

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
)

// Scenes the generator paints; fakeaws' Rekognition tells them apart by
// colour.
var scenes = []string{"sunset", "beach", "forest", "mountains", "city"}

// generatePhoto paints a w×h landscape of the given scene: procedural,
// with grain, so that encoded sizes look like a photo's rather than a
// flat drawing's. seed makes it reproducible.
func generatePhoto(scene string, w, h int, seed uint64) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, 0x1a2b3c))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	horizon := float64(h) * (0.55 + 0.15*rng.Float64())
	sunX, sunY, sunR := float64(w)*(0.2+0.6*rng.Float64()), horizon*0.7, float64(h)*0.08
	// Hill or skyline heights, one per column, from a few sine waves.
	var phase [3]float64
	for i := range phase {
		phase[i] = rng.Float64() * 6
	}
	ridge := make([]float64, w)
	for x := range ridge {
		fx := float64(x) / float64(w)
		ridge[x] = horizon - float64(h)*(0.12*math.Sin(fx*5+phase[0])+0.06*math.Sin(fx*13+phase[1])+0.03*math.Sin(fx*31+phase[2])+0.1)
	}
	grain := rng.Uint64() | 1
	for y := range h {
		fy := float64(y)
		t := fy / horizon // 0 at the top of the sky, 1 at the horizon
		row := img.Pix[y*img.Stride : y*img.Stride+w*4]
		for x := range w {
			fx := float64(x)
			var r, g, b float64
			switch scene {
			case "sunset":
				r, g, b = 250-40*(1-t), 90+100*t, 60+40*(1-t)
				if dx, dy := fx-sunX, fy-sunY; dx*dx+dy*dy < sunR*sunR {
					r, g, b = 255, 230, 140
				}
				if fy > horizon {
					r, g, b = 70+float64((x+y)%17), 40, 70
				}
			case "beach":
				r, g, b = 90+60*t, 150+60*t, 235
				if fy > horizon {
					r, g, b = 30, 110, 190
				}
				if fy > horizon+float64(h)*0.15 {
					r, g, b = 225, 200, 150
				}
			case "forest":
				r, g, b = 150, 200, 240
				if fy > ridge[x]-float64(h)*0.15 {
					r, g, b = 30+float64((x*7+y*3)%23), 110+float64((x*3+y*5)%37), 40
				}
			case "mountains":
				r, g, b = 110+50*t, 160+40*t, 230
				if top := ridge[x] - float64(h)*0.25; fy > top {
					r, g, b = 120, 115, 110
					if fy < top+float64(h)*0.06 {
						r, g, b = 245, 248, 252
					}
				}
			default: // city at night
				r, g, b = 10, 12, 35+20*t
				if fy > ridge[x] {
					r, g, b = 20, 20, 28
					if x%9 < 4 && y%11 < 5 && (x/9*7+y/11*13)%5 < 3 {
						r, g, b = 250, 210, 120
					}
				}
			}
			// Grain from a xorshift generator: ±6 levels, cheap enough to
			// paint millions of pixels.
			grain ^= grain << 13
			grain ^= grain >> 7
			grain ^= grain << 17
			n := float64(grain&15) - 7.5
			row[x*4+0] = clamp8(r + n)
			row[x*4+1] = clamp8(g + n)
			row[x*4+2] = clamp8(b + n)
			row[x*4+3] = 255
		}
	}
	return img
}

func clamp8(v float64) uint8 {
	return uint8(max(0, min(255, v)))
}

// encodePhoto encodes img as "png" or "jpeg".
func encodePhoto(img image.Image, format string) ([]byte, error) {
	var buf bytes.Buffer
	var err error
	switch format {
	case "png":
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img)
	case "jpeg":
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85})
	default:
		return nil, fmt.Errorf("cannot encode photo as %q: not png or jpeg", format)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot encode photo as %s: %w", format, err)
	}
	return buf.Bytes(), nil
}

// resize scales src to fit within maxW×maxH, keeping its aspect ratio,
// by averaging each destination pixel's block of source pixels (a box
// filter: sharp enough when shrinking, which is all the demo does). A
// source that already fits is copied unchanged.
func resize(src image.Image, maxW, maxH int) *image.RGBA {
	b := src.Bounds()
	sw, sh := b.Dx(), b.Dy()
	scale := min(1, float64(maxW)/float64(sw), float64(maxH)/float64(sh))
	dw, dh := max(1, int(math.Round(float64(sw)*scale))), max(1, int(math.Round(float64(sh)*scale)))
	if dw == sw && dh == sh {
		return toRGBA(src)
	}
	// JPEGs decode to YCbCr: filtering its planes directly skips
	// converting every source pixel to RGBA first.
	if ycc, ok := src.(*image.YCbCr); ok {
		return resizeYCbCr(ycc, dw, dh)
	}
	in := toRGBA(src)
	out := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for dy := range dh {
		y0, y1 := span(dy, sh, dh)
		for dx := range dw {
			x0, x1 := span(dx, sw, dw)
			var r, g, b, a, n uint32
			for y := y0; y < y1; y++ {
				row := in.Pix[y*in.Stride+x0*4 : y*in.Stride+x1*4]
				for i := 0; i < len(row); i += 4 {
					r += uint32(row[i])
					g += uint32(row[i+1])
					b += uint32(row[i+2])
					a += uint32(row[i+3])
					n++
				}
			}
			o := out.PixOffset(dx, dy)
			out.Pix[o], out.Pix[o+1], out.Pix[o+2], out.Pix[o+3] = uint8(r/n), uint8(g/n), uint8(b/n), uint8(a/n)
		}
	}
	return out
}

// span is the block of source rows (or columns) [lo, hi) that destination
// row d of dn averages, out of sn.
func span(d, sn, dn int) (lo, hi int) {
	lo = d * sn / dn
	return lo, max(lo+1, (d+1)*sn/dn)
}

// resizeYCbCr box-filters luma and takes chroma at each block's centre
// (chroma is subsampled already; the eye does not miss the rest).
func resizeYCbCr(src *image.YCbCr, dw, dh int) *image.RGBA {
	b := src.Rect
	sw, sh := b.Dx(), b.Dy()
	out := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for dy := range dh {
		y0, y1 := span(dy, sh, dh)
		for dx := range dw {
			x0, x1 := span(dx, sw, dw)
			var sum, n uint32
			for y := y0; y < y1; y++ {
				row := src.Y[src.YOffset(b.Min.X+x0, b.Min.Y+y) : src.YOffset(b.Min.X+x1-1, b.Min.Y+y)+1]
				for _, v := range row {
					sum += uint32(v)
				}
				n += uint32(len(row))
			}
			c := src.COffset(b.Min.X+(x0+x1)/2, b.Min.Y+(y0+y1)/2)
			r, g, bl := color.YCbCrToRGB(uint8(sum/n), src.Cb[c], src.Cr[c])
			o := out.PixOffset(dx, dy)
			out.Pix[o], out.Pix[o+1], out.Pix[o+2], out.Pix[o+3] = r, g, bl, 255
		}
	}
	return out
}

// toRGBA returns src as an *image.RGBA whose bounds start at (0, 0),
// converting when needed (image/draw has fast paths for the decoders'
// types).
func toRGBA(src image.Image) *image.RGBA {
	if m, ok := src.(*image.RGBA); ok && m.Rect.Min == (image.Point{}) {
		return m
	}
	b := src.Bounds()
	m := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(m, m.Rect, src, b.Min, draw.Src)
	return m
}
