"""Use cases: each function is one thing a person or a job does with fic."""
