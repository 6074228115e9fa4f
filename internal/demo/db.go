package demo

import (
	"context"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The queries are written with $n placeholders, which both SQLite and
// PostgreSQL accept, each number used once and in order.
const (
	qUserByEmail   = `SELECT id, email, name, plan, password_salt, password_hash FROM users WHERE email = $1`
	qInsertSession = `INSERT INTO sessions (token, user_id, created_at) VALUES ($1, $2, $3)`
	qSessionUser   = `SELECT u.id, u.email, u.name, u.plan FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token = $1`
	qDeleteSession = `DELETE FROM sessions WHERE token = $1`
	qInsertPhoto   = `INSERT INTO photos (user_id, object_key, thumb_key, format, width, height, bytes, labels, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`
	qSetLabels     = `UPDATE photos SET labels = $1 WHERE id = $2`
	qListPhotos    = `SELECT id, object_key, thumb_key, format, width, height, bytes, labels, created_at FROM photos WHERE user_id = $1 ORDER BY id DESC LIMIT $2`
	qPhoto         = `SELECT id, object_key, thumb_key, format, width, height, bytes, labels, created_at FROM photos WHERE id = $1 AND user_id = $2`
	qCountPhotos   = `SELECT COUNT(*) FROM photos WHERE user_id = $1`
)

// schema creates the tables; the only dialect difference the demo needs is
// how an auto-incrementing key is spelled.
func schema(postgres bool) []string {
	id := "INTEGER PRIMARY KEY"
	if postgres {
		id = "BIGSERIAL PRIMARY KEY"
	}
	return []string{
		`CREATE TABLE IF NOT EXISTS users (id ` + id + `, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL, plan TEXT NOT NULL, password_salt BYTEA NOT NULL, password_hash BYTEA NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS sessions (token TEXT PRIMARY KEY, user_id BIGINT NOT NULL, created_at BIGINT NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS photos (id ` + id + `, user_id BIGINT NOT NULL, object_key TEXT NOT NULL, thumb_key TEXT NOT NULL, format TEXT NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL, bytes BIGINT NOT NULL, labels TEXT NOT NULL, created_at BIGINT NOT NULL)`,
		`CREATE INDEX IF NOT EXISTS photos_by_user ON photos (user_id, id)`,
	}
}

type user struct {
	ID    int64
	Email string
	Name  string
	Plan  string
}

type photo struct {
	ID        int64
	Key       string
	ThumbKey  string
	Format    string
	Width     int
	Height    int
	Bytes     int64
	Labels    string // comma-separated; empty while pending
	CreatedAt time.Time
}

// LabelList splits Labels for templates.
func (p photo) LabelList() []string {
	if p.Labels == "" {
		return nil
	}
	return strings.Split(p.Labels, ",")
}

// Account is a seeded user the traffic generator (or a person) logs in as.
type Account struct {
	Email, Password, Name, Plan string
}

// AdminAccount is the workshop's login.
var AdminAccount = Account{Email: "admin@admin.com", Password: "Password123", Name: "Admin", Plan: "pro"}

var firstNames = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yara"}

// accounts is the admin plus n simulated users.
func accounts(n int) []Account {
	out := []Account{AdminAccount}
	plans := []string{"free", "free", "pro"}
	for i := range n {
		name := firstNames[i%len(firstNames)]
		if i >= len(firstNames) {
			name = fmt.Sprintf("%s%d", name, i/len(firstNames)+1)
		}
		out = append(out, Account{
			Email:    name + "@imagetrends.example",
			Password: "Password123",
			Name:     strings.ToUpper(name[:1]) + name[1:],
			Plan:     plans[i%len(plans)],
		})
	}
	return out
}

// migrate creates the schema and the accounts through an uninstrumented
// connection: setup is not part of any request, so it has no trace to
// belong to.
func migrate(ctx context.Context, db *sql.DB, postgres bool, accs []Account) error {
	for _, stmt := range schema(postgres) {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("cannot create schema: %w", err)
		}
	}
	for _, a := range accs {
		salt := make([]byte, 16)
		rand.Read(salt)
		hash, err := hashPassword(a.Password, salt)
		if err != nil {
			return err
		}
		if _, err := db.ExecContext(ctx,
			`INSERT INTO users (email, name, plan, password_salt, password_hash) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (email) DO NOTHING`,
			a.Email, a.Name, a.Plan, salt, hash); err != nil {
			return fmt.Errorf("cannot create user %s: %w", a.Email, err)
		}
	}
	return nil
}

