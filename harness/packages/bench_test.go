package packages

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/moby/moby/client"
)

// The benchmark's images: an old and a new version of a service image of
// about 300 MB (uncompressed) in three layers, with about 750 packages:
//
//	base     dpkg status (400 entries), the go and gofmt executables,
//	         120 files of 1 MB, 4,000 small files
//	runtime  80 Python distributions, 30 files of 1 MB, 6,000 small files
//	app      250 node modules among 15,000 small files, 40 files of 1 MB
//
// Half the large files are random (incompressible), the rest text. The new
// version upgrades 10 Debian packages, removes one and adds one, upgrades 5
// Python distributions and 10 node modules; its layers all differ from the
// old ones ("distinct"), or it keeps the old base layer ("shared-base", as
// an application release on an unchanged base image does).
const (
	benchDebs, benchPythons, benchNodes = 400, 80, 250
	benchDistinctChanges                = 12 + 5 + 10
	benchSharedChanges                  = 5 + 10
)

type benchImages struct {
	dir                   string
	old, distinct, shared v1.Image
	// The file content bytes a diff reads (tar headers aside).
	bytesDistinct, bytesShared, baseSize int64
}

// layer writes one of the benchmark's layers, streaming it to disk: the
// setup holds no layer in memory, so that it does not inflate the figures.
func (bi *benchImages) layer(name string, size *int64, build func(w *benchWriter)) (v1.Layer, error) {
	p := filepath.Join(bi.dir, name+".tar.gz")
	f, err := os.Create(p)
	if err != nil {
		return nil, err
	}
	zw, err := gzip.NewWriterLevel(f, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	w := &benchWriter{tw: tar.NewWriter(zw)}
	build(w)
	if w.err == nil {
		w.err = w.tw.Close()
	}
	if w.err == nil {
		w.err = zw.Close()
	}
	if err := f.Close(); w.err == nil {
		w.err = err
	}
	if w.err != nil {
		return nil, fmt.Errorf("write %s: %w", p, w.err)
	}
	*size += w.n
	if name == "old-base" {
		bi.baseSize = w.n
	}
	return tarball.LayerFromFile(p)
}

// benchWriter writes tar entries and remembers the first error.
type benchWriter struct {
	tw  *tar.Writer
	n   int64
	err error
}

func (w *benchWriter) file(name string, mode int64, body []byte) {
	if w.err != nil {
		return
	}
	if w.err = w.tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(body)), Typeflag: tar.TypeReg, ModTime: time.Unix(1717200000, 0)}); w.err == nil {
		_, w.err = w.tw.Write(body)
		w.n += int64(len(body))
	}
}

// filler writes n files of about size bytes under dir, text or random.
func (w *benchWriter) filler(rng *rand.Rand, dir string, n, size int) {
	random, text := benchSources()
	for i := range n {
		src := text
		if size >= 1<<20 && i%2 == 0 {
			src = random
		}
		sz := size/2 + rng.IntN(size)
		off := rng.IntN(len(src) - sz)
		w.file(fmt.Sprintf("%s/f%05d", dir, i), 0o644, src[off:off+sz])
	}
}

// benchSources are the sources of filler content: 8 MiB of random bytes,
// 8 MiB of text.
var benchSources = sync.OnceValues(func() ([]byte, []byte) {
	src := rand.NewChaCha8([32]byte{1})
	rng := rand.New(src)
	random := make([]byte, 8<<20)
	src.Read(random)
	words := strings.Fields("the quick brown fox jumps over the lazy dog package version install configure library module function return error value string number list map server client request response header body")
	var text strings.Builder
	for text.Len() < 8<<20 {
		text.WriteString(words[rng.IntN(len(words))])
		if rng.IntN(12) == 0 {
			text.WriteString(".\n")
		} else {
			text.WriteByte(' ')
		}
	}
	return random, []byte(text.String())
})

// setupBenchImages writes the benchmark's images under a temporary
// directory removed when the benchmark ends.
func setupBenchImages(b *testing.B) *benchImages {
	bi := &benchImages{dir: b.TempDir()}
	if err := bi.build(b); err != nil {
		b.Fatal(err)
	}
	return bi
}

