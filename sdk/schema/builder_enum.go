package schema

// DropEnum drops the named enum once no column uses it (PostgreSQL's
// DROP TYPE; nothing on MySQL and SQLite, whose enums live in their
// columns). A column still using it leaves it in place. An explicit
// down ([MigrationWithDown]) needs it to undo a migration that created
// an enum with its first column: a derived down drops such an enum by
// itself.
func (b *Builder) DropEnum(name string) {
	b.checkName(name, "", "enum")
	b.changes = append(b.changes, DropEnum{Name: name})
}
