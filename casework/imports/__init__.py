"""Imports of citizen data from the case system: citizens, spells, meetings, assessment
snapshots and 12-month outcomes, keyed by the case system's ids (docs/imports.md).

- ``reading``: pure; bytes of a CSV or JSON file in, raw records out (encoding,
  delimiter, limits, the file's own mistakes);
- ``serializers``: DRF serializers that check one record of each type against the
  models and the feature specification; the file import and the API share them;
- ``services``: ``records_import`` (the one write: upsert by the case system's ids,
  all or nothing, one audit event) and the import page's uploads.
"""
