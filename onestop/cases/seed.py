"""Demo-seed step of `cases` (seed)."""
