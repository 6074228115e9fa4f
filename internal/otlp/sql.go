package otlp

import (
	"net/url"
	"strings"
)

// sqlSystems are the db.system values that are SQL databases; only they
// get an sql block (X-Ray's sql block describes SQL queries).
var sqlSystems = map[string]bool{
	"other_sql": true, "mssql": true, "mysql": true, "oracle": true, "db2": true, "postgresql": true,
	"redshift": true, "hive": true, "cloudscape": true, "hsqldb": true, "progress": true, "maxdb": true,
	"hanadb": true, "ingres": true, "firstsql": true, "edb": true, "cache": true, "adabas": true,
	"firebird": true, "derby": true, "filemaker": true, "informix": true, "instantdb": true,
	"interbase": true, "mariadb": true, "netezza": true, "pervasive": true, "pointbase": true,
	"sqlite": true, "sybase": true, "teradata": true, "vertica": true, "h2": true, "cockroachdb": true,
	"trino": true, "clickhouse": true, "spanner": true, "microsoft.sql_server": true, "ibm.db2": true,
	"oracle.db": true, "sap.hana": true, "aws.redshift": true,
}

// sqlKeys are the attributes makeSQL turns into the sql block.
var sqlKeys = []string{"db.connection_string", "db.user", "db.statement", "db.query.text"}

// makeSQL builds the sql block of a span on a SQL database, or returns nil.
func makeSQL(a attrs) map[string]any {
	system := a.str("db.system.name", "db.system")
	if !sqlSystems[system] {
		return nil
	}
	sql := map[string]any{"database_type": system}
	if u := dbURL(a); u != "" {
		sql["url"] = u
	}
	if v := a.str("db.user"); v != "" {
		sql["user"] = v
	}
	if v := a.str("db.query.text", "db.statement"); v != "" {
		sql["sanitized_query"] = v
	}
	return sql
}

// dbURL is the connection string without credentials, or host:port/name.
func dbURL(a attrs) string {
	if cs := a.str("db.connection_string"); cs != "" {
		cs = strings.TrimPrefix(cs, "jdbc:")
		if u, err := url.Parse(cs); err == nil && u.User != nil {
			u.User = nil
			cs = u.String()
		}
		return cs
	}
	host := dbHost(a)
	if host == "" {
		return ""
	}
	if port := a.str("server.port", "net.peer.port"); port != "" {
		host += ":" + port
	}
	if db := a.str("db.namespace", "db.name"); db != "" {
		host += "/" + db
	}
	return host
}

// dbHost is the database server's name.
func dbHost(a attrs) string {
	if h := a.str("server.address", "net.peer.name"); h != "" {
		return h
	}
	if cs := a.str("db.connection_string"); cs != "" {
		if u, err := url.Parse(strings.TrimPrefix(cs, "jdbc:")); err == nil {
			return u.Hostname()
		}
	}
	return ""
}
