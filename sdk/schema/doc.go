// Package schema describes database schemas in Go: a model of tables,
// columns, keys, indexes and enums that the builder writes and the
// dialects read back, and a builder DSL for migrations in the spirit of
// Laravel's schema builder.
//
// # Migrations
//
// [Migration] returns an [sdk.Migration], a value for
// [sdk.WithMigrations], from a function that describes changes:
//
//	var createOrders = schema.Migration(20261201090000, "create orders", func(s *schema.Builder) {
//		s.CreateTable("orders", func(t *schema.Table) {
//			t.ID()
//			t.Enum("status", "PENDING", "PAID").EnumName("OrderStatus").Default("PENDING")
//			t.BigInteger("user_id").Foreign().References("users", "id").OnDelete(schema.Cascade)
//			t.Timestamps()
//		})
//	})
//
// The function runs once, when the migration is built, and touches no
// database. What it describes is checked at once (enum rules, duplicate
// columns, defaults that do not fit their type, indexes on missing
// columns): a mistake fails [sdk.New], naming the migration, table and
// column. When the migration runs it inspects the schema it runs on,
// checks its changes against it ([Plan]: referenced tables and columns
// exist, reused enums exist and have the default as a member), renders
// them for the Migrator's dialect and only then executes them.
//
// The down is derived where the inverse is known: a created table is
// dropped, an added column, index or foreign key removed, a rename
// undone, and a named enum the migration created dropped once no column
// uses it. A drop has no known inverse, so a migration that drops
// anything is irreversible unless built with [MigrationWithDown].
//
// # Model
//
// [Schema] holds [TableDef]s and [EnumDef]s. Types are portable ([Type]);
// the engine's exact spelling is kept in [ColumnDef.Raw] by inspection
// and left out of comparisons. [Schema.String] prints one line per
// object in a stable order, so two schemas are the same shape exactly
// when they print the same.
//
// # Dialects
//
// Rendering and inspection are abilities of a dialect, discovered by
// type assertion as the engine discovers dialect.Scripter: a
// [Renderer] spells [Change]s as DDL and an [Inspector] reads a live
// schema back ([Inspect] wraps it and leaves out hoist's own tables).
// dialect/postgres, dialect/mysql and dialect/sqlite have both, and a
// dialect for another engine can add them. This package imports no
// driver and no dialect package; the dialects import it.
//
// What the builder describes and what a dialect inspects after applying
// it are equal once the description is reduced to what the engine's
// catalogue keeps ([Inspector.Catalogued]): dialect/dialecttest checks
// it on every engine, and that a rollback restores the schema inspected
// before. docs/schema.md lists the per-engine differences.
package schema
