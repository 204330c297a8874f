package packages

// Image identifies the image an inventory was read from.
type Image struct {
	// Ref is the reference as given.
	Ref string `json:"ref"`
	// ID is the digest of the image's config: Docker's image ID.
	ID string `json:"id"`
	// Digest is the manifest's digest, when the image has a manifest of
	// its own (registries, OCI layouts).
	Digest string `json:"digest,omitempty"`
	// Layers are the diff IDs of the layers, bottom first.
	Layers []string `json:"layers"`
	// Read says how an image in the local daemon was read; nil for the
	// other sources.
	Read *DaemonRead `json:"read,omitempty"`
}

// How an image in the local daemon is read.
const (
	// FromLayerStore is reading the layer directories the daemon's
	// overlay storage driver keeps, the package files only.
	FromLayerStore = "layer-store"
	// FromExport is reading the tar docker save exports: every file of
	// every layer.
	FromExport = "docker-save"
)

// DaemonRead says how an image in the local daemon was read, and why not
// from the layer store when it was exported.
type DaemonRead struct {
	Method string `json:"method"`
	// Why the layer store was not read, for an export.
	Why string `json:"why,omitempty"`
}

func (r DaemonRead) String() string {
	if r.Method == FromLayerStore {
		return "read from the daemon's layer store"
	}
	if r.Why == "" {
		return "exported with docker save"
	}
	return "exported with docker save: " + r.Why
}
