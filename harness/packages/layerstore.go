package packages

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/moby/moby/api/types/image"
)

// overlayDrivers are the storage drivers whose layer directories hold each
// layer's own files, with overlay's whiteouts and opaque directories: what
// the layer's tar holds.
var overlayDrivers = []string{"overlay2", "fuse-overlayfs"}

// layerDirs returns the directories the daemon keeps an image's layers in,
// bottom first, or why they are not read: the daemon is not on this host,
// its storage driver is not an overlay one, or the directories cannot be
// read.
func (rd *reader) layerDirs(cli DockerClient, info image.InspectResponse) ([]string, string) {
	if !rd.o.layerStore {
		return nil, "reading the layer store is turned off"
	}
	h, ok := cli.(interface{ DaemonHost() string })
	if !ok {
		return nil, "the Docker client does not say where the daemon is"
	}
	if host := h.DaemonHost(); !strings.HasPrefix(host, "unix://") {
		return nil, fmt.Sprintf("the daemon at %s is not reached through a socket on this host", host)
	}
	if why := overlayReadable(); why != "" {
		return nil, why
	}
	gd := info.GraphDriver
	switch {
	case gd == nil || gd.Name == "":
		return nil, "the daemon names no storage driver for the image (the containerd image store)"
	case !slices.Contains(overlayDrivers, gd.Name):
		return nil, fmt.Sprintf("the daemon's storage driver is %s, not overlay2 or fuse-overlayfs", gd.Name)
	case gd.Data["UpperDir"] == "":
		return nil, "the daemon names no layer directory for the image"
	}
	// UpperDir is the top layer; LowerDir lists the others, topmost first.
	top := []string{gd.Data["UpperDir"]}
	if lower := gd.Data["LowerDir"]; lower != "" {
		top = append(top, strings.Split(lower, ":")...)
	}
	if len(top) != len(info.RootFS.Layers) {
		return nil, fmt.Sprintf("the daemon names %d layer directories for the image's %d layers", len(top), len(info.RootFS.Layers))
	}
	dirs := make([]string, len(top))
	for i, d := range top {
		if !filepath.IsAbs(d) {
			return nil, fmt.Sprintf("the layer directory %q is not an absolute path", d)
		}
		f, err := os.Open(d)
		if err != nil {
			return nil, fmt.Sprintf("cannot read the layer directory: %v", err)
		}
		fi, err := f.Stat()
		f.Close()
		if err != nil {
			return nil, fmt.Sprintf("cannot read the layer directory: %v", err)
		}
		if !fi.IsDir() {
			return nil, fmt.Sprintf("the layer directory %s is not a directory", d)
		}
		dirs[len(top)-1-i] = d
	}
	return dirs, ""
}

// overlayReadable says why the layer directories cannot be read faithfully
// by this process, or "" when they can: overlay2 marks opaque directories
// with trusted.* attributes, which only root in the host's user namespace
// can read (others read none, in silence).
func overlayReadable() string {
	if os.Geteuid() != 0 {
		return "postflight is not running as root, which reading the layer store needs (overlay's trusted.* attributes)"
	}
	b, err := os.ReadFile("/proc/self/uid_map")
	if err != nil {
		return fmt.Sprintf("cannot tell whether postflight runs in the host's user namespace: %v", err)
	}
	if f := strings.Fields(string(b)); len(f) != 3 || f[0] != "0" || f[1] != "0" || f[2] != "4294967295" {
		return "postflight runs in a user namespace, where overlay's trusted.* attributes cannot be read"
	}
	return ""
}
