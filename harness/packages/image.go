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
}
