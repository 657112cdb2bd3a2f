"""Where case records come from: CSV files or a SQL database, behind one small interface."""

from checker.sources.base import Source, SourceError
from checker.sources.csv_source import CsvSource
from checker.sources.sql_source import SqlSource, read_query

__all__ = ["CsvSource", "Source", "SourceError", "SqlSource", "read_query"]
