// Package packages lists the packages installed in a container image and
// compares the lists of two images: what was added, removed, upgraded and
// downgraded, per ecosystem, with versions exactly as the package manager
// recorded them and ordered by that ecosystem's own rules. A Policy turns a
// comparison into a gate: changes nobody declared, removals, downgrades and
// major upgrades can each fail it.
//
// Images come from the local Docker daemon, a registry, a `docker save`
// tarball, an OCI image layout or a tarball of one (see ParseReference).
// Layers are applied in order with their whiteouts and opaque directories,
// each layer's tar is streamed once, and only package databases, package
// metadata files and the build information of executables are kept: an image
// is never extracted to disk. An image in the local daemon is read from the
// layer directories of its overlay storage driver (overlay2,
// fuse-overlayfs) when postflight runs beside the daemon as root: only the
// package files are opened there, and the parts of executables that hold
// no build information are seeked over. Otherwise it is exported with
// docker save; Image.Read says which, and why. The one file written is an RPM database,
// copied to a bounded, sparse temporary file while it is read.
//
// Image content is untrusted, and every read of it is bounded (limit.go):
// a file larger than its cataloger reads, or recording too many packages or
// malformed entries, is a Problem naming the file and the limit; too many
// entries in all, or a layer too large, is an error.
//
// Ecosystems: Debian dpkg (/var/lib/dpkg/status and status.d), Alpine apk
// (/lib/apk/db/installed), RPM (BerkeleyDB, NDB and SQLite databases, all
// read in pure Go), Python (*.dist-info and *.egg-info in site-packages and
// dist-packages), Node (node_modules/**/package.json) and Go (the build
// information of Go executables: main module, dependencies and toolchain).
//
// A malformed entry of a package database is reported as a Problem naming
// the image, layer, file and line, and does not hide the rest of the diff;
// an image that cannot be read at all is an error naming the image and the
// layer or file.
package packages
