"""Storage: one store contract (`Store`), one SQL implementation, two engines (SQLite, PostgreSQL)."""
