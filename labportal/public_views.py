"""The programme's public pages (issue 16): 地域DX推進ラボとは, 移行について, 公募, お知らせ (with an Atom
feed), 個人情報の取扱い, 利用規約, アクセシビリティ方針. Their texts are data staff edit (PublicPage,
Notice, RoundGuide, Programme, the criteria); the views only read (labportal.selectors)."""

from django.contrib.syndication.views import Feed
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.http import require_GET

from . import page_parts, selectors
from .markup import render as render_markup
from .models import Notice, Programme, PublicPage, RoundGuide
from .seed_data import ACTIVITY_IMAGE, QUADRANTS


def _page(slug):
    return PublicPage.objects.filter(slug=slug).first()


@require_GET
def about(request):
    iot_rounds = selectors.rounds_with_lab_counts("iot")
    return render(request, "labportal/public/about.html", {
        "page": _page(PublicPage.Slug.ABOUT),
        "dx": Programme.objects.get(code="dx"),
        "iot": Programme.objects.get(code="iot"),
        **page_parts.context(page_parts.ABOUT),  # criteria_set (review)
        "quadrants": QUADRANTS,
        "activity_image": ACTIVITY_IMAGE,
        "iot_rounds": iot_rounds,
        "iot_count": sum(selection_round.lab_count for selection_round in iot_rounds),
    })


@require_GET
def transition_info(request):
    return render(request, "labportal/public/transition.html", {
        "page": _page(PublicPage.Slug.TRANSITION),
        **page_parts.context(page_parts.TRANSITION),  # policy, rows, by_bureau (transition)
    })


@require_GET
def calls(request):
    return render(request, "labportal/public/calls.html", {
        "page": _page(PublicPage.Slug.CALLS),
        "guides": selectors.public_round_guides(),
    })


@require_GET
def round_guide_pdf(request, pk):
    guide = get_object_or_404(RoundGuide.objects.select_related("selection_round"), pk=pk)
    if not guide.guidelines_pdf or guide.selection_round.state == guide.selection_round.State.PREPARING:
        raise Http404
    try:
        handle = guide.guidelines_pdf.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    name = f"{guide.pdf_title or guide.selection_round}.pdf"
    response = FileResponse(handle, as_attachment=False, filename=name, content_type="application/pdf")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def notices(request):
    return render(request, "labportal/public/notices.html", {
        "notices": list(Notice.objects.published()[:50])})


@require_GET
def notice_detail(request, pk):
    notice = get_object_or_404(Notice.objects.published(), pk=pk)
    return render(request, "labportal/public/notice_detail.html", {"notice": notice})


@require_GET
def static_page(request, slug):
    page = get_object_or_404(PublicPage, slug=slug)
    return render(request, "labportal/public/page.html", {"page": page})


class NoticeFeed(Feed):
    """お知らせ as Atom (django.contrib.syndication)."""

    feed_type = Atom1Feed
    title = "地域DX推進ラボ お知らせ"
    subtitle = "地域DX推進ラボ ポータルのお知らせ"
    link = "/news/"

    def items(self):
        return Notice.objects.published()[:20]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return render_markup(item.body)

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at
