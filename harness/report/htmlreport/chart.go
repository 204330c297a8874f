package htmlreport

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// A chart is one SVG plot drawn by hand: a frame, axes with ticks, and the
// marks. Its viewBox is fixed and the page scales it to the width it has,
// so a chart reads the same at 1280 px and on a phone.
type chart struct {
	// title names the chart for screen readers and the page's tests.
	title string
	x, y  axis
	b     strings.Builder
}

// The viewBox: the plot area is inset by the margins, which hold the
// tick labels.
const (
	chartW, chartH           = 560, 240
	marginL, marginR         = 66, 24
	marginT, marginB         = 10, 30
	plotW, plotH     float64 = chartW - marginL - marginR, chartH - marginT - marginB
)

// axis maps data values to the plot's pixels, linearly or by log10, and
// labels its ticks.
type axis struct {
	lo, hi float64
	log    bool
	label  func(float64) string
	ticks  []float64
}

// linearAxis spans 0 (or lo) to a round number above hi.
func linearAxis(lo, hi float64, label func(float64) string) axis {
	if hi <= lo {
		hi = lo + 1
	}
	step := niceStep((hi - lo) / 5)
	a := axis{lo: math.Floor(lo/step) * step, hi: math.Ceil(hi/step) * step, label: label}
	for v := a.lo; v <= a.hi+step/2; v += step {
		a.ticks = append(a.ticks, v)
	}
	return a
}

// logAxis spans the decades around lo and hi (both above 0).
func logAxis(lo, hi float64, label func(float64) string) axis {
	a := axis{lo: math.Pow(10, math.Floor(math.Log10(lo))), hi: math.Pow(10, math.Ceil(math.Log10(hi))), log: true, label: label}
	if a.hi <= a.lo {
		a.hi = a.lo * 10
	}
	for v := a.lo; v <= a.hi*1.001; v *= 10 {
		a.ticks = append(a.ticks, v)
	}
	return a
}

// niceStep is 1, 2 or 5 times a power of ten, at least x.
func niceStep(x float64) float64 {
	if x <= 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x {
			return m * p
		}
	}
	return 10 * p
}

// frac is where v is along the axis, 0 to 1, clamped.
func (a axis) frac(v float64) float64 {
	var f float64
	if a.log {
		f = (math.Log10(max(v, a.lo)) - math.Log10(a.lo)) / (math.Log10(a.hi) - math.Log10(a.lo))
	} else {
		f = (v - a.lo) / (a.hi - a.lo)
	}
	return min(max(f, 0), 1)
}

func (c *chart) px(v float64) float64 { return marginL + c.x.frac(v)*plotW }
func (c *chart) py(v float64) float64 { return marginT + (1-c.y.frac(v))*plotH }

func newChart(title string, x, y axis) *chart {
	c := &chart{title: title, x: x, y: y}
	fmt.Fprintf(&c.b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s"><title>%s</title>`,
		chartW, chartH, html.EscapeString(title), html.EscapeString(title))
	for _, t := range y.ticks {
		py := c.py(t)
		fmt.Fprintf(&c.b, `<line class="grid" x1="%d" x2="%d" y1="%s" y2="%s"/><text class="tick" x="%d" y="%s" text-anchor="end" dominant-baseline="middle">%s</text>`,
			marginL, chartW-marginR, f1(py), f1(py), marginL-6, f1(py), html.EscapeString(y.label(t)))
	}
	for _, t := range x.ticks {
		px := c.px(t)
		fmt.Fprintf(&c.b, `<line class="axis" x1="%s" x2="%s" y1="%s" y2="%s"/><text class="tick" x="%s" y="%d" text-anchor="middle">%s</text>`,
			f1(px), f1(px), f1(marginT+plotH), f1(marginT+plotH+4), f1(px), chartH-10, html.EscapeString(x.label(t)))
	}
	fmt.Fprintf(&c.b, `<line class="axis" x1="%d" x2="%d" y1="%s" y2="%s"/>`, marginL, chartW-marginR, f1(marginT+plotH), f1(marginT+plotH))
	return c
}

// point is one data point; ok false is a gap (a bucket with no value).
type point struct {
	x, y float64
	ok   bool
}

// line draws the points as polylines of class cls, broken at gaps, each
// with its number of points in data-points.
func (c *chart) line(cls string, pts []point) {
	for _, run := range runs(pts) {
		c.polyline(cls, run)
	}
}

func (c *chart) polyline(cls string, run []point) {
	var b strings.Builder
	for i, p := range run {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(f1(c.px(p.x)) + "," + f1(c.py(p.y)))
	}
	if len(run) == 1 {
		fmt.Fprintf(&c.b, `<circle class="%s" cx="%s" cy="%s" r="2" data-points="1"/>`, cls, f1(c.px(run[0].x)), f1(c.py(run[0].y)))
		return
	}
	fmt.Fprintf(&c.b, `<polyline class="%s" data-points="%d" points="%s"/>`, cls, len(run), b.String())
}

// band fills between two lines of points at the same x, broken at gaps.
func (c *chart) band(cls string, lo, hi []point) {
	start := 0
	for i := 0; i <= len(lo); i++ {
		if i < len(lo) && lo[i].ok && hi[i].ok {
			continue
		}
		if i-start >= 2 {
			var b strings.Builder
			for j := start; j < i; j++ {
				b.WriteString(f1(c.px(hi[j].x)) + "," + f1(c.py(hi[j].y)) + " ")
			}
			for j := i - 1; j >= start; j-- {
				b.WriteString(f1(c.px(lo[j].x)) + "," + f1(c.py(lo[j].y)) + " ")
			}
			fmt.Fprintf(&c.b, `<polygon class="%s" points="%s"/>`, cls, strings.TrimSpace(b.String()))
		}
		start = i + 1
	}
}

// hline draws a horizontal line across the plot at y.
func (c *chart) hline(cls string, y float64, label string) {
	py := c.py(y)
	fmt.Fprintf(&c.b, `<line class="%s" x1="%d" x2="%d" y1="%s" y2="%s"/><text class="mark" x="%d" y="%s" text-anchor="end">%s</text>`,
		cls, marginL, chartW-marginR, f1(py), f1(py), chartW-marginR-4, f1(py-4), html.EscapeString(label))
}

// rect draws a bar from (x0, y0) to (x1, y1) in data values, with a
// tooltip.
func (c *chart) rect(cls string, x0, x1, y0, y1 float64, tip string) {
	px0, px1, py0, py1 := c.px(x0), c.px(x1), c.py(y1), c.py(y0)
	fmt.Fprintf(&c.b, `<rect class="%s" x="%s" y="%s" width="%s" height="%s"><title>%s</title></rect>`,
		cls, f1(px0), f1(py0), f1(max(px1-px0, 0.5)), f1(max(py1-py0, 0)), html.EscapeString(tip))
}

func (c *chart) svg() template.HTML {
	return template.HTML(c.b.String() + "</svg>")
}

// runs splits points at gaps.
func runs(pts []point) [][]point {
	var out [][]point
	start := -1
	for i := 0; i <= len(pts); i++ {
		if i < len(pts) && pts[i].ok {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, pts[start:i])
			start = -1
		}
	}
	return out
}

// f1 writes a pixel coordinate with one decimal, no more: the page's size
// grows with every digit.
func f1(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }
