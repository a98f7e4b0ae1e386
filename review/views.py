"""The review app's one page outside the admin: the lab mark, for the selected lab's organisation."""

from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from labportal.models import Lab
from labportal.security import AccessRefused

from . import selectors

# Deliberately not under static/: WhiteNoise serves everything there to anyone.
LAB_MARK = Path(__file__).resolve().parent / "assets" / "dx-lab-mark.svg"


@require_GET
@login_required
def lab_mark(request, pk):
    """「地域DX推進ラボ」マーク as an SVG download, for active members of the organisation whose
    application became this lab; anyone else gets 404, like a lab without a mark."""
    lab = get_object_or_404(Lab, pk=pk, programme__code="dx")
    if not selectors.lab_mark_allowed(request.user, lab):
        raise AccessRefused("ラボのマーク", pk)
    inline = request.GET.get("inline") == "1"  # the preview on the lab's page
    response = FileResponse(LAB_MARK.open("rb"), as_attachment=not inline, filename="dx-lab-mark.svg",
                            content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response
