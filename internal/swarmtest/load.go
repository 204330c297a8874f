package swarmtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/moby/moby/api/types/jsonstream"
	"github.com/moby/moby/client"
)

// Load copies images from the host's daemon into every node (docker save,
// then docker load on each node at once).
func (c *Cluster) Load(ctx context.Context, images ...string) error {
	if len(images) == 0 {
		return nil
	}
	saved, err := save(ctx, c.host, images)
	if err != nil {
		return err
	}
	defer saved.Close()
	return each(len(c.Nodes), func(i int) error { return c.Nodes[i].load(ctx, saved, images) })
}

// savedImages are images saved from the host's daemon to a file, to be
// loaded into nodes.
type savedImages struct{ f *os.File }

func (s *savedImages) Close() error {
	if s == nil {
		return nil
	}
	s.f.Close()
	return os.Remove(s.f.Name())
}

// save saves images from the host's daemon (docker save) to a temporary
// file; nil when there are none.
func save(ctx context.Context, host *client.Client, images []string) (*savedImages, error) {
	if len(images) == 0 {
		return nil, nil
	}
	f, err := os.CreateTemp("", "swarmtest-images-*.tar")
	if err != nil {
		return nil, fmt.Errorf("save %v for the swarm's nodes: %w", images, err)
	}
	s := &savedImages{f: f}
	rc, err := host.ImageSave(ctx, images)
	if err == nil {
		_, err = io.Copy(f, rc)
		rc.Close()
	}
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("save %v for the swarm's nodes: %w", images, err)
	}
	return s, nil
}

// load loads saved images into the node (docker load).
func (n *Node) load(ctx context.Context, s *savedImages, images []string) error {
	if s == nil {
		return nil
	}
	res, err := n.Client.ImageLoad(ctx, io.NewSectionReader(s.f, 0, 1<<62), client.ImageLoadWithQuiet(true))
	if err != nil {
		return fmt.Errorf("load %v into node %s: %w", images, n.Hostname, err)
	}
	defer res.Close()
	// The load goes on until its answer is read; an error comes as a JSON
	// message in it.
	out, err := io.ReadAll(res)
	if err != nil {
		return fmt.Errorf("load %v into node %s: %w", images, n.Hostname, err)
	}
	if msg := loadError(out); msg != "" {
		return fmt.Errorf("load %v into node %s: %s", images, n.Hostname, msg)
	}
	return nil
}

// loadError is the error a load answered with, if any.
func loadError(out []byte) string {
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var m jsonstream.Message
		if err := dec.Decode(&m); err != nil {
			return "" // the end, or not a JSON stream (an old engine's plain text)
		}
		if m.Error != nil {
			return m.Error.Message
		}
	}
}
