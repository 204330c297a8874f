package packages

import (
	"context"
	"fmt"
	"slices"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"golang.org/x/sync/errgroup"

	"github.com/postflight/postflight/harness/daemon"
)

// readDaemon reads images from the local Docker daemon with docker save.
// The daemon is trusted: layer digests are not recomputed. Images that
// share a layer come out of one save, which writes that layer once; images
// that share none are saved concurrently, which is faster where the
// daemon's export is the bottleneck (it reads every file of a layer).
func (rd *reader) readDaemon(ctx context.Context, refs []Reference) ([]*Inventory, error) {
	cli, err := rd.dockerClient(ctx)
	if err != nil {
		return nil, fmt.Errorf("read image %s: %w", refs[0], err)
	}
	type inspected struct {
		id      string
		diffIDs []string
	}
	infos := make([]inspected, len(refs))
	for i, r := range refs {
		res, err := cli.ImageInspect(ctx, r.Name)
		switch {
		case cerrdefs.IsNotFound(err):
			return nil, fmt.Errorf("read image %s: no such image in the local Docker daemon (postflight does not pull: build or pull it first, or read it from its registry as docker://%s)", r, r.Name)
		case client.IsErrConnectionFailed(err):
			return nil, fmt.Errorf("read image %s: cannot reach the Docker daemon: %w", r, err)
		case err != nil:
			return nil, fmt.Errorf("read image %s: inspect: %w", r, err)
		}
		infos[i] = inspected{res.ID, res.RootFS.Layers}
	}
	// groups are the refs saved together, by index.
	groups := [][]int{{}}
	for i := range refs {
		groups[0] = append(groups[0], i)
	}
	if len(refs) == 2 && infos[0].id != infos[1].id && !sharesLayer(infos[0].diffIDs, infos[1].diffIDs) {
		groups = [][]int{{0}, {1}}
	}
	tars := make([]*imageTar, len(refs))
	g, gctx := errgroup.WithContext(ctx)
	for _, group := range groups {
		g.Go(func() error {
			var ids, names []string
			for _, i := range group {
				if !slices.Contains(ids, infos[i].id) {
					ids = append(ids, infos[i].id)
				}
				names = append(names, refs[i].String())
			}
			what := strings.Join(names, " and ")
			rc, err := cli.ImageSave(gctx, ids)
			if err != nil {
				return fmt.Errorf("read image %s: docker save: %w", what, err)
			}
			defer rc.Close()
			t, err := readImageTar(gctx, rc, false, rd.budget)
			if err != nil {
				return fmt.Errorf("read image %s: docker save: %w", what, err)
			}
			for _, i := range group {
				tars[i] = t
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	invs := make([]*Inventory, len(refs))
	for i, r := range refs {
		img, layers, err := tars[i].image(r.String(), imageSelector{diffIDs: infos[i].diffIDs}, rd.o.platform)
		if err != nil {
			return nil, fmt.Errorf("read image %s: docker save: %w", r, err)
		}
		img.ID = infos[i].id
		invs[i] = newInventory(img, layers)
	}
	return invs, nil
}

// sharesLayer reports whether two images have a layer in common.
func sharesLayer(a, b []string) bool {
	for _, l := range a {
		if slices.Contains(b, l) {
			return true
		}
	}
	return false
}

// dockerClient is the client the options gave, or one configured from the
// environment, closed with the reader.
func (rd *reader) dockerClient(ctx context.Context) (DockerClient, error) {
	if rd.o.docker != nil {
		return rd.o.docker, nil
	}
	c, err := daemon.Client(ctx, "")
	if err != nil {
		return nil, err
	}
	rd.o.docker = c
	rd.closers = append(rd.closers, c.Close)
	return c, nil
}
