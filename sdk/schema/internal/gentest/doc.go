// Package gentest holds Go migrations that schema.Changeset.GoFile
// wrote, kept byte for byte: TestGoFile checks that GoFile still writes
// them, and runs them on every engine.
package gentest
