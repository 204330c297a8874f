package provenance

import (
	"context"
	"errors"
	"fmt"

	"github.com/Masterminds/semver/v3"

	"github.com/postflight/postflight/harness/registry"
)

// Rule says which image a service should run. The zero Rule means the
// highest semantic-version tag of the repository the service was deployed
// from.
type Rule struct {
	// Image, when set, is the intended image: a tag or digest reference.
	Image string `json:"image,omitempty"`
	// Repository, when Image is empty, is the repository whose highest
	// semantic-version tag is intended; empty means the repository of the
	// image the service was deployed with.
	Repository string `json:"repository,omitempty"`
	// Prereleases lets pre-release tags (1.3.0-rc.1) be the highest.
	Prereleases bool `json:"prereleases,omitempty"`
	// Constraint, when set, keeps the highest version within a range
	// ("~1.4", "<2"), in Masterminds/semver syntax.
	Constraint string `json:"constraint,omitempty"`
}

// Intended is the image a rule names, resolved in the registry.
type Intended struct {
	// Reference is the intended image: the rule's Image, or the repository
	// with the chosen tag.
	Reference string `json:"reference"`
	// Digest is its manifest digest (the index's, for a multi-platform
	// image); Images its image manifests and image IDs per platform.
	Digest string           `json:"digest"`
	Images []registry.Image `json:"images"`
	// How says how it was chosen: "given", or "the highest of 4
	// semantic-version tags in localhost:5000/app (pre-releases excluded)".
	How string `json:"how"`
}

// ErrNoVersion: the repository has no tag that is a semantic version (and
// satisfies the rule).
var ErrNoVersion = errors.New("no semantic-version tag")

// Registry is what provenance asks of registries; *registry.Client has it.
type Registry interface {
	Tags(ctx context.Context, repository string) ([]string, error)
	Resolve(ctx context.Context, ref string) (*registry.Resolved, error)
}

var _ Registry = (*registry.Client)(nil)

// Intend resolves a rule for a service deployed as deployed (the image
// reference of its spec or containers). Errors are *registry.Error for a
// registry that could not be asked or lacks the image, ErrNoVersion, or a
// rule that does not parse.
func Intend(ctx context.Context, reg Registry, rule Rule, deployed string) (*Intended, error) {
	if rule.Image != "" {
		res, err := reg.Resolve(ctx, rule.Image)
		if err != nil {
			return nil, fmt.Errorf("resolve intended image %s: %w", rule.Image, err)
		}
		return &Intended{Reference: rule.Image, Digest: res.Digest, Images: res.Images, How: "given"}, nil
	}
	repo := rule.Repository
	if repo == "" {
		repo = parseReference(deployed).Repository
	}
	if repo == "" {
		return nil, errors.New("no repository to take the highest version from: the rule names none and the service has no image")
	}
	var constraint *semver.Constraints
	if rule.Constraint != "" {
		c, err := semver.NewConstraint(rule.Constraint)
		if err != nil {
			return nil, fmt.Errorf("parse version constraint %q: %w", rule.Constraint, err)
		}
		constraint = c
	}
	tags, err := reg.Tags(ctx, repo)
	if err != nil {
		return nil, fmt.Errorf("find the highest version in %s: %w", repo, err)
	}
	tag, n, ok := highestVersion(tags, rule.Prereleases, constraint)
	if !ok {
		return nil, fmt.Errorf("find the highest version in %s: %w among %d tags%s", repo, ErrNoVersion, len(tags), ruleNote(rule))
	}
	ref := repo + ":" + tag
	res, err := reg.Resolve(ctx, ref)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", ref, err)
	}
	how := fmt.Sprintf("the highest of %d semantic-version tags in %s%s", n, repo, ruleNote(rule))
	return &Intended{Reference: ref, Digest: res.Digest, Images: res.Images, How: how}, nil
}

// ruleNote says which versions a rule admits.
func ruleNote(r Rule) string {
	note := " (pre-releases excluded)"
	if r.Prereleases {
		note = " (pre-releases included)"
	}
	if r.Constraint != "" {
		note = note[:len(note)-1] + ", within " + r.Constraint + ")"
	}
	return note
}

// image returns the intended image for a platform ("linux/amd64").
func (in *Intended) image(platform string) (registry.Image, bool) {
	return (&registry.Resolved{Digest: in.Digest, Images: in.Images}).For(platform)
}

// String is "localhost:5000/app:1.2.0 (manifest sha256:0123456789ab)".
func (in *Intended) String() string {
	return fmt.Sprintf("%s (manifest %s)", in.Reference, short(in.Digest))
}
