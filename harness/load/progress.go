package load

import "time"

// progressEvery is how often Run reports progress.
const progressEvery = time.Second

// Progress is a snapshot of a running attack, reported about once a second.
type Progress struct {
	// Elapsed is the time since the attack began, warm-up included.
	Elapsed time.Duration
	// Warmup says whether the attack is still in its warm-up.
	Warmup bool
	// Sent is the number of requests sent so far, warm-up included.
	Sent int
	// Rate is the number of requests sent per second since the last report.
	Rate float64
	// Errors is the number of failed requests so far, warm-up included,
	// requests cut short by cancellation not.
	Errors int
}

// meter turns running counts into Progress reports.
type meter struct {
	began, measureFrom time.Time
	emit               func(Progress)

	lastAt   time.Time
	lastSent int
}

func newMeter(began, measureFrom time.Time, emit func(Progress)) *meter {
	return &meter{began: began, measureFrom: measureFrom, emit: emit, lastAt: began}
}

// report emits the progress at now; it does nothing without a callback.
func (m *meter) report(now time.Time, sent, errors int) {
	if m.emit == nil {
		return
	}
	p := Progress{
		Elapsed: now.Sub(m.began),
		Warmup:  now.Before(m.measureFrom),
		Sent:    sent,
		Errors:  errors,
	}
	if d := now.Sub(m.lastAt); d > 0 {
		p.Rate = float64(sent-m.lastSent) / d.Seconds()
	}
	m.lastAt, m.lastSent = now, sent
	m.emit(p)
}
