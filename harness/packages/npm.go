package packages

import (
	"context"
	"encoding/json"
	"io"
	"path"
	"strings"
)

// npmCataloger reads the package.json of every package installed in a
// node_modules directory, nested ones included
// (node_modules/a/node_modules/b/package.json, node_modules/@scope/c/package.json).
type npmCataloger struct{}

func (npmCataloger) wants(p string, _ int64) bool {
	_, ok := npmPackageName(p)
	return ok
}

// npmPackageName is the package name a package.json's place gives:
// node_modules/NAME/package.json or node_modules/@SCOPE/NAME/package.json.
// Other package.json files under node_modules (a package's own
// sub-directories) do not describe an installed package.
func npmPackageName(p string) (string, bool) {
	dir, base := path.Split(p)
	if base != "package.json" {
		return "", false
	}
	parts := strings.Split(strings.Trim(dir, "/"), "/")
	n := len(parts)
	switch {
	case n >= 2 && parts[n-2] == "node_modules" && validNPMPart(parts[n-1]) && !strings.HasPrefix(parts[n-1], "@"):
		return parts[n-1], true
	case n >= 3 && parts[n-3] == "node_modules" && strings.HasPrefix(parts[n-2], "@") && validNPMPart(parts[n-2][1:]) && validNPMPart(parts[n-1]):
		return parts[n-2] + "/" + parts[n-1], true
	}
	return "", false
}

// validNPMPart rules out node_modules/.bin, .pnpm, .cache and the like.
func validNPMPart(s string) bool {
	return s != "" && !strings.HasPrefix(s, ".") && s != "node_modules"
}

func (npmCataloger) ecosystem() Ecosystem { return NPM }

func (npmCataloger) maxSize(string) int64 { return maxMetadataSize }

func (npmCataloger) read(_ context.Context, p string, r io.Reader) (*record, error) {
	rec := &record{ecosystem: NPM}
	dirName, _ := npmPackageName(p)
	sr := &streamReader{r: r}
	data, err := io.ReadAll(io.LimitReader(sr, maxMetadataSize+1))
	if sr.err != nil {
		return nil, sr.err
	}
	if err != nil {
		return nil, err
	}
	if len(data) > maxMetadataSize {
		rec.problem(p, 0, dirName, "package.json is larger than %d bytes", maxMetadataSize)
		return rec, nil
	}
	var pj struct {
		Name    *string `json:"name"`
		Version *string `json:"version"`
	}
	if err := json.Unmarshal(data, &pj); err != nil {
		rec.problem(p, jsonErrorLine(data, err), dirName, "package.json is not valid JSON: %v", err)
		return rec, nil
	}
	name := dirName
	if pj.Name != nil && *pj.Name != "" {
		name = *pj.Name
	}
	if pj.Version == nil || *pj.Version == "" {
		rec.problem(p, 0, name, "package.json has no version")
		return rec, nil
	}
	rec.add(Package{Ecosystem: NPM, Name: name, Version: *pj.Version, Locations: []string{p}})
	return rec, nil
}

// jsonErrorLine is the line of a JSON syntax error, 0 when unknown.
func jsonErrorLine(data []byte, err error) int {
	var off int64
	switch e := err.(type) {
	case *json.SyntaxError:
		off = e.Offset
	case *json.UnmarshalTypeError:
		off = e.Offset
	default:
		return 0
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return 1 + strings.Count(string(data[:off]), "\n")
}
