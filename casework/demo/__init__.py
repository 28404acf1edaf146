"""Synthetic demo data: a fictional municipality whose citizens, spells, meetings,
assessment snapshots and outcomes look like Danish unemployment statistics.

- ``figures``: every number the generator uses, with its source or "assumption".
- ``names``: Danish (and immigrant) first and last names for fictional citizens and staff.
- ``population``: citizens (CPR numbers, names, birth dates) as plain numpy arrays.
- ``generation``: spells, meetings, snapshot values and outcomes as plain arrays; no
  database, deterministic for a seed and a date.
- ``loading``: the bulk writes, in one transaction with one audit event.
- ``staff``: the demo logins (caseworker, caseworker2, manager, dpo, analyst, admin).

``docs/synthetic-data.md`` explains the model in prose.
"""
