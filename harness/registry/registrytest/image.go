package registrytest

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"
)

// BuildImage builds a local image FROM scratch with one layer per file
// (each a COPY of the given bytes), labelled as the run's, and removes it
// when the test ends. It returns the image ID.
func BuildImage(t testing.TB, cli *client.Client, tag, runID string, layers ...[]byte) string {
	t.Helper()
	ctx := context.Background()
	var dockerfile strings.Builder
	dockerfile.WriteString("FROM scratch\n")
	files := map[string][]byte{}
	for i, data := range layers {
		name := fmt.Sprintf("layer%02d", i)
		files[name] = data
		fmt.Fprintf(&dockerfile, "COPY %s /%s\n", name, name)
	}
	files["Dockerfile"] = []byte(dockerfile.String())
	var buildContext bytes.Buffer
	tw := tar.NewWriter(&buildContext)
	for name, data := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	res, err := cli.ImageBuild(ctx, &buildContext, client.ImageBuildOptions{
		Tags: []string{tag}, Labels: Labels(runID), Remove: true, ForceRemove: true,
		Version: build.BuilderV1,
	})
	if err != nil {
		t.Fatalf("build %s: %v", tag, err)
	}
	out, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatalf("build %s: %v", tag, err)
	}
	if bytes.Contains(out, []byte(`"error"`)) {
		t.Fatalf("build %s: %s", tag, out)
	}
	img, err := cli.ImageInspect(ctx, tag)
	if err != nil {
		t.Fatalf("inspect %s: %v", tag, err)
	}
	t.Cleanup(func() {
		_, err := cli.ImageRemove(context.Background(), img.ID, client.ImageRemoveOptions{Force: true, PruneChildren: true})
		if err != nil {
			t.Errorf("remove image %s: %v", tag, err)
		}
	})
	return img.ID
}
