// Package htmlreport writes a run's report as one self-contained HTML
// page for people: the verdict first, then every check with what it
// observed against its budget, and the plots of what was measured — a load
// check's latency over time, its latency histogram, its throughput against
// the rate asked and its errors by cause, the propagation delays, the
// package changes, the run's and the rollback's timeline, and the run
// against its history. Styles and plots are inline (SVG drawn here): the
// page loads nothing and runs no script.
package htmlreport

import (
	"cmp"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/postflight/postflight/harness/history"
	"github.com/postflight/postflight/harness/report"
	"github.com/postflight/postflight/harness/result"
	"github.com/postflight/postflight/slo"
)

var (
	//go:embed report.html.tmpl
	pageTemplate string
	//go:embed style.css
	style string

	tmpl = template.Must(template.New("report").Funcs(template.FuncMap{
		// args passes a check to its template with its place and phase.
		"args":    func(i int, c checkView, phase string) checkArgs { return checkArgs{I: i, C: c, Phase: phase} },
		"add":     func(a, b int) int { return a + b },
		"percent": func(f float64) float64 { return 100 * f },
		"long":    func(s string) bool { return utf8.RuneCountInString(s) > maxShownText },
		"short":   short,
	}).Parse(pageTemplate))
)

// Write writes r as an HTML page.
func Write(w io.Writer, r *report.Report) error {
	return Render(w, r, comparisons(r))
}

// comparisons are the run's objectives held against its history
// (policy.regression), when the run was compared; none otherwise, and the
// page leaves the section out.
func comparisons(r *report.Report) []history.Comparison {
	if r.Regression == nil {
		return nil
	}
	return r.Regression.Comparisons
}

// Render writes r as an HTML page with the comparisons of its objectives
// against the run's history, if any.
func Render(w io.Writer, r *report.Report, against []history.Comparison) error {
	if err := tmpl.Execute(w, newPage(r, against)); err != nil {
		return fmt.Errorf("write HTML report: %w", err)
	}
	return nil
}

// maxShownText is how much of a long text (a verdict's reason naming
// every failed check with its own) the page shows before it is opened.
const maxShownText = 240

// short is the start of a long text, cut at a word.
func short(s string) string {
	r := []rune(s)
	if len(r) <= maxShownText {
		return s
	}
	cut := string(r[:maxShownText-40])
	if i := strings.LastIndexByte(cut, ' '); i > 0 {
		cut = cut[:i]
	}
	return cut + " …"
}

// page is what the template shows.
type page struct {
	R        *report.Report
	Style    template.CSS
	Headline string
	// Class colours the outcome, VerdictClass the checks' verdict: pass,
	// fail or warn.
	Class, VerdictClass string
	Checks              []checkView
	Rollback            *rollbackView
	Steps               []stepView
	History             []comparisonView
	Started             string
	Took                string
}

func newPage(r *report.Report, against []history.Comparison) page {
	p := page{R: r, Style: template.CSS(style), Headline: headline(r.Outcome), Class: outcomeClass(r.Outcome), VerdictClass: statusClass(r.Verdict.Status),
		Started: r.Started.UTC().Format("2006-01-02 15:04:05 UTC"), Took: roundDuration(r.Duration)}
	for _, c := range r.Checks {
		p.Checks = append(p.Checks, newCheckView(c))
	}
	if rb := r.Rollback; rb != nil {
		p.Rollback = newRollbackView(rb)
	}
	p.Steps = stepViews(r.Steps)
	for _, c := range against {
		p.History = append(p.History, newComparisonView(c))
	}
	return p
}

// headline is the outcome in capitals: ROLLED BACK.
func headline(o report.Outcome) string {
	if o == "" {
		return "NO OUTCOME"
	}
	return strings.ToUpper(strings.ReplaceAll(string(o), "-", " "))
}

// outcomeClass colours an outcome: pass, fail, or warn for what is
// neither (inconclusive, interrupted, a plan error).
func outcomeClass(o report.Outcome) string {
	return cmp.Or(map[report.Outcome]string{report.Passed: "pass", report.Failed: "fail",
		report.RolledBack: "fail", report.RollbackFailed: "fail"}[o], "warn")
}

