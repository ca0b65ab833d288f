// Package manifest renders a source as Kubernetes manifests, for
// `dynamodb-source dump`: the same spec that `create source awsdynamodb`
// runs on the command line becomes an AWSDynamoDBSource plus a Secret that
// holds its credentials, ready for `kubectl apply -f -`. Credentials never go
// into the source itself: literal values move into the Secret and the source
// refers to them with valueFromSecret, as TriggerMesh's manifests do.
package manifest
