"""Who may read the practice page (django-rules): the practice administrator only.

Therapists, supervisors and clients have their own homes; the page holds practice-wide figures
and clients' deletion requests, which are the administrator's to handle."""

from __future__ import annotations

import rules

from attune.accounts.rules import is_practice_admin

rules.add_perm("practice.view_practice_page", is_practice_admin)