// statusClass colours a status: pass, fail, or warn for inconclusive.
func statusClass(s slo.Status) string {
	return cmp.Or(map[slo.Status]string{slo.Pass: "pass", slo.Fail: "fail"}[s], "warn")
}

// checkArgs is a check with its place in its phase, for its anchor.
type checkArgs struct {
	I     int
	C     checkView
	Phase string
}

// checkView is one check as the page shows it.
type checkView struct {
	result.Result
	Class       string
	Duration    string
	Objectives  []objectiveView
	Load        *loadView
	Propagation template.HTML
	Packages    *packagesView
	Parts       []partView
}

type objectiveView struct {
	Name, Observed, Budget, Margin, Reason, Class string
}

type partView struct {
	Name, Reason, Class, Status string
}

func newCheckView(r result.Result) checkView {
	v := checkView{Result: r, Class: statusClass(r.Status), Duration: roundDuration(r.Duration)}
	for _, e := range r.Objectives {
		o := objectiveView{Name: e.Objective, Budget: bound(e.Bound) + " " + e.Budget.String(), Reason: e.Reason, Class: statusClass(e.Status)}
		if e.Status == slo.Pass || e.Status == slo.Fail {
			o.Observed = e.Observed.String()
			o.Margin = fmt.Sprintf("%s (%s%%)", e.Margin, percentText(e.MarginPercent))
		}
		v.Objectives = append(v.Objectives, o)
	}
	v.Load = newLoadView(r.Name, r.Load)
	v.Propagation = histogramChart(r.Name+": propagation delays", "samples", r.Propagation)
	v.Packages = newPackagesView(r.Packages)
	for _, p := range r.Parts {
		v.Parts = append(v.Parts, partView{Name: p.Name, Reason: p.Reason, Class: statusClass(p.Status), Status: p.Status.String()})
	}
	// The parts that did not pass first: they are what a reader is after.
	slices.SortStableFunc(v.Parts, func(a, b partView) int { return rank(a.Class) - rank(b.Class) })
	return v
}

// percentText writes a percentage as a person would: 7913, 78.5, 0.25.
func percentText(p float64) string {
	if math.Abs(p) >= 100 {
		return strconv.FormatFloat(math.Round(p), 'f', -1, 64)
	}
	return num(p)
}

func rank(class string) int {
	return map[string]int{"fail": 0, "warn": 1, "pass": 2}[class]
}

func bound(b slo.Bound) string {
	if b == slo.AtLeast {
		return "≥"
	}
	return "≤"
}

func roundDuration(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond).String()
	}
	return d.String()
}

// packagesView is the package diff table: the changes the policy does not
// allow first, at most maxPackageRows of them.
type packagesView struct {
	Changes   []result.PackageChange
	Unchanged int
	Violating int
	// Hidden is how many changes are left out of the table.
	Hidden int
}

// maxPackageRows bounds the table: a distribution upgrade changes
// thousands of packages, all of them in postflight.json.
const maxPackageRows = 500

func newPackagesView(d *result.PackageDiff) *packagesView {
	if d == nil {
		return nil
	}
	v := &packagesView{Unchanged: d.Unchanged, Changes: slices.Clone(d.Changes)}
	slices.SortStableFunc(v.Changes, func(a, b result.PackageChange) int {
		return bool2int(a.Violation == "") - bool2int(b.Violation == "")
	})
	for _, c := range v.Changes {
		if c.Violation != "" {
			v.Violating++
		}
	}
	if len(v.Changes) > maxPackageRows {
		v.Hidden, v.Changes = len(v.Changes)-maxPackageRows, v.Changes[:maxPackageRows]
	}
	return v
}

func bool2int(b bool) int {
	if b {
		return 1
	}
	return 0
}

// comparisonView is one objective of the run against its history.
type comparisonView struct {
	history.Comparison
	Outcome string
	Class   string
}

func newComparisonView(c history.Comparison) comparisonView {
	class := "pass"
	switch c.Outcome {
	case history.Regression:
		class = "fail"
	case history.NoBaseline, history.Inconclusive:
		class = "warn"
	}
	return comparisonView{Comparison: c, Outcome: c.Outcome.String(), Class: class}
}