func (bi *benchImages) build(b testing.TB) error {
	goBin, err := os.ReadFile(filepath.Join(runtime.GOROOT(), "bin", "go"))
	if err != nil {
		return err
	}
	gofmtBin, err := os.ReadFile(filepath.Join(runtime.GOROOT(), "bin", "gofmt"))
	if err != nil {
		return err
	}
	var oldSize, newSize int64
	layers := map[string]v1.Layer{}
	for _, version := range []string{"old", "new"} {
		isNew := version == "new"
		size := &oldSize
		if isNew {
			size = &newSize
		}
		seed := uint64(1)
		if isNew {
			seed = 2
		}
		rng := rand.New(rand.NewPCG(seed, 0))
		base, err := bi.layer(version+"-base", size, func(w *benchWriter) {
			var status strings.Builder
			for i := range benchDebs {
				v := fmt.Sprintf("1.%d.%d-%d", i%7, i, 1+i%3)
				switch {
				case isNew && i < 10:
					v += "+deb12u1"
				case isNew && i == 10:
					continue // removed
				}
				fmt.Fprintf(&status, "Package: pkg%03d\nStatus: install ok installed\nArchitecture: amd64\nVersion: %s\nDescription: benchmark package %d\n with a second line\n\n", i, v, i)
			}
			if isNew {
				status.WriteString("Package: pkg-new\nStatus: install ok installed\nArchitecture: amd64\nVersion: 0.1-1\n\n")
			}
			w.file("var/lib/dpkg/status", 0o644, []byte(status.String()))
			w.file("usr/bin/go", 0o755, goBin)
			w.file("usr/bin/gofmt", 0o755, gofmtBin)
			w.filler(rng, "usr/lib/x86_64-linux-gnu", 120, 1<<20)
			w.filler(rng, "usr/share/doc", 4000, 4<<10)
		})
		if err != nil {
			return err
		}
		rt, err := bi.layer(version+"-runtime", size, func(w *benchWriter) {
			for i := range benchPythons {
				v := fmt.Sprintf("2.%d.0", i)
				if isNew && i < 5 {
					v = fmt.Sprintf("2.%d.1", i)
				}
				d := fmt.Sprintf("usr/local/lib/python3.11/site-packages/dist%02d-%s.dist-info/", i, v)
				w.file(d+"METADATA", 0o644, fmt.Appendf(nil, "Metadata-Version: 2.1\nName: dist%02d\nVersion: %s\nSummary: benchmark\n\nlong description\n", i, v))
				_, text := benchSources()
				w.file(d+"RECORD", 0o644, text[:2000])
			}
			w.filler(rng, "usr/local/lib/python3.11/site-packages/code", 6000, 4<<10)
			w.filler(rng, "usr/local/lib/python3.11/lib-dynload", 30, 1<<20)
		})
		if err != nil {
			return err
		}
		app, err := bi.layer(version+"-app", size, func(w *benchWriter) {
			for i := range benchNodes {
				v := fmt.Sprintf("3.%d.0", i)
				if isNew && i < 10 {
					v = fmt.Sprintf("3.%d.1", i)
				}
				d := fmt.Sprintf("app/node_modules/mod%03d/", i)
				w.file(d+"package.json", 0o644, fmt.Appendf(nil, `{"name": "mod%03d", "version": %q, "main": "index.js"}`, i, v))
				w.filler(rng, d+"lib", 60, 3<<10)
			}
			w.filler(rng, "app/assets", 40, 1<<20)
		})
		if err != nil {
			return err
		}
		layers[version+"-base"], layers[version+"-runtime"], layers[version+"-app"] = base, rt, app
	}
	// The shared-base diff reads the old base once.
	sharedBase := bi.baseSize
	img := func(ls ...string) v1.Image {
		var vl []v1.Layer
		for _, l := range ls {
			vl = append(vl, layers[l])
		}
		return imageOf(b, vl...)
	}
	bi.old = img("old-base", "old-runtime", "old-app")
	bi.distinct = img("new-base", "new-runtime", "new-app")
	bi.shared = img("old-base", "new-runtime", "new-app")
	bi.bytesDistinct = oldSize + newSize
	bi.bytesShared = oldSize + newSize - sharedBase
	return nil
}

