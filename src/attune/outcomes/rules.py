"""Who may open the practice outcomes page (django-rules).

* The practice administrator and clinical supervisors see aggregates only — the whole practice
  (administrator) or the therapists she supervises (supervisor) — with small counts suppressed;
  never a client's name, score or record (issue 13: aggregates with suppression are not a
  record read).
* A therapist sees the outcomes of her own finished courses only.
* Clients have no access.

Which episodes each role's figures are drawn from is decided in one place,
:func:`attune.outcomes.queries.scope_for`.
"""

from __future__ import annotations

import rules

from attune.accounts.rules import is_practice_admin, is_supervisor, is_therapist

rules.add_perm("outcomes.view_outcomes", is_practice_admin | is_supervisor | is_therapist)
# A table with one row per therapist: the administrator's and a supervisor's.
rules.add_perm("outcomes.compare_therapists", is_practice_admin | is_supervisor)
# The pseudonymised session-level research export (issue 13): the roles that see the page, each
# for the same scope (:func:`attune.outcomes.queries.scope_for`); every export is audited.
rules.add_perm("outcomes.export_research", is_practice_admin | is_supervisor | is_therapist)
