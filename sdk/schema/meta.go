package schema

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/hoistdb/hoist/dialect"
	"github.com/hoistdb/hoist/sdk"
)

// The kinds of the metadata rows a schema migration keeps (see
// [sdk.SchemaMeta]). Each row is one step, replayed in order of version
// and of the rows within a version: a later migration's rename or drop
// applies to what earlier ones kept.
const (
	// metaColumn sets a column's Go field name (Key) and enum name
	// (Value); both empty forget them.
	metaColumn = "column"
	// metaRelation sets the relation names of foreign key Key on the
	// columns Column (joined by commas), as JSON in Value.
	metaRelation = "relation"
	// metaEnum defines enum Key with the members in Value, joined by
	// commas (members are identifiers).
	metaEnum = "enum"
	// metaEnumValue appends member Value to enum Key.
	metaEnumValue = "enum_value"
	metaDropEnum  = "drop_enum"
	// metaDropTable, metaRenameTable (to Value), metaDropColumn,
	// metaRenameColumn (Column to Value) and metaDropRelation (by name
	// Key, or by columns Column) follow the tables and columns.
	metaDropTable    = "drop_table"
	metaRenameTable  = "rename_table"
	metaDropColumn   = "drop_column"
	metaRenameColumn = "rename_column"
	metaDropRelation = "drop_relation"
)

// relationNames is the JSON of a metaRelation row.
type relationNames struct {
	Alias        string `json:"alias,omitempty"`
	As           string `json:"as,omitempty"`
	InverseAlias string `json:"inverse_alias,omitempty"`
}

// metaRows returns the metadata rows of changes, as the builder
// describes them: field names, relation names, enum names and members,
// and the drops and renames that move them. It is never nil, so that the
// migration keeps (and on rollback deletes) its rows even when it has
// none.
func metaRows(changes []Change) []sdk.SchemaMeta {
	out := []sdk.SchemaMeta{}
	column := func(table string, c *ColumnDef, always bool) {
		if always || c.Field != "" || c.Enum != "" {
			out = append(out, sdk.SchemaMeta{Kind: metaColumn, Table: table, Column: c.Name, Key: c.Field, Value: c.Enum})
		}
	}
	relation := func(table string, fk *ForeignKeyDef) {
		if fk.Alias == "" && fk.As == "" && fk.InverseAlias == "" {
			return
		}
		v, _ := json.Marshal(relationNames{Alias: fk.Alias, As: fk.As, InverseAlias: fk.InverseAlias})
		out = append(out, sdk.SchemaMeta{Kind: metaRelation, Table: table, Column: strings.Join(fk.Columns, ","), Key: fk.Name, Value: string(v)})
	}
	for _, c := range changes {
		switch c := c.(type) {
		case CreateTable:
			// A table created again after a drop starts afresh.
			out = append(out, sdk.SchemaMeta{Kind: metaDropTable, Table: c.Table.Name})
			for _, col := range c.Table.Columns {
				column(c.Table.Name, col, false)
			}
			for _, fk := range c.Table.ForeignKeys {
				relation(c.Table.Name, fk)
			}
		case AddColumn:
			column(c.Table, c.Column, false)
		case ChangeColumn:
			column(c.Table, c.Column, true)
		case AddForeignKey:
			relation(c.Table, c.ForeignKey)
		case CreateEnum:
			out = append(out, sdk.SchemaMeta{Kind: metaEnum, Key: c.Enum.Name, Value: strings.Join(c.Enum.Values, ",")})
		case AddEnumValue:
			out = append(out, sdk.SchemaMeta{Kind: metaEnumValue, Key: c.Enum, Value: c.Value})
		case DropEnum:
			out = append(out, sdk.SchemaMeta{Kind: metaDropEnum, Key: c.Name})
		case DropTable:
			out = append(out, sdk.SchemaMeta{Kind: metaDropTable, Table: c.Name})
		case RenameTable:
			out = append(out, sdk.SchemaMeta{Kind: metaRenameTable, Table: c.From, Value: c.To})
		case DropColumn:
			out = append(out, sdk.SchemaMeta{Kind: metaDropColumn, Table: c.Table, Column: c.Column})
		case RenameColumn:
			out = append(out, sdk.SchemaMeta{Kind: metaRenameColumn, Table: c.Table, Column: c.From, Value: c.To})
		case DropForeignKey:
			out = append(out, sdk.SchemaMeta{Kind: metaDropRelation, Table: c.Table, Column: strings.Join(c.Columns, ","), Key: c.Name})
		}
	}
	return out
}

