"""What the answers the flows collect mean for a case's queue columns.

The flows name their answers (``fields``); the command-centre queue filters, searches and reports
on a few of them as columns of the case: the affected worker's name, the country and the
recruitment company (P3MI). Which answer fills which column is the flows' knowledge, so it lives
here; storage saves the columns it is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Answer name -> case column.
COLUMN_FIELDS: Mapping[str, str] = {
    "worker_name": "affected_name",
    "country": "country",
    "country_code": "country",  # cases opened on the critical path before issue 13
    "p3mi": "recruitment_company",
}
MAX_COLUMN = 200


def case_columns(fields: Mapping[str, Any]) -> dict[str, str]:
    """The case columns these answers fill (only non-empty text answers count)."""
    columns: dict[str, str] = {}
    for key, column in COLUMN_FIELDS.items():
        value = fields.get(key)
        if isinstance(value, str) and value.strip():
            columns[column] = value.strip()[:MAX_COLUMN]
    return columns
