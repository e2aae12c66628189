"""Issue a new consent version as soon as the practice's text changes, so clients are told at once.

The consent text depends on the practice (its name and jurisdiction) and its consent policies. When
one of those is saved, and the practice already uses consent through Confide, the new text is issued
as a version after the change commits; clients who signed an older version get a notice e-mail that
says nothing but "something is waiting in your portal". A change of a pack file arrives with a new
release instead: the version is then issued the next time anyone opens the consent page.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from confide.portal import services
from confide.portal.consent_gate import consent_process_started
from confide.practice.models import Practice

logger = logging.getLogger(__name__)


def refresh_consent_version(practice_id: int) -> None:
    """Store the practice's current text as a new version if it changed (and notify), else nothing."""
    if not consent_process_started(practice_id):
        return
    practice = Practice.objects.filter(pk=practice_id).first()
    if practice is None:
        return
    try:
        services.current_version(practice)
    except services.ConsentUnavailableError:
        logger.warning("The consent text of practice %s could not be refreshed", practice_id)


def practice_text_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """`post_save` of a Practice or a ConsentPolicy: refresh the consent version after commit."""
    practice_id = instance.pk if sender.__name__ == "Practice" else instance.practice_id
    transaction.on_commit(lambda: refresh_consent_version(int(practice_id)))