// keptColumn and keptRelation are what the replayed rows say of a column
// and a foreign key.
type keptColumn struct{ field, enum string }

type keptRelation struct {
	name    string
	columns []string
	names   relationNames
}

// Metadata is the schema metadata that migrations kept, replayed: what
// [WithMetadata] merges into an inspected schema.
type Metadata struct {
	columns   map[[2]string]keptColumn // table, column
	relations map[string][]*keptRelation
	enums     map[string][]string
}

// ReplayMetadata replays rows, as [sdk.ReadSchemaMeta] returns them, in
// their order. A row of a kind it does not know is an error, naming it:
// the rows were written by a newer hoist.
func ReplayMetadata(rows []sdk.SchemaMeta) (*Metadata, error) {
	md := &Metadata{columns: map[[2]string]keptColumn{}, relations: map[string][]*keptRelation{}, enums: map[string][]string{}}
	for _, r := range rows {
		switch r.Kind {
		case metaColumn:
			k := [2]string{r.Table, r.Column}
			if r.Key == "" && r.Value == "" {
				delete(md.columns, k)
			} else {
				md.columns[k] = keptColumn{field: r.Key, enum: r.Value}
			}
		case metaRelation:
			var n relationNames
			if err := json.Unmarshal([]byte(r.Value), &n); err != nil {
				return nil, fmt.Errorf("schema metadata of migration %d: relation %s on %s: %w", r.Version, r.Key, r.Table, err)
			}
			md.dropRelation(r.Table, r.Key, r.Column)
			md.relations[r.Table] = append(md.relations[r.Table], &keptRelation{name: r.Key, columns: splitList(r.Column), names: n})
		case metaEnum:
			md.enums[r.Key] = splitList(r.Value)
		case metaEnumValue:
			md.enums[r.Key] = append(md.enums[r.Key], r.Value)
		case metaDropEnum:
			delete(md.enums, r.Key)
		case metaDropTable:
			for k := range md.columns {
				if k[0] == r.Table {
					delete(md.columns, k)
				}
			}
			delete(md.relations, r.Table)
		case metaRenameTable:
			for k, v := range md.columns {
				if k[0] == r.Table {
					delete(md.columns, k)
					md.columns[[2]string{r.Value, k[1]}] = v
				}
			}
			if rel, ok := md.relations[r.Table]; ok {
				delete(md.relations, r.Table)
				md.relations[r.Value] = rel
			}
		case metaDropColumn:
			delete(md.columns, [2]string{r.Table, r.Column})
			md.relations[r.Table] = slices.DeleteFunc(md.relations[r.Table], func(k *keptRelation) bool { return slices.Contains(k.columns, r.Column) })
		case metaRenameColumn:
			if v, ok := md.columns[[2]string{r.Table, r.Column}]; ok {
				delete(md.columns, [2]string{r.Table, r.Column})
				md.columns[[2]string{r.Table, r.Value}] = v
			}
			for _, k := range md.relations[r.Table] {
				renameIn(k.columns, r.Column, r.Value)
			}
		case metaDropRelation:
			md.dropRelation(r.Table, r.Key, r.Column)
		default:
			return nil, fmt.Errorf("schema metadata of migration %d: unknown kind %q (written by a newer hoist?)", r.Version, r.Kind)
		}
	}
	return md, nil
}

