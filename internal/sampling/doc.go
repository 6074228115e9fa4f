// Package sampling keeps X-Ray's centralized sampling rules and hands out
// sampling targets: rule validation as X-Ray does it, the undeletable
// Default rule, the rule limit, persistence through store.ConfigStore, and
// the split of each rule's reservoir among the SDK clients that report on
// it (§4.5 of the compatibility spec).
package sampling
