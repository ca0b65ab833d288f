package kname

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// MaxLen is the longest name or label value made here.
const MaxLen = 63

// Child returns the name of an object made for parent: parent followed by
// suffix, shortened with a hash when longer than MaxLen.
func Child(parent, suffix string) string {
	n := parent + suffix
	if len(n) <= MaxLen {
		return n
	}
	sum := sha256.Sum256([]byte(n))
	h := hex.EncodeToString(sum[:])[:10]
	// Keep the start of the parent so a person still recognises it; the
	// hash tells distinct parents apart.
	keep := MaxLen - len(h) - 1
	head := strings.TrimRight(n[:keep], "-.")
	return head + "-" + h
}

// LabelValue returns s fit for a label value.
func LabelValue(s string) string { return Child(s, "") }