// dropRelation forgets the foreign key of table called name, or on
// columns (joined by commas) where name is not known (SQLite keeps no
// names, so a down finds its key by columns).
func (md *Metadata) dropRelation(table, name, columns string) {
	md.relations[table] = slices.DeleteFunc(md.relations[table], func(k *keptRelation) bool {
		return (name != "" && k.name == name) || (columns != "" && strings.Join(k.columns, ",") == columns)
	})
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// WithMetadata returns a copy of s, as an [Inspector] read it, with what
// md kept merged in: field names, the relation names of foreign keys
// (found by name, else by columns, since SQLite keeps no names), and,
// where namedEnums is false (MySQL, SQLite), enum names. An enum column
// gets its name only when its members are the kept enum's, in order: a
// column altered by hand since is left unnamed rather than named wrongly;
// and kept enums are listed in s.Enums, as PostgreSQL lists its types.
// What md keeps of tables and columns that are not in s is left out.
func WithMetadata(s *Schema, md *Metadata, namedEnums bool) *Schema {
	out := s.Clone()
	for _, t := range out.Tables {
		for _, col := range t.Columns {
			k, ok := md.columns[[2]string{t.Name, col.Name}]
			if !ok {
				continue
			}
			col.Field = k.field
			if !namedEnums && col.Type == TypeEnum && col.Enum == "" && k.enum != "" && equalStrings(md.enums[k.enum], col.Values) {
				col.Enum = k.enum
			}
		}
		for _, fk := range t.ForeignKeys {
			kept := md.relations[t.Name]
			i := slices.IndexFunc(kept, func(k *keptRelation) bool { return k.name == fk.Name })
			if i < 0 {
				i = slices.IndexFunc(kept, func(k *keptRelation) bool { return equalStrings(k.columns, fk.Columns) })
			}
			if i >= 0 {
				fk.Alias, fk.As, fk.InverseAlias = kept[i].names.Alias, kept[i].names.As, kept[i].names.InverseAlias
			}
		}
	}
	if !namedEnums {
		for name, values := range md.enums {
			if out.Enum(name) == nil {
				out.Enums = append(out.Enums, &EnumDef{Name: name, Values: slices.Clone(values)})
			}
		}
	}
	out.Sort()
	return out
}

// namedEnums reports whether the engine of ins keeps enum names in its
// catalogue (PostgreSQL's types), by what its Catalogued keeps.
func namedEnums(ins Inspector) bool {
	probe := &Schema{Enums: []*EnumDef{{Name: "probe", Values: []string{"A"}}}}
	return len(ins.Catalogued(probe).Enums) > 0
}

// InspectWithMetadata is [Inspect] with the metadata that the schema
// migrations recorded in the history table history ("" for
// hoist_migrations) kept merged in ([WithMetadata]): what generated
// models need, and what the hoist command reads without the compiled
// migrations. Only migrations whose history row is applied count. It
// leaves out history, its seed, metadata and event log tables and exclude.
func InspectWithMetadata(ctx context.Context, q Querier, d dialect.Dialect, history string, exclude ...string) (*Schema, error) {
	if history == "" {
		history = "hoist_migrations"
	}
	s, err := Inspect(ctx, q, d, append([]string{history, history + "_seeds", sdk.SchemaMetaTable(history), sdk.EventsTable(history)}, exclude...)...)
	if err != nil {
		return nil, err
	}
	rows, err := sdk.ReadSchemaMeta(ctx, q, d, history)
	if err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	md, err := ReplayMetadata(rows)
	if err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	return WithMetadata(s, md, namedEnums(d.(Inspector))), nil
}

// currentWithMetadata is the schema a running migration starts from: the
// catalogue through tx, with the metadata of the migrations applied
// before it merged in, so that EnumRef and AddEnumValue find enums that
// an earlier migration defined on MySQL and SQLite too.
func currentWithMetadata(ctx context.Context, ins Inspector, tx sdk.Tx) (*Schema, error) {
	current, err := ins.InspectSchema(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("inspecting the schema before the migration: %w", err)
	}
	rows, err := sdk.RunningSchemaMeta(ctx, tx)
	if err != nil {
		return nil, err
	}
	md, err := ReplayMetadata(rows)
	if err != nil {
		return nil, err
	}
	return WithMetadata(current, md, namedEnums(ins)), nil
}
