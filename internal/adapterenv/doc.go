// Package adapterenv owns the one mapping between an AWSDynamoDBSource and
// the environment of its adapter process, in both directions: the controller
// renders a source into a container's env with FromSpec, and the adapter
// (`dynamodb-source adapter`) rebuilds the spec from its environment with
// ToSpec. Each variable is a row of the table in internal/schema, which the
// command-line flags are derived from too, so both directions and both forms
// always agree and a new variable is one more row. TriggerMesh's variable
// names are kept; this project's extensions are named by the upper snake case
// of the field's dotted JSON path (delivery.timeout -> DELIVERY_TIMEOUT).
package adapterenv
