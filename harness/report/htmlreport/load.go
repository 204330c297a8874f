package htmlreport

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"time"

	"github.com/postflight/postflight/harness/result"
)

// loadView is what the page shows of a load check's window.
type loadView struct {
	Latency, Histogram, Throughput, Errors template.HTML
	// Causes are the errors by cause, most frequent first, each with its
	// colour in the errors chart.
	Causes []causeView
	// Summary says the window in a line: requests, rate, bucket width.
	Summary string
}

type causeView struct {
	Reason string
	Count  int
	Share  string
	Class  string
}

// maxCauseColours is how many causes get a colour of their own in the
// errors chart; the rest are drawn together.
const maxCauseColours = 5

func newLoadView(name string, l *result.Load) *loadView {
	if l == nil || len(l.Series.Buckets) == 0 {
		return nil
	}
	v := &loadView{}
	requests, ok := 0, 0
	for _, b := range l.Series.Buckets {
		requests += b.Requests
		ok += b.OK
	}
	v.Summary = fmt.Sprintf("%d requests in %s (%s/s asked), %d ok, %d failed; drawn in %d buckets of %s, each with its slowest request",
		requests, l.Window.Round(time.Millisecond), num(l.Rate), ok, requests-ok, len(l.Series.Buckets), l.Series.Width)
	v.Latency = latencyChart(name, l)
	v.Throughput = throughputChart(name, l)
	if l.Latency != nil {
		v.Histogram = histogramChart(name+": latency histogram", "requests", l.Latency)
	}
	failed := requests - ok
	for i, c := range l.Causes {
		v.Causes = append(v.Causes, causeView{Reason: c.Reason, Count: c.Count,
			Share: fmt.Sprintf("%.3g%%", 100*float64(c.Count)/float64(max(requests, 1))), Class: causeClass(i)})
	}
	if failed > 0 {
		v.Errors = errorsChart(name, l)
	}
	return v
}

func causeClass(i int) string { return "c" + strconv.Itoa(min(i, maxCauseColours)) }

// bucketMid is the time of bucket i's middle, in seconds of the window.
func bucketMid(s result.Series, i int) float64 {
	return (float64(i) + 0.5) * s.Width.Seconds()
}

// bucketSeconds is how long bucket i is: the last may be cut short by the
// end of the window.
func bucketSeconds(l *result.Load, i int) float64 {
	w := l.Series.Width
	return max(min(w, l.Window-time.Duration(i)*w), time.Millisecond).Seconds()
}

func timeAxis(l *result.Load) axis {
	return linearAxis(0, float64(len(l.Series.Buckets))*l.Series.Width.Seconds(), func(v float64) string { return num(v) + "s" })
}

// latencyChart draws the percentiles over time: bands from p50 to p95 and
// p95 to p99, the p50 and p99 lines, and each bucket's maximum, so that a
// spike shows however many requests were fast beside it. A spread of more
// than 50 times between the fastest median and the slowest maximum is
// drawn on a log scale.
func latencyChart(name string, l *result.Load) template.HTML {
	bs := l.Series.Buckets
	p50, p95, p99, mx := make([]point, len(bs)), make([]point, len(bs)), make([]point, len(bs)), make([]point, len(bs))
	lo, hi := math.Inf(1), 0.0
	for i, b := range bs {
		x, has := bucketMid(l.Series, i), b.OK > 0
		p50[i] = point{x, ms(b.P50), has}
		p95[i] = point{x, ms(b.P95), has}
		p99[i] = point{x, ms(b.P99), has}
		mx[i] = point{x, ms(b.Max), has}
		if has {
			lo, hi = min(lo, ms(b.P50)), max(hi, ms(b.Max))
		}
	}
	if hi == 0 {
		return ""
	}
	y := linearAxis(0, hi, msLabel)
	if lo > 0 && hi/lo > 50 {
		y = logAxis(lo, hi, msLabel)
	}
	c := newChart(name+": latency over time", timeAxis(l), y)
	c.band("band95", p50, p95)
	c.band("band99", p95, p99)
	c.line("p50", p50)
	c.line("p99", p99)
	c.line("max", mx)
	return c.svg()
}

