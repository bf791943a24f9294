"""analysis package: text, privacy, routing, deadlines, topics, quality and sources sub-packages."""
from pathlib import Path

# Vocabularies, rules and calendar notices shipped with the package; every sub-package reads them here.
DATA_DIR = Path(__file__).parent / "data"
