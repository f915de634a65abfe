"""The published demo logins and their password: one home for the list the demo banner shows
(``attune_accounts.demo_logins``) and ``attune demo`` prints, and that the demo loader creates.

Data only, so that the sign-in page can show the list without loading the demo loader (the
simulator and every app) and accounts keeps below the demo in the layering."""

DEMO_PASSWORD = "attune-demo"  # noqa: S105 - the published demo password
DEMO_LOGINS = (
    ("therapist@example.org", "therapist (integrative: psychoanalysis, EMDR, SE, hypnosis)"),
    ("colleague@example.org", "therapist (colleague)"),
    ("client@example.org", "client of therapist@example.org"),
    ("supervisor@example.org", "clinical supervisor"),
    ("admin@example.org", "practice administrator"),
)
