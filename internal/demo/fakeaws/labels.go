package fakeaws

import (
	"bytes"
	"cmp"
	"image"
	_ "image/jpeg" // DetectLabels accepts JPEG and PNG, as Rekognition does
	_ "image/png"
	"slices"
)

// label is Rekognition's Label shape (the fields the demo fills).
type label struct {
	Name       string
	Confidence float64
	Parents    []parent
	Categories []parent
	Instances  []struct{}
	Aliases    []struct{}
}

type parent struct{ Name string }

// detectLabels looks at a photo's colours and names what the demo's
// generated scenes contain: orange skies are sunsets, blue ones daytime
// skies over water, green is forest, dark is a city at night, bright grey
// peaks are mountains. Confidence follows how strongly the colour
// dominates.
func detectLabels(data []byte) ([]label, error) {
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	b := img.Bounds()
	if b.Dx() == 0 || b.Dy() == 0 {
		return nil, image.ErrFormat
	}
	// A 32×32 grid of samples is plenty to tell the scenes apart.
	var n, orange, blue, green, dark, bright float64
	for y := b.Min.Y; y < b.Max.Y; y += max(1, b.Dy()/32) {
		for x := b.Min.X; x < b.Max.X; x += max(1, b.Dx()/32) {
			r16, g16, b16, _ := img.At(x, y).RGBA()
			r, g, bl := float64(r16>>8), float64(g16>>8), float64(b16>>8)
			n++
			switch {
			case r+g+bl < 150:
				dark++
			case r > 200 && g > 200 && bl > 200:
				bright++
			case r > g+30 && r > bl+50:
				orange++
			case bl > r+30 && bl >= g:
				blue++
			case g > r+20 && g > bl:
				green++
			}
		}
	}
	conf := func(share float64) float64 { return min(99.9, 72+share*60) }
	var out []label
	add := func(share float64, cat string, names ...string) {
		for i, name := range names {
			l := label{Name: name, Confidence: conf(share) - float64(i)*2.5, Categories: []parent{{cat}}}
			if i > 0 {
				l.Parents = []parent{{names[0]}}
			}
			out = append(out, l)
		}
	}
	switch {
	case dark/n > 0.4:
		add(dark/n, "Buildings and Architecture", "City", "Night", "Urban", "Light")
	case orange/n > 0.25:
		add(orange/n, "Nature and Outdoors", "Sky", "Sunset", "Dusk", "Sea")
	case green/n > 0.25:
		add(green/n, "Nature and Outdoors", "Vegetation", "Forest", "Tree", "Plant")
	case bright/n > 0.08:
		add(bright/n+blue/n, "Nature and Outdoors", "Mountain", "Peak", "Snow", "Sky")
	default:
		add(blue/n, "Nature and Outdoors", "Sky", "Sea", "Water", "Beach")
	}
	out = append(out, label{Name: "Outdoors", Confidence: 95.1, Categories: []parent{{"Nature and Outdoors"}}})
	if b.Dx() >= 2*b.Dy() {
		out = append(out, label{Name: "Panoramic", Confidence: 97.3, Categories: []parent{{"Photography"}}})
	}
	slices.SortStableFunc(out, func(a, b label) int { return cmp.Compare(b.Confidence, a.Confidence) })
	return out, nil
}

// filterLabels applies DetectLabels' MinConfidence and MaxLabels to a copy
// of ls (which is shared).
func filterLabels(ls []label, maxLabels *int, minConfidence *float64) []label {
	ls = slices.Clone(ls)
	if minConfidence != nil {
		ls = slices.DeleteFunc(ls, func(l label) bool { return l.Confidence < *minConfidence })
	}
	if maxLabels != nil && *maxLabels >= 0 && len(ls) > *maxLabels {
		ls = ls[:*maxLabels]
	}
	return ls
}
