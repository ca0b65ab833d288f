// Package snapshot owns the initial snapshot (spec.snapshot.mode initial):
// a parallel, consistent Scan of the table whose items are delivered as
// SNAPSHOT events beside the stream's changes, with no gap and, per item,
// never an image delivered after a newer change of that item.
//
// The stream readers start with the scan. Each scanned page is held by the
// Gate until every open shard has been read past the page's Watermark (the
// moment the page was read), then released without the items the stream has
// changed since the snapshot began: for those, the changes carry the newer
// state. A change read while an image of its item is on its way waits for
// that image to be delivered. The scan's progress (each segment's
// LastEvaluatedKey) is saved in the source's checkpoint, so a restart
// continues it. docs/snapshot.md describes the design and its guarantee.
package snapshot
