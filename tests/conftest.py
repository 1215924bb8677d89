"""Shared fixtures. Test data is built through services, not raw ORM writes."""
