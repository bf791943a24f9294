"""Import CSV/XLSX exports of hotline, mailbox and feedback systems into the store."""
from crawlers.importer.core import ImportRefused, ImportReport, import_file
from crawlers.importer.readers import ImportFileError

__all__ = ["ImportFileError", "ImportRefused", "ImportReport", "import_file"]
