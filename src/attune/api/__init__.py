"""Open standards: personal access tokens, the REST API (``/api/v1/``) and FHIR R4 (``/fhir/r4/``).

Every endpoint resolves its object through the same scoped queries and asks the same
django-rules predicates as the web pages; submissions go through ``care.submission.submit_form``
and alert steps through ``alerts.services`` (issue 14, docs/api.md).
"""
