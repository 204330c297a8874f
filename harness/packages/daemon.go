package packages

import (
	"context"
	"fmt"
	"slices"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/image"
	"github.com/moby/moby/client"
	"golang.org/x/sync/errgroup"

	"github.com/postflight/postflight/harness/daemon"
)

// readDaemon reads images from the local Docker daemon: from the layer
// directories of its overlay storage driver when postflight runs beside it
// and can read them (only the package files are opened), with docker save
// otherwise, or when reading the layer store fails. Both give the same
// inventory; its Image.Read says which was taken.
func (rd *reader) readDaemon(ctx context.Context, refs []Reference) ([]*Inventory, error) {
	cli, err := rd.dockerClient(ctx)
	if err != nil {
		return nil, fmt.Errorf("read image %s: %w", refs[0], err)
	}
	infos := make([]image.InspectResponse, len(refs))
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
		infos[i] = res.InspectResponse
	}
	invs := make([]*Inventory, len(refs))
	whys := make([]string, len(refs))
	stores := make([][]string, len(refs))
	for i := range refs {
		stores[i], whys[i] = rd.layerDirs(cli, infos[i])
	}
	if err := rd.readLayerStores(ctx, refs, infos, stores, invs, whys); err != nil {
		return nil, err
	}
	var export []int
	for i := range refs {
		if invs[i] == nil {
			export = append(export, i)
		}
	}
	if len(export) == 0 {
		return invs, nil
	}
	erefs := make([]Reference, len(export))
	einfos := make([]image.InspectResponse, len(export))
	for j, i := range export {
		erefs[j], einfos[j] = refs[i], infos[i]
	}
	einvs, err := rd.exportDaemon(ctx, cli, erefs, einfos)
	if err != nil {
		return nil, err
	}
	for j, i := range export {
		einvs[j].Image.Read = &DaemonRead{Method: FromExport, Why: whys[i]}
		invs[i] = einvs[j]
	}
	return invs, nil
}

// readLayerStores reads the images whose layer directories are known
// (stores[i] set) into invs, their layers several at once and a layer two
// images share once. An image whose directories cannot be read is left
// out, with why in whys, for docker save to read.
func (rd *reader) readLayerStores(ctx context.Context, refs []Reference, infos []image.InspectResponse, stores [][]string, invs []*Inventory, whys []string) error {
	indexes := make([][]*layerIndex, len(refs))
	errs := make([]error, len(refs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(rd.o.jobs)
	for i, dirs := range stores {
		if dirs == nil {
			continue
		}
		indexes[i] = make([]*layerIndex, len(dirs))
		for j, dir := range dirs {
			g.Go(func() error {
				idx, err := rd.shared(gctx, dir, func() (*layerIndex, error) { return scanLayerDir(gctx, dir, rd.budget) })
				if err != nil {
					if ctx.Err() != nil {
						return ctx.Err()
					}
					rd.mu.Lock()
					if errs[i] == nil {
						errs[i] = fmt.Errorf("layer %d/%d %s (%s): %w", j+1, len(dirs), shortDigest(infos[i].RootFS.Layers[j]), dir, err)
					}
					rd.mu.Unlock()
					return nil
				}
				indexes[i][j] = idx
				return nil
			})
		}
	}
	if err := g.Wait(); err != nil {
		return err
	}
	failed := false
	for i, dirs := range stores {
		switch {
		case dirs == nil:
		case errs[i] != nil:
			whys[i] = "reading the layer store failed: " + errs[i].Error()
			failed = true
		default:
			img := Image{Ref: refs[i].String(), ID: infos[i].ID, Layers: infos[i].RootFS.Layers, Read: &DaemonRead{Method: FromLayerStore}}
			invs[i] = newInventory(img, indexes[i])
		}
	}
	if failed {
		// The export is read on a budget of its own: what the failed
		// read spent is not the export's.
		rd.budget = newBudget()
	}
	return nil
}

// exportDaemon reads images from the local daemon with docker save. The
// daemon is trusted: layer digests are not recomputed. Images that share a
// layer come out of one save, which writes that layer once; images that
// share none are saved concurrently, which is faster where the daemon's
// export is the bottleneck (it reads every file of a layer).
func (rd *reader) exportDaemon(ctx context.Context, cli DockerClient, refs []Reference, infos []image.InspectResponse) ([]*Inventory, error) {
	// groups are the refs saved together, by index.
	groups := [][]int{{}}
	for i := range refs {
		groups[0] = append(groups[0], i)
	}
	if len(refs) == 2 && infos[0].ID != infos[1].ID && !sharesLayer(infos[0].RootFS.Layers, infos[1].RootFS.Layers) {
		groups = [][]int{{0}, {1}}
	}
	tars := make([]*imageTar, len(refs))
	g, gctx := errgroup.WithContext(ctx)
	for _, group := range groups {
		g.Go(func() error {
			var ids, names []string
			for _, i := range group {
				if !slices.Contains(ids, infos[i].ID) {
					ids = append(ids, infos[i].ID)
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
		img, layers, err := tars[i].image(r.String(), imageSelector{diffIDs: infos[i].RootFS.Layers}, rd.o.platform)
		if err != nil {
			return nil, fmt.Errorf("read image %s: docker save: %w", r, err)
		}
		img.ID = infos[i].ID
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
