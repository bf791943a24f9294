"""Collection: the Scrapy project, the export importer and the demo portal."""
