package registry_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/postflight/postflight/harness/registry"
	"github.com/postflight/postflight/harness/registry/registrytest"
	"github.com/postflight/postflight/slo"
)

// Bench image: benchLayers layers of benchLayerSize random bytes each
// (incompressible, like real compressed layers).
const (
	benchLayers    = 6
	benchLayerSize = 48 << 20
)

// BenchmarkVerify compares integrity verification of a multi-layer image
// served by the real registry with hashing the same bytes in memory, in the
// same run. The x-sha256 metric is verification time over the time of
// hashing the bytes in one goroutine: the goal is at most 1.5.
func BenchmarkVerify(b *testing.B) {
	reg := registrytest.Start(b)
	layers := make([][]byte, benchLayers)
	img := v1.Image(empty.Image)
	var total int64
	for i := range layers {
		layers[i] = randomBytes(b, benchLayerSize)
		total += benchLayerSize
		var err error
		img, err = mutate.AppendLayers(img, static.NewLayer(layers[i], types.DockerLayer))
		if err != nil {
			b.Fatal(err)
		}
	}
	ref := reg.Ref("bench:big")
	r, err := name.ParseReference(ref)
	if err != nil {
		b.Fatal(err)
	}
	if err := remote.Write(r, img); err != nil {
		b.Fatalf("push %s: %v", ref, err)
	}
	hashAll := func() {
		for _, l := range layers {
			sha256.Sum256(l)
		}
	}
	baseline := time.Duration(1<<63 - 1)
	for range 3 {
		start := time.Now()
		hashAll()
		baseline = min(baseline, time.Since(start))
	}
	b.Logf("image: %d layers, %d MiB; sha256 of the bytes in one goroutine: %s", benchLayers, total>>20, baseline)

	for _, parallel := range []int{1, 2, registry.DefaultParallelism} {
		b.Run(fmt.Sprintf("registry/parallel=%d", parallel), func(b *testing.B) {
			c := registry.New(registry.WithParallelism(parallel))
			b.SetBytes(total)
			start := time.Now()
			for b.Loop() {
				in, err := c.Verify(context.Background(), ref)
				if err != nil || in.Status != slo.Pass || in.Received != total+in.Blobs[0].Size {
					b.Fatalf("verify: %v %+v", err, in)
				}
			}
			perOp := time.Since(start) / time.Duration(b.N)
			b.ReportMetric(float64(perOp)/float64(baseline), "x-sha256")
		})
	}
	b.Run("sha256-local", func(b *testing.B) {
		b.SetBytes(total)
		for b.Loop() {
			hashAll()
		}
	})
	b.Run("sha256-local/parallel=2", func(b *testing.B) {
		b.SetBytes(total)
		for b.Loop() {
			var wg sync.WaitGroup
			next := make(chan []byte)
			for range 2 {
				wg.Go(func() {
					for l := range next {
						sha256.Sum256(l)
					}
				})
			}
			for _, l := range layers {
				next <- l
			}
			close(next)
			wg.Wait()
		}
	})
}
