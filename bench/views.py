"""The benchmark's minimal view: the limit of the stack, against which every page is compared.

It does what the cheapest real page does and nothing more: the same middleware (sessions, CSRF,
auth, messages, Server-Timing), one query by an indexed column, a small template. Routed only
when settings.BENCH_ENDPOINTS is true (labportal/urls.py)."""

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from labportal.models import Prefecture


@require_GET
def bench_minimal(request):
    code = request.GET.get("prefecture", "13")
    prefecture = get_object_or_404(Prefecture.objects.only("code", "name"), code=code)  # unique index
    return render(request, "bench/minimal.html", {"prefecture": prefecture})
