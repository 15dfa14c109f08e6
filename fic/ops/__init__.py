"""Running fic: backup and restore, retention, metrics and logs."""