// Few iterations: this is a demo, and logins are part of its load.
const pbkdf2Iterations = 2000

func hashPassword(password string, salt []byte) ([]byte, error) {
	h, err := pbkdf2.Key(sha256.New, password, salt, pbkdf2Iterations, 32)
	if err != nil {
		return nil, fmt.Errorf("cannot hash password: %w", err)
	}
	return h, nil
}

// photoDB is the application's data access; every call goes through the
// X-Ray SDK's SQL instrumentation, so each query is a subsegment.
type photoDB struct {
	db *sql.DB
}

var errNotFound = errors.New("not found")

// checkLogin returns the user whose email and password match, or
// errNotFound.
func (p *photoDB) checkLogin(ctx context.Context, email, password string) (user, error) {
	var u user
	var salt, hash []byte
	err := p.db.QueryRowContext(ctx, qUserByEmail, email).Scan(&u.ID, &u.Email, &u.Name, &u.Plan, &salt, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return user{}, errNotFound
	}
	if err != nil {
		return user{}, fmt.Errorf("cannot look up user %s: %w", email, err)
	}
	got, err := hashPassword(password, salt)
	if err != nil {
		return user{}, err
	}
	if subtle.ConstantTimeCompare(got, hash) != 1 {
		return user{}, errNotFound
	}
	return u, nil
}

func (p *photoDB) createSession(ctx context.Context, token string, userID int64) error {
	if _, err := p.db.ExecContext(ctx, qInsertSession, token, userID, time.Now().Unix()); err != nil {
		return fmt.Errorf("cannot create session: %w", err)
	}
	return nil
}

func (p *photoDB) sessionUser(ctx context.Context, token string) (user, error) {
	var u user
	err := p.db.QueryRowContext(ctx, qSessionUser, token).Scan(&u.ID, &u.Email, &u.Name, &u.Plan)
	if errors.Is(err, sql.ErrNoRows) {
		return user{}, errNotFound
	}
	if err != nil {
		return user{}, fmt.Errorf("cannot look up session: %w", err)
	}
	return u, nil
}

func (p *photoDB) deleteSession(ctx context.Context, token string) error {
	if _, err := p.db.ExecContext(ctx, qDeleteSession, token); err != nil {
		return fmt.Errorf("cannot delete session: %w", err)
	}
	return nil
}

func (p *photoDB) insertPhoto(ctx context.Context, userID int64, ph photo) (int64, error) {
	var id int64
	err := p.db.QueryRowContext(ctx, qInsertPhoto, userID, ph.Key, ph.ThumbKey, ph.Format, ph.Width, ph.Height, ph.Bytes, ph.Labels, time.Now().Unix()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("cannot record photo: %w", err)
	}
	return id, nil
}

func (p *photoDB) setLabels(ctx context.Context, id int64, labels string) error {
	if _, err := p.db.ExecContext(ctx, qSetLabels, labels, id); err != nil {
		return fmt.Errorf("cannot record labels of photo %d: %w", id, err)
	}
	return nil
}

func (p *photoDB) photos(ctx context.Context, userID int64, limit int) ([]photo, int, error) {
	var total int
	if err := p.db.QueryRowContext(ctx, qCountPhotos, userID).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("cannot count photos: %w", err)
	}
	rows, err := p.db.QueryContext(ctx, qListPhotos, userID, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("cannot list photos: %w", err)
	}
	defer rows.Close()
	var out []photo
	for rows.Next() {
		ph, err := scanPhoto(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, ph)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("cannot list photos: %w", err)
	}
	return out, total, nil
}

func (p *photoDB) photo(ctx context.Context, userID, id int64) (photo, error) {
	ph, err := scanPhoto(p.db.QueryRowContext(ctx, qPhoto, id, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return photo{}, errNotFound
	}
	return ph, err
}

func scanPhoto(row interface{ Scan(...any) error }) (photo, error) {
	var ph photo
	var created int64
	if err := row.Scan(&ph.ID, &ph.Key, &ph.ThumbKey, &ph.Format, &ph.Width, &ph.Height, &ph.Bytes, &ph.Labels, &created); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return photo{}, err
		}
		return photo{}, fmt.Errorf("cannot read photo: %w", err)
	}
	ph.CreatedAt = time.Unix(created, 0)
	return ph, nil
}
