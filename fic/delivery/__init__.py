"""Ways fic reaches people: email now; SMS and webhooks behind the same kind of adapter."""
