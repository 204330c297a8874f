package packages

import (
	"fmt"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// Transport says where an image comes from. The names are skopeo's.
type Transport string

// Transports.
const (
	// Daemon is the local Docker daemon: an image name, name:tag,
	// name@digest or image ID, as `docker image ls` shows them. A reference
	// without a transport prefix is one.
	Daemon Transport = "docker-daemon"
	// Registry is a registry, reached over HTTPS (plain HTTP for
	// localhost and 127.0.0.1) with the credentials of `docker login`.
	Registry Transport = "docker"
	// DockerArchive is a tarball written by `docker save` (gzip or zstd
	// compressed too); an OCI image layout in a tar is read as well.
	DockerArchive Transport = "docker-archive"
	// OCIArchive is an OCI image layout in a tar; a `docker save` tarball
	// is read as well.
	OCIArchive Transport = "oci-archive"
	// OCILayout is an OCI image layout directory.
	OCILayout Transport = "oci"
)

// ReferenceSyntax documents the reference syntax, for help texts.
const ReferenceSyntax = `  NAME[:TAG|@DIGEST], docker-daemon:NAME[:TAG|@DIGEST]
      an image in the local Docker daemon (name, name:tag, name@digest or
      image ID); this is the default: postflight never pulls
  docker://[REGISTRY/]NAME[:TAG|@DIGEST]
      an image in a registry, with the credentials of docker login; plain
      HTTP for localhost and 127.0.0.1; a multi-platform image gives its
      linux image for this machine's architecture
  docker-archive:PATH[:NAME:TAG], oci-archive:PATH[:NAME:TAG]
      a tarball written by docker save (compressed with gzip or zstd too) or
      an OCI image layout in a tar; NAME:TAG picks one image out of several
  oci:DIR[:NAME:TAG]
      an OCI image layout directory; NAME:TAG picks one image by its
      org.opencontainers.image.ref.name annotation`

// Reference names an image and where it comes from.
type Reference struct {
	Transport Transport
	// Name is the image name (daemon, registry) or the path with its
	// optional ":NAME:TAG" selector (archives, layouts).
	Name string

	raw string
}

// String is the reference as given.
func (r Reference) String() string {
	if r.raw != "" {
		return r.raw
	}
	if r.Transport == Daemon {
		return r.Name
	}
	if r.Transport == Registry {
		return "docker://" + r.Name
	}
	return string(r.Transport) + ":" + r.Name
}

// ParseReference reads an image reference (see ReferenceSyntax).
func ParseReference(s string) (Reference, error) {
	r := Reference{Transport: Daemon, Name: s, raw: s}
	if rest, ok := strings.CutPrefix(s, "docker://"); ok {
		r.Transport, r.Name = Registry, rest
	} else {
		for _, t := range []Transport{Daemon, DockerArchive, OCIArchive, OCILayout} {
			if rest, ok := strings.CutPrefix(s, string(t)+":"); ok {
				r.Transport, r.Name = t, rest
				break
			}
		}
	}
	if r.Name == "" {
		return Reference{}, fmt.Errorf("image reference %q names no image", s)
	}
	switch r.Transport {
	case Daemon:
		if strings.ContainsAny(r.Name, " \t\n") || strings.Contains(r.Name, "://") {
			return Reference{}, fmt.Errorf("image reference %q is not an image name (for a registry, write docker://NAME)", s)
		}
	case Registry:
		if _, err := name.ParseReference(r.Name); err != nil {
			return Reference{}, fmt.Errorf("image reference %q: %w", s, err)
		}
	}
	return r, nil
}

// pathAndSelector splits an archive or layout reference into the path and
// the optional NAME:TAG that picks an image in it. The path is the whole
// name when such a file exists, the part before the first colon otherwise.
func (r Reference) pathAndSelector() (string, string) {
	if _, err := os.Stat(r.Name); err == nil {
		return r.Name, ""
	}
	p, sel, ok := strings.Cut(r.Name, ":")
	if !ok {
		return r.Name, ""
	}
	return p, sel
}
