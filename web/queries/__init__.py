"""Read queries behind the pages (kept out of the routes so benchmarks can call them directly)."""
