"""What care tells the apps above it after a write, without importing them (``django.dispatch``).

Care sits below alerts: alerts reads episodes, so care cannot call alerts back without a cycle.
Each event here has one receiver, in ``attune.alerts.receivers`` (connected when the alerts app
is ready), and a system check (``care.E001``, ``attune.care.checks``) refuses to start an
installation in which either has none, so the safety path cannot be lost to a missing import.
Sent with ``Signal.send``, not ``send_robust``: an error of the receiver reaches the sender.
"""

from __future__ import annotations

from django.dispatch import Signal

#: A response carrying a new or higher safety answer (PHQ-9 item 9 >= 1) was stored: sent inside
#: the response's transaction, with ``response``. The receiver opens the safety alert and queues
#: the therapist's notice in that same transaction; if it fails, the transaction is rolled back
#: with it: a safety answer is never stored without its alert (Simon et al. 2013; NICE NG225;
#: docs/clinical-rules.md).
safety_answer_stored = Signal()

#: An episode's record changed (a complete form, a session recorded): sent after the write's own
#: transaction, with ``episode`` — possibly still inside a caller's (the e-mailed link stores its
#: form and spends the link in one), so a receiver with effects outside the database waits for
#: ``transaction.on_commit``. The receiver re-evaluates the episode's signals; a failure there
#: is logged and never undoes the write (``attune evaluate`` catches up).
episode_written = Signal()

#: Every event with the reason it must have a receiver (the system check's list).
MUST_HAVE_RECEIVER = {
    "safety_answer_stored": (safety_answer_stored, "safety answers would open no alert"),
    "episode_written": (episode_written, "alerts would not follow new forms and sessions"),
}
