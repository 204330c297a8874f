package registry_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/postflight/postflight/harness/registry"
	"github.com/postflight/postflight/harness/registry/registrytest"
	"github.com/postflight/postflight/internal/dockertest"
	"github.com/postflight/postflight/slo"
)

const demoImage = "postflight-demo:1.0.0"

func randomBytes(t testing.TB, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// pushLayered builds a local image of three random layers, pushes it as
// app:layered and returns its reference in the registry.
func pushLayered(t *testing.T, cli *client.Client, reg *registrytest.Registry) string {
	t.Helper()
	runID := registrytest.RunID(t)
	local := runID + ":layered"
	registrytest.BuildImage(t, cli, local, runID,
		randomBytes(t, 300<<10), randomBytes(t, 200<<10), randomBytes(t, 100<<10))
	reg.Push(t, cli, local, "app:layered")
	return reg.Ref("app:layered")
}

func verify(t *testing.T, c *registry.Client, ref string, platforms ...string) *registry.Integrity {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	in, err := c.Verify(ctx, ref, platforms...)
	if err != nil {
		t.Fatalf("verify %s: %v", ref, err)
	}
	return in
}

func TestVerifyPassesAnIntactImage(t *testing.T) {
	cli := dockertest.Client(t, demoImage)
	reg := registrytest.Start(t)
	ref := pushLayered(t, cli, reg)

	in := verify(t, registry.New(), ref)
	if in.Status != slo.Pass {
		t.Fatalf("status %s, want pass: %s", in.Status, in.Reason)
	}
	if len(in.Manifests) != 1 || len(in.Blobs) != 4 {
		t.Fatalf("got %d manifests and %d blobs, want 1 and 4 (config and 3 layers): %+v", len(in.Manifests), len(in.Blobs), in)
	}
	var size int64
	for _, b := range in.Blobs {
		if b.State != registry.Intact || b.Received != b.Size {
			t.Errorf("blob %s: %s, %d of %d bytes", b.Digest, b.State, b.Received, b.Size)
		}
		size += b.Size
	}
	if in.Received != size || size < 600<<10 {
		t.Errorf("received %d bytes, blobs hold %d", in.Received, size)
	}
	if in.Digest != reg.Digest(t, "app:layered") {
		t.Errorf("digest %s, the registry says %s", in.Digest, reg.Digest(t, "app:layered"))
	}
	if r := in.Result(); r.Kind != registry.Kind || r.Target != ref || r.Status != slo.Pass || r.Expected == "" || r.Observed == "" {
		t.Errorf("result %+v", r)
	}
}

// The Wikimedia incident: blobs deleted or cut short in the registry's
// storage while the manifests still resolve. A registry with the blob
// descriptor cache on (Debian's default) still announces the old sizes.
func TestVerifyNamesMissingTruncatedAndCorruptBlobs(t *testing.T) {
	cli := dockertest.Client(t, demoImage)
	for _, tc := range []struct {
		name string
		opts []registrytest.Option
	}{
		{"no cache", nil},
		{"blob descriptor cache", []registrytest.Option{registrytest.WithBlobDescriptorCache()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := registrytest.Start(t, tc.opts...)
			ref := pushLayered(t, cli, reg)
			c := registry.New()
			before := verify(t, c, ref) // also fills the registry's cache
			if before.Status != slo.Pass {
				t.Fatalf("before the damage: %s: %s", before.Status, before.Reason)
			}
			config, deleted, truncated, corrupted := before.Blobs[0], before.Blobs[1], before.Blobs[2], before.Blobs[3]
			if err := os.Remove(reg.BlobPath(deleted.Digest)); err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(reg.BlobPath(truncated.Digest), truncated.Size/2); err != nil {
				t.Fatal(err)
			}
			corrupt(t, reg.BlobPath(corrupted.Digest))

			if _, err := c.Resolve(context.Background(), ref); err != nil {
				t.Fatalf("the manifest should still resolve (manifest-only monitoring stays green): %v", err)
			}
			in := verify(t, registry.New(), ref)
			t.Logf("observed: %s\nreason: %s", in.Observed, in.Reason)
			if in.Status != slo.Fail {
				t.Fatalf("status %s, want fail: %s", in.Status, in.Reason)
			}
			want := map[string]registry.State{
				config.Digest: registry.Intact, deleted.Digest: registry.Missing,
				truncated.Digest: registry.Truncated, corrupted.Digest: registry.Corrupt,
			}
			for _, b := range in.Blobs {
				if b.State != want[b.Digest] {
					t.Errorf("blob %s (%s): %s (%s), want %s", b.Digest, b.Kind, b.State, b.Detail, want[b.Digest])
				}
			}
			if bad := in.Bad(); len(bad) != 3 {
				t.Errorf("Bad() = %d blobs, want 3", len(bad))
			}
			for _, d := range []string{deleted.Digest, truncated.Digest, corrupted.Digest} {
				if !strings.Contains(in.Reason, d) || !strings.Contains(in.Result().Observed, d) {
					t.Errorf("reason and observed should name %s:\nreason: %s\nobserved: %s", d, in.Reason, in.Result().Observed)
				}
			}
			if strings.Contains(in.Reason, config.Digest) {
				t.Errorf("reason names the intact config blob: %s", in.Reason)
			}
		})
	}
}

// corrupt flips bytes in the middle of a file, keeping its size.
func corrupt(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(b) / 2; i < len(b)/2+16 && i < len(b); i++ {
		b[i] ^= 0xff
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyFailsAReferenceTheRegistryDoesNotHave(t *testing.T) {
	cli := dockertest.Client(t, demoImage)
	reg := registrytest.Start(t)
	reg.Push(t, cli, demoImage, "app:1.0.0")

	in := verify(t, registry.New(), reg.Ref("app:9.9.9"))
	t.Logf("reason: %s", in.Reason)
	if in.Status != slo.Fail || len(in.Manifests) != 1 || in.Manifests[0].State != registry.Missing {
		t.Fatalf("status %s, manifests %+v; want fail with the manifest missing", in.Status, in.Manifests)
	}
	if !strings.Contains(in.Reason, "MANIFEST_UNKNOWN") {
		t.Errorf("reason should give the registry's answer: %s", in.Reason)
	}
}

// Platforms choose among an index's manifests; an image manifest is
// verified whole whatever is asked.
func TestVerifyChecksAnImageManifestWholeWhateverPlatformIsAsked(t *testing.T) {
	cli := dockertest.Client(t, demoImage)
	reg := registrytest.Start(t)
	reg.Push(t, cli, demoImage, "app:1.0.0")

	img, err := cli.ImageInspect(context.Background(), demoImage)
	if err != nil {
		t.Fatal(err)
	}
	blobs := len(img.RootFS.Layers) + 1 // the layers and the config
	single := verify(t, registry.New(), reg.Ref("app:1.0.0"), "linux/arm64")
	if single.Status != slo.Pass || len(single.Absent) != 0 || len(single.Blobs) != blobs {
		t.Errorf("single-platform image with a platform asked: %s, absent %v, %d blobs: %s", single.Status, single.Absent, len(single.Blobs), single.Reason)
	}
}

func TestVerifyIndexChecksEveryPlatformOrTheOnesAsked(t *testing.T) {
	reg := registrytest.Start(t)
	digest, blobs := reg.WriteIndex(t, "app:multi", 2, "linux/amd64", "linux/arm64")
	ref := reg.Ref("app:multi")

	all := verify(t, registry.New(), ref)
	if all.Status != slo.Pass || all.Digest != digest || len(all.Manifests) != 3 || len(all.Blobs) != 6 {
		t.Fatalf("all platforms: %s, digest %s (want %s), %d manifests, %d blobs; want pass, 3 and 6: %s",
			all.Status, all.Digest, digest, len(all.Manifests), len(all.Blobs), all.Reason)
	}

	// A blob only linux/amd64 has goes missing.
	if err := os.Remove(reg.BlobPath(blobs["linux/amd64"][1])); err != nil {
		t.Fatal(err)
	}
	arm := verify(t, registry.New(), ref, "linux/arm64")
	if arm.Status != slo.Pass || len(arm.Blobs) != 3 {
		t.Errorf("linux/arm64 only: %s with %d blobs, want pass with 3: %s", arm.Status, len(arm.Blobs), arm.Reason)
	}
	for _, b := range arm.Blobs {
		if !contains(blobs["linux/arm64"], b.Digest) {
			t.Errorf("linux/arm64 only: fetched %s, which is not linux/arm64's", b.Digest)
		}
	}
	again := verify(t, registry.New(), ref)
	if again.Status != slo.Fail || !strings.Contains(again.Reason, blobs["linux/amd64"][1]) {
		t.Errorf("all platforms after the loss: %s: %s; want fail naming %s", again.Status, again.Reason, blobs["linux/amd64"][1])
	}
	absent := verify(t, registry.New(), ref, "linux/s390x")
	if absent.Status != slo.Fail || len(absent.Absent) != 1 || !strings.Contains(absent.Reason, "linux/s390x") {
		t.Errorf("absent platform: %s, absent %v: %s; want fail naming linux/s390x", absent.Status, absent.Absent, absent.Reason)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// The Docker Hub incident: credential trouble is the registry's, not the
// image's. And credentials never show.
func TestVerifyAuthErrorsAreInconclusiveAndCredentialsNeverShow(t *testing.T) {
	cli := dockertest.Client(t, demoImage)
	const user, password, wrong = "pf-user-7f3a", "s3cret-Pa55-9d1e", "wr0ng-Pa55-4c2b"
	reg := registrytest.Start(t, registrytest.WithAuth(user, password))
	reg.Push(t, cli, demoImage, "app:1.0.0")
	ref := reg.Ref("app:1.0.0")

	for _, tc := range []struct {
		name   string
		setup  func(t *testing.T)
		status slo.Status
		reason string
	}{
		{"no credentials", func(t *testing.T) { registrytest.NoDockerConfig(t) },
			slo.Inconclusive, "no credentials for " + reg.Host},
		{"wrong password", func(t *testing.T) { reg.DockerConfig(t, user, wrong) },
			slo.Inconclusive, "with the credentials for " + reg.Host + " from the Docker config"},
		{"docker config", func(t *testing.T) { reg.DockerConfig(t, user, password) }, slo.Pass, ""},
		{"credential helper", func(t *testing.T) { reg.CredentialHelper(t, user, password) }, slo.Pass, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.setup(t)
			c := registry.New()
			in := verify(t, c, ref)
			t.Logf("reason: %s", in.Reason)
			if in.Status != tc.status {
				t.Fatalf("status %s, want %s: %s", in.Status, tc.status, in.Reason)
			}
			if tc.status == slo.Inconclusive {
				if in.Cause != registry.CauseAuth || !strings.Contains(in.Reason, tc.reason) || !strings.Contains(in.Reason, "401") {
					t.Errorf("cause %q, reason %q; want auth, 401 and %q", in.Cause, in.Reason, tc.reason)
				}
			}
			_, tagErr := c.Tags(context.Background(), reg.Ref("app"))
			if (tagErr != nil) != (tc.status != slo.Pass) || (tagErr != nil && !registry.Inconclusive(tagErr)) {
				t.Errorf("tags: %v", tagErr)
			}
			out, err := json.Marshal(struct {
				In  *registry.Integrity
				Res any
				Err string
			}{in, in.Result(), errText(tagErr)})
			if err != nil {
				t.Fatal(err)
			}
			for _, secret := range []string{password, wrong, user, basic(user, password), basic(user, wrong)} {
				if strings.Contains(string(out), secret) {
					t.Errorf("output holds a credential (%q):\n%s", secret, out)
				}
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestVerifyStoppedRegistryIsInconclusive(t *testing.T) {
	cli := dockertest.Client(t, demoImage)
	reg := registrytest.Start(t)
	reg.Push(t, cli, demoImage, "app:1.0.0")
	reg.Stop()

	in := verify(t, registry.New(), reg.Ref("app:1.0.0"))
	t.Logf("reason: %s", in.Reason)
	if in.Status != slo.Inconclusive || in.Cause != registry.CauseConnection {
		t.Fatalf("status %s, cause %q; want inconclusive, connection: %s", in.Status, in.Cause, in.Reason)
	}
	if !strings.Contains(in.Reason, "connection refused") {
		t.Errorf("reason should say the connection was refused: %s", in.Reason)
	}
}
