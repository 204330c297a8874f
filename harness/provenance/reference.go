package provenance

import (
	"path"
	"strings"
)

// reference is an image reference taken apart: "repo[:tag][@digest]".
type reference struct {
	Repository string
	Tag        string
	Digest     string
}

// parseReference takes an image reference apart without normalising it
// (no docker.io/library added): what a compose file or service spec says.
func parseReference(s string) reference {
	var r reference
	s, r.Digest, _ = strings.Cut(s, "@")
	if i := strings.LastIndex(s, ":"); i > strings.LastIndex(s, "/") {
		s, r.Tag = s[:i], s[i+1:]
	}
	r.Repository = s
	return r
}

// mutableTag says why a reference names a mutable image, "" when it does
// not: a digest pins it; no tag means latest; latest and any tag matching a
// pattern (a path.Match glob: "stable", "main-*") can move.
func mutableTag(s string, patterns []string) string {
	r := parseReference(s)
	switch {
	case r.Digest != "":
		return ""
	case r.Tag == "":
		return "no tag, which means latest"
	case r.Tag == "latest":
		return "tag latest"
	}
	for _, p := range patterns {
		if ok, _ := path.Match(p, r.Tag); ok {
			return "tag " + r.Tag + " (a mutable tag by rule " + p + ")"
		}
	}
	return ""
}

// short abbreviates a digest for text: "sha256:0123456789ab".
func short(digest string) string {
	algo, hex, ok := strings.Cut(digest, ":")
	if !ok || len(hex) <= 12 {
		return digest
	}
	return algo + ":" + hex[:12]
}
