"""Store contract suite: the same tests on SQLite and PostgreSQL."""
