// Package modeltest holds the models the tests of schema.FromModels and
// schema.FromSource read, compiled for the first and parsed for the
// second, so that both readers are held to one mapping.
package modeltest

import (
	"database/sql"
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// OrderStatus is an enum: a named string type with Values.
type OrderStatus string

// The members of OrderStatus.
const (
	Pending  OrderStatus = "PENDING"
	Paid     OrderStatus = "PAID"
	Refunded OrderStatus = "REFUNDED"
)

// Values lists the members in order.
func (OrderStatus) Values() []string {
	return []string{string(Pending), string(Paid), string(Refunded)}
}

// Mood is an enum whose Values returns literals (OrderStatus's returns
// constants).
type Mood string

// Values lists the members.
func (Mood) Values() []string { return []string{"HAPPY", "SAD"} }

// Timestamps is embedded by models that keep them.
type Timestamps struct {
	CreatedAt *time.Time `db:"created_at"`
	UpdatedAt *time.Time `db:"updated_at"`
}

// User is a model with most mapped types.
type User struct {
	ID       int64           `db:"id" hoist:"pk;autoincrement"`
	Email    string          `db:"email_address" hoist:"size:255;unique;renamed_from:email"`
	Name     string          `db:"name" hoist:"size:100;index:users_name_age"`
	Age      int16           `db:"age" hoist:"default:0;index:users_name_age"`
	Score    int32           `db:"score"`
	Active   bool            `db:"active" hoist:"default:true"`
	Ratio    float64         `db:"ratio"`
	Balance  string          `db:"balance" hoist:"type:decimal(10,2);default:0"`
	Bio      sql.NullString  `db:"bio"`
	Nick     *string         `db:"nick" hoist:"size:50"`
	Visits   sql.Null[int64] `db:"visits"`
	Token    uuid.UUID       `db:"token"`
	Prefs    json.RawMessage `db:"prefs"`
	Avatar   []byte          `db:"avatar"`
	Mood     Mood            `db:"mood" hoist:"default:HAPPY"`
	LastSeen time.Time       `db:"last_seen" hoist:"default:CURRENT_TIMESTAMP"`
	Timestamps
	Posts []Post `db:"-"`
	cache string
}

// Post takes its table name from the struct's, and references users.
type Post struct {
	ID     int64       `db:"id" hoist:"pk;autoincrement"`
	UserID int64       `hoist:"fk:users.id;ondelete:cascade"`
	Title  string      `db:"title" hoist:"size:200"`
	Status OrderStatus `db:"status" hoist:"default:PENDING"`
	Owner  *User       `db:"-"`
}

// Category has a table name of its own.
type Category struct {
	ID       int64          `db:"id" hoist:"pk;autoincrement"`
	ParentID sql.NullInt64  `db:"parent_id" hoist:"fk:taxonomy.id;ondelete:set null"`
	Label    string         `db:"label" hoist:"size:80;unique"`
	Kind     sql.NullString `db:"kind" hoist:"enum:OrderStatus"`
}

// TableName names the table.
func (Category) TableName() string { return "taxonomy" }

// RenamedFrom names the table's former name: Diff renames categories to
// taxonomy instead of creating taxonomy. A pointer receiver, which
// FromModels finds as well.
func (*Category) RenamedFrom() string { return "categories" }