// throughputChart draws the requests and successes per second of each
// bucket against the rate asked for.
func throughputChart(name string, l *result.Load) template.HTML {
	bs := l.Series.Buckets
	sent, ok := make([]point, len(bs)), make([]point, len(bs))
	hi := l.Rate
	for i, b := range bs {
		x, secs := bucketMid(l.Series, i), bucketSeconds(l, i)
		sent[i] = point{x, float64(b.Requests) / secs, true}
		ok[i] = point{x, float64(b.OK) / secs, true}
		hi = max(hi, sent[i].y)
	}
	c := newChart(name+": throughput against the rate asked", timeAxis(l), linearAxis(0, hi*1.05, func(v float64) string { return count(v) + "/s" }))
	if l.Rate > 0 {
		c.hline("asked", l.Rate, "asked "+num(l.Rate)+"/s")
	}
	c.line("sent", sent)
	c.line("ok", ok)
	return c.svg()
}

// errorsChart stacks each bucket's failures per second by cause.
func errorsChart(name string, l *result.Load) template.HTML {
	bs := l.Series.Buckets
	hi := 0.0
	for i, b := range bs {
		hi = max(hi, float64(b.Requests-b.OK)/bucketSeconds(l, i))
	}
	c := newChart(name+": errors over time by cause", timeAxis(l), linearAxis(0, hi, func(v float64) string { return count(v) + "/s" }))
	w := l.Series.Width.Seconds()
	for i, b := range bs {
		secs, base := bucketSeconds(l, i), 0.0
		for j, n := range b.Errors {
			if n == 0 {
				continue
			}
			top := base + float64(n)/secs
			x0 := float64(i) * w
			c.rect("bar "+causeClass(j), x0+w*0.05, x0+w*0.95, base, top, fmt.Sprintf("%s: %d at %s", l.Causes[j].Reason, n, num(x0)+"s"))
			base = top
		}
	}
	return c.svg()
}

// histogramChart draws a distribution's bins as bars, empty bins between
// them kept, on a log scale of durations.
func histogramChart(title, what string, h *result.Histogram) template.HTML {
	if h == nil || len(h.Bins) == 0 {
		return ""
	}
	top := 0
	for _, b := range h.Bins {
		top = max(top, b.Count)
	}
	// Bin i spans (Upper/1.26, Upper]: drawn on a log axis of ms.
	lo, hi := ms(h.Bins[0].Upper)/math.Pow(10, 0.1), ms(h.Bins[len(h.Bins)-1].Upper)
	c := newChart(title, logAxis(max(lo, 1e-6), hi, msLabel), linearAxis(0, float64(top), count))
	for _, b := range h.Bins {
		up := ms(b.Upper)
		c.rect("bar hist", up/math.Pow(10, 0.1), up, 0, float64(b.Count),
			fmt.Sprintf("%d %s up to %s", b.Count, what, msLabel(up)))
	}
	return c.svg()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// msLabel writes a value in milliseconds as a duration: 0.5ms, 20ms, 1.5s.
func msLabel(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v >= 1000:
		return num(v/1000) + "s"
	case v < 1:
		return num(v*1000) + "µs"
	}
	return num(v) + "ms"
}

// count writes a count or a rate compactly: 950, 12k, 1.5M.
func count(v float64) string {
	switch {
	case v >= 1e6:
		return num(v/1e6) + "M"
	case v >= 1e4:
		return num(v/1e3) + "k"
	}
	return num(v)
}

// num writes a number rounded to 3 significant digits, never in
// exponent form: 5000, 12.5, 0.25.
func num(v float64) string {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	p := math.Pow(10, 2-math.Floor(math.Log10(math.Abs(v))))
	return strconv.FormatFloat(math.Round(v*p)/p, 'f', -1, 64)
}
