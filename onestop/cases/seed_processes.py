"""Demo-seed step of `cases` (seed_processes)."""
