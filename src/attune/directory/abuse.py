"""Small helpers against automated abuse of public forms (for attune.matching and others).

Honeypot: a field people never see and bots fill in::

    from attune.directory.abuse import HoneypotMixin, is_bot

    class ConsultationForm(HoneypotMixin, forms.Form):
        ...

    # in the view, before saving: a filled honeypot gets the same "thank you" page as a real
    # request, but nothing is stored or sent (do not tell the bot it was caught).
    if form.is_valid() and not is_bot(form):
        ...

In the template render ``{{ form.website }}`` inside ``<div class="hp" aria-hidden="true">``;
``.hp`` is hidden by directory.css (no inline style: CSP). The field is ``tabindex=-1`` and
``autocomplete=off`` so keyboard users and password managers skip it.

Rate limits (django-ratelimit is installed) on the view that accepts the form::

    from django_ratelimit.decorators import ratelimit

    @ratelimit(key="ip", rate=PUBLIC_FORM_RATE, method="POST", block=False)
    def request_consultation(request):
        if getattr(request, "limited", False):
            return render(request, "...", status=429)  # a friendly page, not an error trace

Behind a proxy, make sure ``REMOTE_ADDR`` is the client's address (e.g. set
``RATELIMIT_IP_META_KEY`` or a trusted middleware); otherwise every request shares one key.
"""

from __future__ import annotations

from django import forms

HONEYPOT_FIELD = "website"
PUBLIC_FORM_RATE = "5/h"  # per IP address, for anonymous POSTs (consultation requests)


class HoneypotMixin(forms.Form):
    website = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )


def is_bot(form: forms.Form) -> bool:
    """True when the hidden honeypot field was filled in (call after ``is_valid()``)."""
    value = form.cleaned_data.get(HONEYPOT_FIELD) if hasattr(form, "cleaned_data") else None
    if value is None:
        value = form.data.get(HONEYPOT_FIELD, "")
    return bool(str(value).strip())
