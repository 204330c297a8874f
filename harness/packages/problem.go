package packages

import (
	"fmt"
	"strings"
)

// Problem is something in an image that could not be read: a malformed
// database entry, a metadata file without a version, a database that does
// not open. A problem does not stop the rest of the image being read, but a
// package it names is left out of the diff (it is neither added nor
// removed: it is unknown), and a Policy never passes over it.
type Problem struct {
	// Image is the image reference as given.
	Image string `json:"image"`
	// Layer is the digest (diff ID) of the layer the file comes from.
	Layer string `json:"layer,omitempty"`
	// File is the file in the image, Line the line in it when known.
	File string `json:"file"`
	Line int    `json:"line,omitempty"`

	Ecosystem Ecosystem `json:"ecosystem"`
	// Package is the name of the package the entry is about, when known.
	Package string `json:"package,omitempty"`
	// Message says what is wrong.
	Message string `json:"message"`

	// whole is set when the file could not be read at all, so that none
	// of the packages it holds is known.
	whole bool
}

func (p Problem) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", p.Image, p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	if p.Layer != "" {
		fmt.Fprintf(&b, " (layer %s)", shortDigest(p.Layer))
	}
	b.WriteString(": ")
	if p.Package != "" {
		fmt.Fprintf(&b, "%s package %s: ", p.Ecosystem, p.Package)
	}
	b.WriteString(p.Message)
	return b.String()
}

// shortDigest shortens "sha256:0123456789ab..." to "sha256:0123456789ab".
func shortDigest(d string) string {
	algo, hex, ok := strings.Cut(d, ":")
	if ok && len(hex) > 12 {
		return algo + ":" + hex[:12]
	}
	return d
}
