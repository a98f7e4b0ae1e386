"""A section page's POST, the same for a DX application (applications.views.section_edit) and an
IoT lab's transition plan (transition.views.plan_section): refuse while editing is blocked, check
the form and its tables, save through the caller's service, and say what happened.
"""

from dataclasses import dataclass

from django.contrib import messages

from .models import SECTIONS_BY_KEY
from .services import StaleSection


@dataclass
class SectionPost:
    saved: bool
    status: int  # the refused save's page: 400 (input) or 409 (blocked, stale, locked)
    stale: object = None  # the section as another tab saved it, for the conflict panel


def section_post(request, key, form, formsets, *, block_reason, save, refusals) -> SectionPost:
    """Handle the POST of section `key`. `save(expected_version=…, formsets=[…])` writes it and
    raises StaleSection or one of `refusals` (the caller's "not editable now" errors)."""
    if block_reason:
        messages.error(request, block_reason)
        return SectionPost(saved=False, status=409)
    if not (form.is_valid() and all(fs.is_valid() for fs, _ in formsets)):
        messages.error(request, "入力内容に誤りがあります。各項目のメッセージをご確認ください。"
                                "入力した内容はまだ保存されていません。")
        return SectionPost(saved=False, status=400)
    try:
        save(expected_version=form.cleaned_data["version"], formsets=[fs for fs, _ in formsets])
    except StaleSection as error:
        # The next save is a deliberate overwrite of what the other tab saved.
        form.data = form.data.copy()
        form.data["version"] = str(error.current.version)
        messages.error(request, str(error))
        return SectionPost(saved=False, status=409, stale=error.current)
    except refusals as error:
        messages.error(request, str(error))
        return SectionPost(saved=False, status=409)
    messages.success(request, f"「{SECTIONS_BY_KEY[key].title}」を保存しました。")
    return SectionPost(saved=True, status=200)
