"""A clinic and its own choices: staff and keys, settings, logo, delivery settings, alert policy."""
