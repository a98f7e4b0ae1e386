"""The review app in the admin.

- reviewer.py: what a reviewer sees — only their own reviews (担当する審査), the scoring page,
  and their declared conflicts of interest;
- staff.py: what staff (事務局) see — every review and assignment, each round's settings with
  its ranking, assignment, announcement and exports, decisions and hearings;
- criteria.py: the criteria sets, read-only once frozen;
- exclusions.py: reviews left out of the ranking for a conflict declared after scoring.
"""

from . import criteria, exclusions, reviewer, staff  # noqa: F401 - each registers its ModelAdmins
