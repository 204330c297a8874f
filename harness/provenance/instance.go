package provenance

import (
	"context"
	"fmt"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/postflight/postflight/harness/registry"
	"github.com/postflight/postflight/slo"
)

// Instance is one container of a compose service, or one task of a Swarm
// service, and the image it runs.
type Instance struct {
	// Name is the container's name, or the task's ("web.1").
	Name string `json:"name"`
	// Container is the container's ID, when it is on this host.
	Container string `json:"container,omitempty"`
	// Task and Node are the Swarm task's and its node's IDs.
	Task string `json:"task,omitempty"`
	Node string `json:"node,omitempty"`
	// State is the container's or task's state ("running").
	State string `json:"state"`
	// ImageID is the ID of the image the container runs: its config digest
	// (its manifest digest with the containerd image store).
	ImageID string `json:"image_id,omitempty"`
	// Platform is that image's "os/arch[/variant]".
	Platform string `json:"platform,omitempty"`
	// LocalTags are the tags that image has on this host.
	LocalTags []string `json:"local_tags,omitempty"`
	// Pinned is the manifest digest the task's spec pins, when it does.
	Pinned string `json:"pinned,omitempty"`

	Status slo.Status `json:"status"`
	Reason string     `json:"reason"`

	// unseen says why what the instance runs could not be looked at
	// (a task not running); "" when it could.
	unseen string
}

// found records the instance's finding, as judged alone.
func (i *Instance) found(f slo.Finding) slo.Finding {
	j := f.Judge()
	i.Status, i.Reason = j.Status, j.Reason
	return f
}

// runs describes what the instance runs, for text.
func (i *Instance) runs() string {
	switch {
	case i.ImageID != "" && len(i.LocalTags) > 0:
		return fmt.Sprintf("%s (tagged %s here)", short(i.ImageID), strings.Join(i.LocalTags, ", "))
	case i.ImageID != "":
		return short(i.ImageID) + " (untagged here)"
	case i.Pinned != "":
		return "manifest " + short(i.Pinned)
	default:
		return "an image this host cannot see"
	}
}

// fromContainer fills in what the container with id runs. A container
// that is not on this host leaves the instance as it is and reports false.
func fromContainer(ctx context.Context, docker Docker, id string, inst *Instance) (bool, error) {
	c, err := docker.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("inspect container %s: %w", id, err)
	}
	inst.Container = c.Container.ID
	if inst.Name == "" {
		inst.Name = strings.TrimPrefix(c.Container.Name, "/")
	}
	if inst.State == "" && c.Container.State != nil {
		inst.State = string(c.Container.State.Status)
	}
	inst.ImageID = c.Container.Image
	img, err := docker.ImageInspect(ctx, c.Container.Image)
	if err != nil && !cerrdefs.IsNotFound(err) {
		return false, fmt.Errorf("inspect image %s: %w", c.Container.Image, err)
	}
	if err == nil {
		inst.Platform = platform(img.Os, img.Architecture, img.Variant)
		inst.LocalTags = img.RepoTags
	}
	return true, nil
}

// platform is "os/arch[/variant]".
func platform(os, arch, variant string) string {
	p := os + "/" + arch
	if variant != "" {
		p += "/" + variant
	}
	return p
}

// judge compares what the instance runs with the intended image.
func (i *Instance) judge(want *Intended) slo.Finding {
	return i.found(i.compare(want))
}

// compare finds whether what the instance runs is the intended image.
func (i *Instance) compare(want *Intended) slo.Finding {
	switch {
	case i.unseen != "":
		return slo.NotMeasured(i.unseen)
	case i.ImageID != "":
		img, ok := want.image(i.Platform)
		switch {
		case !ok:
			return slo.Missed(fmt.Sprintf("runs %s for %s; %s has no image for that platform", i.runs(), i.Platform, want))
		case sameImage(i.ImageID, img, want.Digest):
			return slo.Met("runs " + want.String())
		}
		return slo.Missed(fmt.Sprintf("runs %s, not %s (image %s, manifest %s)",
			i.runs(), want.Reference, short(img.Config), short(want.Digest)))
	case i.Pinned != "":
		if i.Pinned == want.Digest || want.hasManifest(i.Pinned) {
			return slo.Met("pinned to " + want.String())
		}
		return slo.Missed(fmt.Sprintf("pinned to manifest %s, not %s", short(i.Pinned), want))
	}
	return slo.NotMeasured("its container is on another node and its spec pins no digest")
}

// hasManifest reports whether digest is one of the intended image manifests.
func (in *Intended) hasManifest(digest string) bool {
	for _, img := range in.Images {
		if img.Digest == digest {
			return true
		}
	}
	return false
}

// sameImage reports whether a local image ID names the registry image: the
// config digest with Docker's own image store, the manifest (or index)
// digest with the containerd image store.
func sameImage(id string, img registry.Image, top string) bool {
	return id == img.Config || id == img.Digest || id == top
}
