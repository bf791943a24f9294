"""De-identification: personal-data patterns, name finding, redaction."""
