"""One client's course, built once from what is stored, for the staff pages and reports."""
