package demo

import (
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// postgresDriver is the database/sql driver used for Config.PostgresDSN.
// The X-Ray SDK asks the server for its version, user and database, so
// the SQL node is named after the database ("imagetrends@host"), as an RDS
// node is in the workshops.
const postgresDriver = "pgx"
