package packages

import (
	"context"
	"fmt"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// readDaemon reads images from the local Docker daemon. All of them come
// out of one `docker save`, so a layer they share streams once. The daemon
// is trusted: layer digests are not recomputed.
func (rd *reader) readDaemon(ctx context.Context, refs []Reference) ([]*Inventory, error) {
	cli, err := rd.dockerClient()
	if err != nil {
		return nil, fmt.Errorf("read image %s: %w", refs[0], err)
	}
	type inspected struct {
		id      string
		diffIDs []string
	}
	infos := make([]inspected, len(refs))
	var ids []string
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
		if !contains(ids, res.ID) {
			ids = append(ids, res.ID)
		}
	}
	names := make([]string, len(refs))
	for i, r := range refs {
		names[i] = r.String()
	}
	what := strings.Join(names, " and ")
	rc, err := cli.ImageSave(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("read image %s: docker save: %w", what, err)
	}
	defer rc.Close()
	t, err := readImageTar(ctx, rc, false)
	if err != nil {
		return nil, fmt.Errorf("read image %s: docker save: %w", what, err)
	}
	invs := make([]*Inventory, len(refs))
	for i, r := range refs {
		img, layers, err := t.image(r.String(), imageSelector{diffIDs: infos[i].diffIDs}, rd.o.platform)
		if err != nil {
			return nil, fmt.Errorf("read image %s: docker save: %w", r, err)
		}
		img.ID = infos[i].id
		invs[i] = newInventory(img, layers)
	}
	return invs, nil
}

// dockerClient is the client the options gave, or one configured from the
// environment, closed with the reader.
func (rd *reader) dockerClient() (DockerClient, error) {
	if rd.o.docker != nil {
		return rd.o.docker, nil
	}
	c, err := client.New(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("connect to docker: %w", err)
	}
	rd.o.docker = c
	rd.closers = append(rd.closers, c.Close)
	return c, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
