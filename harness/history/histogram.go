package history

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// The latency histogram keeps counts in fixed log-scale buckets, the same
// for every run, so histograms of different runs merge by adding counts.
//
// Bucket i (1 <= i <= logBuckets) holds latencies in
// [Floor * Growth^(i-1), Floor * Growth^i); bucket 0 holds everything below
// Floor and the last bucket everything at or above Ceiling. A latency is
// read back as the geometric middle of its bucket, so any value between
// Floor and Ceiling, and any quantile of such values, is off by at most a
// factor of sqrt(Growth): a relative error of at most 4.9 %. Values below
// Floor read back as Floor, values at or above Ceiling as Ceiling.
const (
	// Floor is the smallest latency told apart from zero.
	Floor = time.Microsecond
	// Ceiling is the largest latency told apart from "longer".
	Ceiling = 60 * time.Second
	// Growth is the ratio between a bucket's upper and lower edge.
	Growth = 1.1
	// Scheme names this bucket layout in the store, so that a later layout
	// is never merged with this one by mistake.
	Scheme = "log1.1:1us-60s"
)

// MaxRelativeError is the largest relative error of a latency or quantile
// read back from a Histogram, for values between Floor and Ceiling.
var MaxRelativeError = math.Sqrt(Growth) - 1

// logBuckets is the number of buckets between Floor and Ceiling.
var logBuckets = int(math.Ceil(math.Log(float64(Ceiling)/float64(Floor)) / math.Log(Growth)))

// NumBuckets is the number of buckets, with the one below Floor and the one
// at or above Ceiling.
var NumBuckets = logBuckets + 2

// Histogram counts latencies in the fixed buckets described above. The zero
// value is empty and ready to use.
type Histogram struct {
	counts []uint64
	total  uint64
}

// bucket is the index of the bucket that holds d.
func bucket(d time.Duration) int {
	switch {
	case d < Floor:
		return 0
	case d >= Ceiling:
		return NumBuckets - 1
	}
	i := int(math.Floor(math.Log(float64(d)/float64(Floor))/math.Log(Growth))) + 1
	return min(max(i, 1), logBuckets)
}

// BucketValue is the latency that bucket i reads back as.
func BucketValue(i int) time.Duration {
	switch {
	case i <= 0:
		return Floor
	case i >= NumBuckets-1:
		return Ceiling
	}
	return time.Duration(float64(Floor) * math.Pow(Growth, float64(i)-0.5))
}

func (h *Histogram) grow() {
	if h.counts == nil {
		h.counts = make([]uint64, NumBuckets)
	}
}

// Add counts one latency.
func (h *Histogram) Add(d time.Duration) { h.AddN(d, 1) }

// AddN counts n latencies of d.
func (h *Histogram) AddN(d time.Duration, n uint64) {
	h.grow()
	h.counts[bucket(d)] += n
	h.total += n
}

// Merge adds the counts of o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o == nil || o.total == 0 {
		return
	}
	h.grow()
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.total += o.total
}

// Count is the number of latencies counted.
func (h *Histogram) Count() uint64 {
	if h == nil {
		return 0
	}
	return h.total
}

// Counts returns a copy of the count of every bucket, in order of latency.
func (h *Histogram) Counts() []uint64 {
	out := make([]uint64, NumBuckets)
	if h != nil {
		copy(out, h.counts)
	}
	return out
}

// Quantile is the latency below which the fraction q of the counted
// latencies lie (nearest rank), within MaxRelativeError; 0 when empty.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.Count() == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.total)))
	rank = min(max(rank, 1), h.total)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return BucketValue(i)
		}
	}
	return BucketValue(NumBuckets - 1)
}

// MarshalBinary writes the histogram compactly: the number of buckets, then
// for each non-empty bucket the gap from the previous one and its count,
// all as unsigned varints.
func (h *Histogram) MarshalBinary() ([]byte, error) {
	buf := binary.AppendUvarint(nil, uint64(NumBuckets))
	last := -1
	for i, c := range h.Counts() {
		if c == 0 {
			continue
		}
		buf = binary.AppendUvarint(buf, uint64(i-last))
		buf = binary.AppendUvarint(buf, c)
		last = i
	}
	return buf, nil
}

// UnmarshalBinary reads what MarshalBinary wrote.
func (h *Histogram) UnmarshalBinary(b []byte) error {
	n, k := binary.Uvarint(b)
	if k <= 0 {
		return errors.New("read histogram: no bucket count")
	}
	if n != uint64(NumBuckets) {
		return fmt.Errorf("read histogram: %d buckets, want %d", n, NumBuckets)
	}
	b = b[k:]
	*h = Histogram{}
	h.grow()
	i := -1
	for len(b) > 0 {
		gap, k := binary.Uvarint(b)
		if k <= 0 || gap == 0 || gap > uint64(NumBuckets) {
			return errors.New("read histogram: bad bucket gap")
		}
		b = b[k:]
		c, k := binary.Uvarint(b)
		if k <= 0 {
			return errors.New("read histogram: bad bucket count")
		}
		b = b[k:]
		i += int(gap)
		if i >= NumBuckets {
			return fmt.Errorf("read histogram: bucket %d beyond the last, %d", i, NumBuckets-1)
		}
		h.counts[i] += c
		h.total += c
	}
	return nil
}
