"""OneStop: one-stop government services."""
