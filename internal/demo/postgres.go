package demo

// postgresDriver is the database/sql driver used for Config.PostgresDSN;
// empty while no PostgreSQL driver is linked in.
const postgresDriver = ""
