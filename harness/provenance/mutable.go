package provenance

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/template"
	"gopkg.in/yaml.v3"

	"github.com/postflight/postflight/harness/compose"
	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/slo"
)

// KindMutableTags is the check kind of a compose file's tag scan.
const KindMutableTags = "mutable-tags"

// TagScan lists the images of a compose file's services and flags those
// named by a mutable tag.
type TagScan struct {
	File   string     `json:"file"`
	Images []ImageUse `json:"images"`

	Status   slo.Status `json:"status"`
	Expected string     `json:"expected"`
	Observed string     `json:"observed"`
	Reason   string     `json:"reason"`
}

// ImageUse is one service's image in a compose file.
type ImageUse struct {
	Service string `json:"service"`
	// Image is the value as written; Resolved after variable
	// interpolation (${TAG}), from the environment and the .env file
	// beside the compose file.
	Image    string `json:"image"`
	Resolved string `json:"resolved"`
	// Line and Column are where the value is written (1-based).
	Line   int `json:"line"`
	Column int `json:"column"`
	// Mutable says why the image can move ("tag latest"), "" if it cannot.
	Mutable string `json:"mutable,omitempty"`
}

// Flagged returns the images named by a mutable tag.
func (s *TagScan) Flagged() []ImageUse {
	var out []ImageUse
	for _, u := range s.Images {
		if u.Mutable != "" {
			out = append(out, u)
		}
	}
	return out
}

// Result is the check result; Name and Phase are the caller's to set.
func (s *TagScan) Result() result.Result {
	return result.Result{
		Kind: KindMutableTags, Target: s.File, Status: s.Status,
		Expected: s.Expected, Observed: s.Observed, Reason: s.Reason, Attempts: 1,
	}
}

// ScanTags reads a compose file and flags every service image named by a
// mutable tag: latest, no tag (which means latest), or a tag matching one
// of the patterns (path.Match globs: "stable", "main-*"). A digest pins an
// image whatever its tag. Services without an image (build only) are left
// out. The error is for a file that cannot be read or is not YAML.
func ScanTags(path string, patterns ...string) (*TagScan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read compose file: %w", err)
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		return nil, fmt.Errorf("parse compose file %s: %w", path, err)
	}
	dir := filepath.Dir(path)
	env, err := compose.Environment(dir)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", filepath.Join(dir, compose.DotEnvFile), err)
	}
	scan := &TagScan{File: path}
	services := lookup(root(&doc), "services")
	if services != nil && services.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(services.Content); i += 2 {
			name, svc := services.Content[i].Value, resolve(services.Content[i+1])
			img := lookup(svc, "image")
			if img == nil || img.Kind != yaml.ScalarNode || img.Value == "" {
				continue
			}
			use := ImageUse{Service: name, Image: img.Value, Resolved: interpolate(img.Value, env), Line: img.Line, Column: img.Column}
			use.Mutable = mutableTag(use.Resolved, patterns)
			scan.Images = append(scan.Images, use)
		}
	}
	scan.conclude(patterns)
	return scan, nil
}

// conclude decides the status and writes expected, observed and reason.
func (s *TagScan) conclude(patterns []string) {
	rule := "latest or no tag"
	if len(patterns) > 0 {
		rule = "latest, no tag, or " + strings.Join(patterns, ", ")
	}
	s.Expected = "every service image pinned by version tag or digest (mutable: " + rule + ")"
	flagged := s.Flagged()
	s.Observed = fmt.Sprintf("%d image(s), %d by a mutable tag", len(s.Images), len(flagged))
	// Every service image is a finding: pinned, or movable by its tag.
	findings := make([]slo.Finding, 0, len(s.Images))
	for _, u := range s.Images {
		if u.Mutable == "" {
			findings = append(findings, slo.Met("service "+u.Service+": image "+u.Resolved+" pinned"))
			continue
		}
		findings = append(findings, slo.Missed(fmt.Sprintf("%s:%d:%d: service %s: image %s: %s", s.File, u.Line, u.Column, u.Service, u.Resolved, u.Mutable)))
	}
	j := slo.Judge(findings, slo.Wording{
		Held:    func(slo.Judgement) string { return "no service image can move under its deployment" },
		Nothing: result.UnmeasuredPrefix + "the compose file names no service image",
	})
	s.Status, s.Reason = j.Status, j.Reason
}

// root is the top mapping of a document.
func root(doc *yaml.Node) *yaml.Node {
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		return resolve(doc.Content[0])
	}
	return resolve(doc)
}

// resolve follows an alias to its anchor.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// lookup finds key in a mapping, also in mappings merged into it (<<).
func lookup(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	var merged []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		switch {
		case k.Value == key:
			return resolve(v)
		case k.Value == "<<" || k.Tag == "!!merge":
			if v = resolve(v); v.Kind == yaml.SequenceNode {
				merged = append(merged, v.Content...)
			} else {
				merged = append(merged, v)
			}
		}
	}
	for _, src := range merged {
		if v := lookup(resolve(src), key); v != nil {
			return v
		}
	}
	return nil
}

// interpolate substitutes ${VAR} as compose does; a value that does not
// interpolate (a required variable unset) stays as written.
func interpolate(s string, env map[string]string) string {
	out, err := template.SubstituteWithOptions(s, func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}, template.WithoutLogging)
	if err != nil {
		return s
	}
	return out
}
