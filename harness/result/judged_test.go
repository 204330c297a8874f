package result

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const sloPath = "github.com/postflight/postflight/slo"

// measuring are the packages under harness/ that measure: they return
// findings and causes, and slo alone decides a status from them.
var measuring = []string{"check", "engine", "ginkgosuite", "hygiene", "imagecheck", "load", "packages", "propagation", "provenance", "registry", "stack"}

// deciding are the packages under harness/ that may decide or restate a
// status themselves: the run (a service that never became ready), the
// rollback and its verify, a canary rollout deciding each step, the
// reports, the history, and this package, which carries slo's judgement
// into a Result.
var deciding = []string{".", "canary", "history", "report", "result", "rollback", "rollout"}

// exempt are files of measuring packages that orchestrate rather than
// measure: the phase reads a verdict to stop a fail-fast phase.
var exempt = []string{"engine/phase.go"}

// TestMeasuringPackagesDoNotDecideStatuses keeps verdicts in slo: no
// measuring package names a status (slo.Pass, slo.Fail,
// slo.Inconclusive), folds statuses (slo.Worst, slo.Summarize,
// slo.Decide) or writes a status as a number.
func TestMeasuringPackagesDoNotDecideStatuses(t *testing.T) {
	for _, pkg := range measuring {
		dir := filepath.Join("..", pkg)
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("package harness/%s: no Go files found (%v): update the list", pkg, err)
		}
		for _, f := range files {
			rel := filepath.ToSlash(filepath.Join(pkg, filepath.Base(f)))
			if strings.HasSuffix(f, "_test.go") || slices.Contains(exempt, rel) {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range statusDecisions(t, f, src) {
				t.Errorf("harness/%s: %s: a measuring package decides a status itself; return an slo.Finding and let slo.Judge decide", rel, p)
			}
		}
	}
}

// TestEveryPackageThatMakesResultsIsClassified makes a new package that
// imports this one say which it is: measuring, or deciding.
func TestEveryPackageThatMakesResultsIsClassified(t *testing.T) {
	entries, err := os.ReadDir("..")
	if err != nil {
		t.Fatal(err)
	}
	dirs := []string{"."}
	for _, e := range entries {
		if e.IsDir() && e.Name() != "testdata" {
			dirs = append(dirs, e.Name())
		}
	}
	for _, d := range dirs {
		if !importsResult(t, filepath.Join("..", d)) {
			continue
		}
		if !slices.Contains(measuring, d) && !slices.Contains(deciding, d) {
			t.Errorf("harness/%s imports harness/result but is neither measuring nor deciding: add it to one list", d)
		}
	}
}

// TestStatusDecisionsAreFound proves the scan can fail: each way of
// deciding a status is found, and judging through slo is not.
func TestStatusDecisionsAreFound(t *testing.T) {
	bad := map[string]string{
		"constant":    `res.Status = slo.Pass`,
		"aliased":     `res.Status = s.Fail`,
		"literal":     `res = result.Result{Status: slo.Inconclusive}`,
		"fold":        `res.Status = slo.Worst(a, b)`,
		"number":      `res.Status = 1`,
		"number lit":  `res = result.Result{Status: 2}`,
		"conversion":  `res.Status = slo.Status(n)`,
		"summarize":   `res.Status, res.Reason = slo.Summarize(evals)`,
		"comparison":  `ok := res.Status == slo.Pass`,
		"case clause": `switch res.Status { case slo.Fail: }`,
	}
	for name, stmt := range bad {
		imp := `"github.com/postflight/postflight/slo"`
		if name == "aliased" {
			imp = `s "github.com/postflight/postflight/slo"`
		}
		src := "package x\nimport " + imp + "\nfunc f() {\n" + stmt + "\n}\n"
		if got := statusDecisions(t, name+".go", []byte(src)); len(got) == 0 {
			t.Errorf("%s: %q not found", name, stmt)
		}
	}
	good := "package x\nimport \"github.com/postflight/postflight/slo\"\nfunc f() {\n" +
		"j := slo.Judge([]slo.Finding{slo.Met(\"ok\")}, slo.Wording{})\nres.Status, res.Reason = j.Status, j.Reason\n}\n"
	if got := statusDecisions(t, "good.go", []byte(good)); len(got) != 0 {
		t.Errorf("judging through slo is found as a decision: %v", got)
	}
}

// statusDecisions lists where src decides a status itself.
func statusDecisions(t *testing.T, name string, src []byte) []string {
	t.Helper()
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, name, src, 0)
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	alias := ""
	for _, imp := range file.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == sloPath {
			alias = "slo"
			if imp.Name != nil {
				alias = imp.Name.Name
			}
		}
	}
	forbidden := map[string]bool{"Pass": true, "Fail": true, "Inconclusive": true, "Worst": true, "Summarize": true, "Decide": true, "Status": true, "ParseStatus": true}
	var found []string
	report := func(n ast.Node, what string) {
		found = append(found, fset.Position(n.Pos()).String()+": "+what)
	}
	ast.Inspect(file, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if id, ok := n.X.(*ast.Ident); ok && alias != "" && id.Name == alias && forbidden[n.Sel.Name] {
				// slo.Status as a type (a field, a parameter) decides
				// nothing; as a conversion it does, and is a CallExpr.
				if n.Sel.Name != "Status" {
					report(n, alias+"."+n.Sel.Name)
				}
			}
		case *ast.CallExpr:
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Status" {
				if id, ok := sel.X.(*ast.Ident); ok && alias != "" && id.Name == alias {
					report(n, "a conversion to "+alias+".Status")
				}
			}
		case *ast.AssignStmt:
			for i, lhs := range n.Lhs {
				if sel, ok := lhs.(*ast.SelectorExpr); ok && sel.Sel.Name == "Status" && i < len(n.Rhs) {
					if _, lit := n.Rhs[i].(*ast.BasicLit); lit {
						report(n, "a status written as a number")
					}
				}
			}
		case *ast.KeyValueExpr:
			if k, ok := n.Key.(*ast.Ident); ok && k.Name == "Status" {
				if _, lit := n.Value.(*ast.BasicLit); lit {
					report(n, "a status written as a number")
				}
			}
		}
		return true
	})
	return found
}

// importsResult says whether the package in dir imports harness/result.
func importsResult(t *testing.T, dir string) bool {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatalf("parse %s: %v", f, err)
		}
		for _, imp := range file.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == "github.com/postflight/postflight/harness/result" {
				return true
			}
		}
	}
	return false
}