// measure runs a benchmark's loop and reports the peak memory it took: the
// heap's growth over what the process held before (sampled every
// millisecond), and the process's resident set (VmHWM, reset before the
// loop, so the benchmark binary's own footprint is in it).
func measure(b *testing.B, bytes int64, run func() error) {
	b.SetBytes(bytes)
	runtime.GC()
	debug.FreeOSMemory()
	resetPeakRSS()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	baseline := sample[0].Value.Uint64()
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	b.ResetTimer()
	for b.Loop() {
		if err := run(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	close(done)
	wg.Wait()
	b.ReportMetric(float64(peak.Load()-min(baseline, peak.Load()))/1e6, "peak-heap-MB")
	if rss := peakRSS(); rss > 0 {
		b.ReportMetric(float64(rss)/1e6, "peak-RSS-MB")
	}
}

// resetPeakRSS resets the kernel's record of the process's peak resident
// set (Linux: writing 5 to clear_refs).
func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS is the process's peak resident set in bytes (VmHWM), 0 when
// unknown.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func benchDiff(b *testing.B, bytes int64, oldRef, newRef string, wantChanges int, opts ...Option) {
	measure(b, bytes, func() error {
		d, err := Compare(context.Background(), oldRef, newRef, opts...)
		if err != nil {
			return err
		}
		if len(d.Changes) != wantChanges || len(d.Problems) > 0 {
			return fmt.Errorf("%d changes, %d problems; want %d changes", len(d.Changes), len(d.Problems), wantChanges)
		}
		return nil
	})
}

// benchDaemonDiff is benchDiff of two daemon images, read from the layer
// store or exported; it is skipped where the layer store is not read.
func benchDaemonDiff(b *testing.B, bytes int64, oldRef, newRef string, wantChanges int, layerStore bool) {
	if layerStore {
		d, err := Compare(context.Background(), oldRef, newRef)
		if err != nil {
			b.Fatal(err)
		}
		if d.New.Read.Method != FromLayerStore {
			b.Skipf("the layer store is not read here: %s", d.New.Read)
		}
	}
	benchDiff(b, bytes, oldRef, newRef, wantChanges, WithLayerStore(layerStore))
}

// perOp is the time one iteration of a finished benchmark took.
func perOp(b *testing.B) time.Duration {
	if b.N == 0 {
		return 0
	}
	return b.Elapsed() / time.Duration(b.N)
}

// BenchmarkDiff diffs two ~300 MB images with ~750 packages from each kind
// of source; with syft on PATH (or $SYFT), syft lists the same images'
// packages for comparison. Run with: go test -run '^$' -bench Diff
// -benchtime 1x ./harness/packages
func BenchmarkDiff(b *testing.B) {
	bi := setupBenchImages(b)
	layoutDir := ociLayout(b, map[string]v1.Image{"old": bi.old, "distinct": bi.distinct, "shared": bi.shared})
	oci := func(tag string) string { return "oci:" + layoutDir + ":" + tag }
	b.Run("oci-layout/distinct", func(b *testing.B) {
		benchDiff(b, bi.bytesDistinct, oci("old"), oci("distinct"), benchDistinctChanges)
	})
	b.Run("oci-layout/shared-base", func(b *testing.B) {
		benchDiff(b, bi.bytesShared, oci("old"), oci("shared"), benchSharedChanges)
	})
	b.Run("oci-layout/distinct/one-job", func(b *testing.B) {
		benchDiff(b, bi.bytesDistinct, oci("old"), oci("distinct"), benchDistinctChanges, WithJobs(1))
	})
	b.Run("registry/distinct", func(b *testing.B) {
		host := benchRegistry(b)
		benchDiff(b, bi.bytesDistinct, push(b, host, "bench:old", bi.old), push(b, host, "bench:distinct", bi.distinct), benchDistinctChanges)
	})
	if _, err := exec.LookPath("docker"); err == nil && exec.Command("docker", "info").Run() == nil {
		archive := benchLoad(b, bi)
		var save, export time.Duration
		b.Run("daemon/docker-save-only", func(b *testing.B) {
			// The floor of the export: the daemon writing both
			// images as a tar, read and thrown away.
			cli, err := client.New(client.FromEnv, client.WithAPIVersionNegotiation())
			if err != nil {
				b.Fatal(err)
			}
			defer cli.Close()
			measure(b, bi.bytesDistinct, func() error {
				rc, err := cli.ImageSave(context.Background(), []string{"postflight-bench:old", "postflight-bench:distinct"})
				if err != nil {
					return err
				}
				defer rc.Close()
				_, err = io.Copy(io.Discard, rc)
				return err
			})
			save = perOp(b)
		})
		b.Run("daemon/distinct/docker-save", func(b *testing.B) {
			benchDaemonDiff(b, bi.bytesDistinct, "postflight-bench:old", "postflight-bench:distinct", benchDistinctChanges, false)
			export = perOp(b)
		})
		b.Run("daemon/distinct/layer-store", func(b *testing.B) {
			benchDaemonDiff(b, bi.bytesDistinct, "postflight-bench:old", "postflight-bench:distinct", benchDistinctChanges, true)
			// Side by side: the layer store's time over docker save's
			// alone, and over the export's whole diff.
			if store := perOp(b); save > 0 && export > 0 {
				b.ReportMetric(float64(store)/float64(save), "x-save-alone")
				b.ReportMetric(float64(store)/float64(export), "x-export")
			}
		})
		b.Run("daemon/shared-base/layer-store", func(b *testing.B) {
			benchDaemonDiff(b, bi.bytesShared, "postflight-bench:old", "postflight-bench:shared", benchSharedChanges, true)
		})
		b.Run("daemon/shared-base/docker-save", func(b *testing.B) {
			benchDaemonDiff(b, bi.bytesShared, "postflight-bench:old", "postflight-bench:shared", benchSharedChanges, false)
		})
		b.Run("docker-archive/distinct", func(b *testing.B) {
			benchDiff(b, bi.bytesDistinct, "docker-archive:"+archive+":postflight-bench:old", "docker-archive:"+archive+":postflight-bench:distinct", benchDistinctChanges)
		})
	}
	syft := os.Getenv("SYFT")
	if syft == "" {
		syft, _ = exec.LookPath("syft")
	}
	if syft != "" {
		b.Run("syft/oci-layout/distinct", func(b *testing.B) {
			// syft lists one image at a time and reads a layout
			// directory holding one image: give it one of each.
			dirs := map[string]string{}
			for name, img := range map[string]v1.Image{"old": bi.old, "distinct": bi.distinct} {
				dirs[name] = ociLayout(b, map[string]v1.Image{"": img})
			}
			b.SetBytes(bi.bytesDistinct)
			var maxRSS int64
			for b.Loop() {
				for _, name := range []string{"old", "distinct"} {
					cmd := exec.Command(syft, "scan", "oci-dir:"+dirs[name], "-o", "json", "-q")
					cmd.Env = append(os.Environ(), "SYFT_CHECK_FOR_APP_UPDATE=false")
					var stderr strings.Builder
					cmd.Stdout, cmd.Stderr = io.Discard, &stderr
					if err := cmd.Run(); err != nil {
						b.Fatalf("syft: %v\n%s", err, stderr.String())
					}
					if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
						maxRSS = max(maxRSS, ru.Maxrss<<10)
					}
				}
			}
			b.ReportMetric(float64(maxRSS)/1e6, "peak-RSS-MB")
		})
	}
}

