"""Which unit answers a letter, its category, and whether it is admissible."""
