// Package sqlgen builds the history and seed statements of the dialect
// packages from a [Dialect]: how an engine quotes identifiers, how it
// writes placeholders and which column types it declares. The statements
// themselves (their columns, order and clauses) are written once, here;
// each dialect package describes its engine in one Dialect value and its
// history.go and seeds.go hand the statements out.
//
//	var spelling = sqlgen.Dialect{
//		Quote:       '"',
//		Placeholder: sqlgen.Dollar,
//		History:     sqlgen.HistoryTypes{Version: "BIGINT", ...},
//		Seeds:       sqlgen.SeedTypes{Name: "VARCHAR(255)", ...},
//	}
//
//	func (*Dialect) SelectHistory(table string) string { return spelling.SelectHistory(table) }
//
// The text each dialect sends is pinned to the byte by its package's
// tests; a change here shows up there.
package sqlgen
