package rollback

import (
	"maps"
	"reflect"
	"slices"
	"strings"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"
)

// containerSpec is how to create a container again with another image.
type containerSpec struct {
	config *container.Config
	host   *container.HostConfig
	// primary is the network the container is created on (Docker API 1.41
	// takes one); the others are connected before it starts.
	primary   string
	endpoints map[string]*network.EndpointSettings
}

// respec returns the spec of a container like c, with image instead of
// c's. What c got from its image (environment, command, entrypoint,
// labels, exposed ports, volumes, healthcheck, working directory, user,
// stop signal) is left to image to set again; everything c was given
// explicitly is kept: environment, mounts (anonymous volumes included, by
// name, so data survives), networks with their aliases and static
// addresses, published ports, labels, restart policy, command,
// entrypoint, healthcheck and the rest of its host configuration. from is
// the config of c's image.
func respec(c container.InspectResponse, from *dockerspec.DockerOCIImageConfig, image string) containerSpec {
	if from == nil {
		from = &dockerspec.DockerOCIImageConfig{}
	}
	cfg := *c.Config
	cfg.Image = image
	if cfg.Hostname == shortID(c.ID) {
		cfg.Hostname = ""
	}
	cfg.Env = without(cfg.Env, from.Env)
	if slices.Equal(cfg.Cmd, from.Cmd) {
		cfg.Cmd = nil
	}
	if slices.Equal(cfg.Entrypoint, from.Entrypoint) {
		cfg.Entrypoint = nil
	}
	cfg.Labels = maps.Clone(cfg.Labels)
	maps.DeleteFunc(cfg.Labels, func(k, v string) bool { w, ok := from.Labels[k]; return ok && w == v })
	cfg.ExposedPorts = maps.Clone(cfg.ExposedPorts)
	maps.DeleteFunc(cfg.ExposedPorts, func(p network.Port, _ struct{}) bool { _, ok := from.ExposedPorts[p.String()]; return ok })
	cfg.Volumes = maps.Clone(cfg.Volumes)
	maps.DeleteFunc(cfg.Volumes, func(v string, _ struct{}) bool { _, ok := from.Volumes[v]; return ok })
	if cfg.Healthcheck != nil && from.Healthcheck != nil && reflect.DeepEqual(*cfg.Healthcheck, *from.Healthcheck) {
		cfg.Healthcheck = nil
	}
	if cfg.WorkingDir == from.WorkingDir {
		cfg.WorkingDir = ""
	}
	if cfg.User == from.User {
		cfg.User = ""
	}
	if cfg.StopSignal == from.StopSignal {
		cfg.StopSignal = ""
	}
	if slices.Equal(cfg.Shell, from.Shell) {
		cfg.Shell = nil
	}
	if slices.Equal(cfg.OnBuild, from.OnBuild) {
		cfg.OnBuild = nil
	}
	cfg.ArgsEscaped = false

	host := *c.HostConfig
	host.Mounts = append(slices.Clone(host.Mounts), anonymousVolumes(c)...)

	spec := containerSpec{config: &cfg, host: &host, endpoints: map[string]*network.EndpointSettings{}}
	for name, es := range c.NetworkSettings.Networks {
		spec.endpoints[name] = endpoint(c, es)
	}
	mode := string(host.NetworkMode)
	for name, es := range c.NetworkSettings.Networks {
		if name == mode || es.NetworkID == mode {
			spec.primary = name
		}
	}
	if spec.primary == "" && len(spec.endpoints) > 0 && !host.NetworkMode.IsContainer() {
		spec.primary = slices.Sorted(maps.Keys(spec.endpoints))[0]
	}
	return spec
}

// endpoint is the configured part of a container's network endpoint: the
// addresses Docker assigned and the alias it added (the container's short
// ID) are left for the new container to get.
func endpoint(c container.InspectResponse, es *network.EndpointSettings) *network.EndpointSettings {
	if es == nil {
		return &network.EndpointSettings{}
	}
	return &network.EndpointSettings{
		IPAMConfig: es.IPAMConfig,
		Links:      slices.Clone(es.Links),
		Aliases:    slices.DeleteFunc(slices.Clone(es.Aliases), func(a string) bool { return a == shortID(c.ID) }),
		DriverOpts: maps.Clone(es.DriverOpts),
	}
}

// anonymousVolumes are c's volumes that came from its image rather than
// from its configuration: mounted again by name, so the new container keeps
// their data.
func anonymousVolumes(c container.InspectResponse) []mount.Mount {
	configured := map[string]bool{}
	for _, b := range c.HostConfig.Binds {
		parts := strings.Split(b, ":")
		if len(parts) >= 2 {
			configured[parts[1]] = true
		}
	}
	for _, m := range c.HostConfig.Mounts {
		configured[m.Target] = true
	}
	var out []mount.Mount
	for _, m := range c.Mounts {
		if m.Type != mount.TypeVolume || m.Name == "" || configured[m.Destination] {
			continue
		}
		out = append(out, mount.Mount{Type: mount.TypeVolume, Source: m.Name, Target: m.Destination, ReadOnly: !m.RW})
	}
	return out
}

// without returns the entries of list that are not in drop.
func without(list, drop []string) []string {
	var out []string
	for _, e := range list {
		if !slices.Contains(drop, e) {
			out = append(out, e)
		}
	}
	return out
}