// benchLoad loads the benchmark's images into the daemon, removed when
// the benchmark ends, and writes what docker save makes of two of them
// (uncompressed layers) for the docker-archive benchmark.
func benchLoad(b *testing.B, bi *benchImages) string {
	tags := []string{"postflight-bench:old", "postflight-bench:distinct", "postflight-bench:shared"}
	p := dockerArchive(b, map[string]v1.Image{tags[0]: bi.old, tags[1]: bi.distinct, tags[2]: bi.shared})
	if out, err := exec.Command("docker", "load", "-q", "-i", p).CombinedOutput(); err != nil {
		b.Fatalf("docker load: %v\n%s", err, out)
	}
	b.Cleanup(func() { exec.Command("docker", append([]string{"image", "rm"}, tags...)...).Run() })
	os.Remove(p)
	archive := filepath.Join(bi.dir, "saved.tar")
	if out, err := exec.Command("docker", "save", "-o", archive, tags[0], tags[1]).CombinedOutput(); err != nil {
		b.Fatalf("docker save: %v\n%s", err, out)
	}
	return archive
}

// benchRegistry serves a registry in another process when Debian's
// docker-registry (distribution) is installed, so that the registry's
// memory is not counted as the diff's; otherwise the in-process one.
func benchRegistry(b *testing.B) string {
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		b.Log("docker-registry is not installed: the in-process registry's blobs count in the memory figures")
		return testRegistry(b)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	dir := b.TempDir()
	cfg := filepath.Join(dir, "config.yml")
	err = os.WriteFile(cfg, fmt.Appendf(nil, "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n", filepath.Join(dir, "data"), addr), 0o644)
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", cfg)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(10 * time.Second); ; {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			return addr
		}
		if time.Now().After(deadline) {
			b.Fatalf("docker-registry did not start: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
