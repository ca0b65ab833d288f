package snapcheck

import (
	"fmt"
	"sort"
	"strings"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/dynamodb-source/dynamodb-source/internal/testutil/eventdata"
)

// View is the consumer's copy of the table: key (pk) to version, built from
// events whose items have a version attribute v that every write of a key
// raises (a delete too: the next put of the key has a higher version).
type View struct {
	Items map[string]int
	// Late counts SNAPSHOT events that arrived after a change of their item
	// newer than the image: what the snapshot promises never to do.
	Late int
	// StepBacks counts events that took an item back to an older state
	// than one already applied (a change older than a delivered image).
	StepBacks int
	// Snapshots counts SNAPSHOT events, by key.
	Snapshots map[string]int
	// Events counts every event applied.
	Events int

	newest map[string]float64 // newest state applied per key (a removal of v is v+0.5)
}

// NewView returns an empty view.
func NewView() *View {
	return &View{Items: map[string]int{}, Snapshots: map[string]int{}, newest: map[string]float64{}}
}

// Apply applies one event.
func (v *View) Apply(e cloudevents.Event) error {
	r, err := eventdata.Decode(e)
	if err != nil {
		return err
	}
	pk := r.PK()
	v.Events++
	var state float64
	switch r.EventName {
	case "SNAPSHOT", "INSERT", "MODIFY":
		ver, ok := r.Version()
		if !ok {
			return fmt.Errorf("event %s of %s has no version", e.ID(), pk)
		}
		state = float64(ver)
	case "REMOVE":
		old := r.Dynamodb.OldImage
		ver := 0
		if n, ok := old["v"]["N"].(string); ok {
			fmt.Sscan(n, &ver)
		}
		state = float64(ver) + 0.5
	default:
		return fmt.Errorf("event %s has eventName %q", e.ID(), r.EventName)
	}
	if was, ok := v.newest[pk]; ok && state < was {
		v.StepBacks++
		if r.EventName == "SNAPSHOT" {
			v.Late++
		}
	}
	if was, ok := v.newest[pk]; !ok || state > was {
		v.newest[pk] = state
	}
	if r.EventName == "SNAPSHOT" {
		v.Snapshots[pk]++
	}
	if r.EventName == "REMOVE" {
		delete(v.Items, pk)
	} else {
		ver, _ := r.Version()
		v.Items[pk] = ver
	}
	return nil
}

// Diff describes how the view differs from want (key to version), or "".
func (v *View) Diff(want map[string]int) string {
	var out []string
	for k, ver := range want {
		if got, ok := v.Items[k]; !ok {
			out = append(out, fmt.Sprintf("%s: missing, want v%d", k, ver))
		} else if got != ver {
			out = append(out, fmt.Sprintf("%s: v%d, want v%d", k, got, ver))
		}
	}
	for k, got := range v.Items {
		if _, ok := want[k]; !ok {
			out = append(out, fmt.Sprintf("%s: v%d, want none (deleted)", k, got))
		}
	}
	sort.Strings(out)
	if len(out) > 10 {
		out = append(out[:10], fmt.Sprintf("... %d more", len(out)-10))
	}
	return strings.Join(out, "\n")
}
