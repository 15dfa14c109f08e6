"""A clinic's data going out and coming in: CSV for `fic backtest` and research, FHIR R4."""
