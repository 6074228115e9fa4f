package demo

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
)

// photoPool is the generator's camera roll: photos painted once at start
// (painting and encoding are slower than uploading), then uploaded over
// and over.
type photoPool struct {
	normal    []poolPhoto
	panoramas []poolPhoto
}

type poolPhoto struct {
	name string
	data []byte
}

// The camera roll: everyday photos, and the panoramas that make the slow
// path (several times the pixels, so resize_image and Rekognition take
// visibly longer). PNGs are kept smaller, as deflating them is the
// slowest part of painting the roll.
var (
	everydayPhotos = []photoSpec{
		{"sunset", 1280, 960, "jpeg"},
		{"beach", 800, 600, "png"},
		{"forest", 1024, 768, "jpeg"},
		{"mountains", 640, 480, "png"},
		{"city", 960, 720, "jpeg"},
		{"forest", 800, 600, "png"},
	}
	panoramaPhotos = []photoSpec{
		{"mountains", 4000, 1250, "jpeg"},
	}
)

type photoSpec struct {
	scene         string
	width, height int
	format        string
}

func newPhotoPool(everyday, panoramas []photoSpec) (*photoPool, error) {
	specs := append(append([]photoSpec(nil), everyday...), panoramas...)
	photos := make([]poolPhoto, len(specs))
	errs := make([]error, len(specs))
	var wg sync.WaitGroup
	for i, sp := range specs {
		wg.Go(func() { photos[i], errs[i] = paint(sp, uint64(i)) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	n := len(everyday)
	return &photoPool{normal: photos[:n], panoramas: photos[n:]}, nil
}

func paint(sp photoSpec, seed uint64) (poolPhoto, error) {
	data, err := encodePhoto(generatePhoto(sp.scene, sp.width, sp.height, seed), sp.format)
	if err != nil {
		return poolPhoto{}, err
	}
	ext := map[string]string{"png": "png", "jpeg": "jpg"}[sp.format]
	return poolPhoto{name: fmt.Sprintf("IMG_%04d.%s", 1000+seed, ext), data: data}, nil
}

// pick returns a panorama with probability slowRate, else an everyday
// photo.
func (p *photoPool) pick(slowRate float64) poolPhoto {
	if rand.Float64() < slowRate {
		return p.panoramas[rand.IntN(len(p.panoramas))]
	}
	return p.normal[rand.IntN(len(p.normal))]
}

// photoPool paints the camera roll on first use (it takes a moment) and
// keeps it for later runs of the traffic.
func (d *Demo) photoPool() (*photoPool, error) {
	d.poolMu.Lock()
	defer d.poolMu.Unlock()
	if d.pool == nil {
		p, err := newPhotoPool(everydayPhotos, panoramaPhotos)
		if err != nil {
			return nil, err
		}
		d.pool = p
	}
	return d.pool, nil
}
