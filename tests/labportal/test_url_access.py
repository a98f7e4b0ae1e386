"""Every URL of the portal, walked from the URL resolver (admin included), by four people who
must not see one organisation's objects: the logged-out visitor, an applicant of another
organisation, a reviewer not assigned to the application, and a reviewer who declared a conflict
of interest with the organisation (and so withdrew from its review).

Each URL is requested with the real ids of that organisation's objects. An object-bearing page
answers 404, a redirect to the login page for the logged-out, or the admin's refusal; whatever
it answers, the response never contains the objects' distinctive texts (the lab's name, a phrase
of the plan, the attachment's name and bytes, the reviewer's comment...). A POST by the wrong
person changes nothing.

RULES has one rule per URL name (or route, for unnamed patterns). The admin's generated URLs of
a model are grouped under ADMIN_MODELS. A new page without a rule fails
test_every_url_pattern_has_exactly_one_rule: say who may see it before shipping it."""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.http import int_to_base36
from simple_history.admin import SimpleHistoryAdmin

from applications import services as application_services
from applications.models import Attachment, Membership
from labportal.models import Lab, OutboxMail, Region, SelectionRound, User
from review import services as review_services
from review.models import ConflictOfInterest, Decision, Hearing, Review
from tests.applications.conftest import fill_completely, pdf_upload
from tests.factories import (
    ApplicantFactory,
    OrganisationFactory,
    RegionFactory,
    ReviewerFactory,
    StaffFactory,
    assign,
    make_application,
    make_review_round,
    make_round,
    member_of,
    score_inputs,
)
from tests.transition.conftest import fill_plan, iot_lab, make_policy
from transition import plan as transition_plan
from transition import services as transition_services
from transition.models import TransitionClaim, TransitionRequest

pytestmark = pytest.mark.django_db

# --- Outcomes ---------------------------------------------------------------------------------

LOGIN = frozenset({"login"})
NOT_FOUND = frozenset({"404"})
FORBIDDEN = frozenset({"403"})
OK = frozenset({"200"})
# What the admin answers a signed-in reviewer for an object they may not see: 403, 404, or back
# to the admin's index with "does not exist" (the same words as for an id nobody has).
ADMIN_REFUSED = frozenset({"403", "404", "admin_index"})
ANYTHING = frozenset({"200", "302", "login", "redirect", "admin_index", "403", "404", "405"})
PERSONAS = ("anonymous", "applicant", "reviewer", "conflicted_reviewer")


def outcome(response) -> str:
    if response.status_code in (301, 302, 303, 307, 308):
        path = urlsplit(response["Location"]).path
        if path.startswith((reverse("login"), "/admin/login/")):
            return "login"
        if path == reverse("admin:index"):
            return "admin_index"
        return "redirect"
    return str(response.status_code)


@dataclass(frozen=True)
class Rule:
    """Who gets what at one URL. `url` builds it from the data set with someone else's ids;
    `post` is the form a wrong person would send to a state-changing URL (None: not posted)."""

    url: Callable
    anonymous: frozenset
    applicant: frozenset
    reviewer: frozenset  # both reviewers
    post: dict | Callable | None = None

    def expected(self, persona: str, method: str = "GET") -> frozenset:
        allowed = getattr(self, "reviewer" if persona.endswith("reviewer") else persona)
        if method == "POST":
            allowed = (allowed - {"405"}) or NOT_FOUND
            if "200" in allowed:  # a form of one's own may send a refused POST back to itself
                allowed |= {"redirect"}
        return allowed


def public(url):
    return Rule(url, OK, OK, OK)


def account(url):
    """allauth's own pages: they carry no id of ours; whatever they answer, they reveal nothing."""
    return Rule(url, ANYTHING, ANYTHING, ANYTHING)


def own(url, applicant=OK, reviewer=FORBIDDEN, post=None):
    """A signed-in user's own page without an id (their dashboard, a form to create something)."""
    return Rule(url, LOGIN, applicant, reviewer, post)


def theirs(url, applicant=NOT_FOUND, reviewer=NOT_FOUND, post=None):
    """A page of the organisation's own objects: 404 for anyone else, like an id that does not exist."""
    return Rule(url, LOGIN, applicant, reviewer, post)


def staff_page(url, post=None):
    return Rule(url, LOGIN, FORBIDDEN, FORBIDDEN, post)


def admin_page(url, reviewer=ADMIN_REFUSED, post=None):
    """The admin: non-staff are sent to log in; reviewers see only what is theirs."""
    return Rule(url, LOGIN, LOGIN, reviewer, post)


def url(name, *args, query=""):
    """A URL builder: `args` are callables of the data set (or constants)."""
    return lambda s: reverse(name, args=[a(s) if callable(a) else a for a in args]) + query


# --- The rules of the portal's own pages ---------------------------------------------------------

POST_ONLY = frozenset({"405"})  # require_POST answers GET before looking at the id

RULES: dict[str, Rule] = {
    # public pages and open data
    "home": public(url("home")),
    "lab_list": public(url("lab_list")),
    "lab_detail": public(url("lab_detail", lambda s: s.transition_request.lab_id)),  # public lab, private plan
    "opendata": public(url("opendata")),
    "opendata_labs_json": public(url("opendata_labs_json")),
    "opendata_labs_csv": public(url("opendata_labs_csv")),
    "healthz": public(url("healthz")),
    # the programme's public pages (issue 16)
    "about": public(url("about")),
    "transition_info": public(url("transition_info")),
    "calls": public(url("calls")),
    "round_guide_pdf": public(url("round_guide_pdf", lambda s: s.round_guide.pk)),
    "notices": public(url("notices")),
    "notice_feed": public(url("notice_feed")),
    "notice_detail": public(url("notice_detail", lambda s: s.notice.pk)),
    "privacy": public(url("privacy")),
    "terms": public(url("terms")),
    "accessibility": public(url("accessibility")),
    # the applicant's pages
    "applications:dashboard": own(url("applications:dashboard")),
    "applications:organisation_new": own(url("applications:organisation_new")),
    "applications:organisation_join": own(url("applications:organisation_join")),
    "applications:organisation_switch": own(
        url("applications:organisation_switch"), applicant=POST_ONLY,
        post=lambda s: {"organisation": s.organisation.pk}),
    "applications:members": theirs(url("applications:members", lambda s: s.organisation.pk),
                                   post={"email": "intruder@city.example.jp"}),
    "applications:membership_decide": theirs(
        url("applications:membership_decide", lambda s: s.organisation.pk, lambda s: s.pending.pk, "approve"),
        applicant=POST_ONLY, post={}),
    "applications:invitation": Rule(
        url("applications:invitation", lambda s: s.invitation.token), LOGIN,
        FORBIDDEN,  # the link itself, opened by the wrong account: refused, nothing of the organisation's work
        NOT_FOUND, post={}),
    "applications:new": theirs(url("applications:new", lambda s: s.open_round.pk), applicant=POST_ONLY,
                               post=lambda s: {"organisation": s.organisation.pk}),
    "applications:detail": theirs(url("applications:detail", lambda s: s.draft.pk)),
    "applications:section": theirs(url("applications:section", lambda s: s.draft.pk, "basic"),
                                   post=lambda s: {"lab_name": "書き換え", "version": s.draft.basic.version}),
    "applications:attachments": theirs(url("applications:attachments", lambda s: s.draft.pk),
                                       post=lambda s: {"kind": "plan", "file": pdf_upload("intruder.pdf")}),
    "applications:attachment_delete": theirs(
        url("applications:attachment_delete", lambda s: s.draft.pk, lambda s: s.draft_attachment.pk),
        applicant=POST_ONLY, post={}),
    "applications:attachment_download": theirs(
        url("applications:attachment_download", lambda s: s.draft_attachment.pk)),
    "applications:submit": theirs(url("applications:submit", lambda s: s.draft.pk), applicant=POST_ONLY, post={}),
    "applications:withdraw": theirs(url("applications:withdraw", lambda s: s.draft.pk),
                                    post={"reason": "乗っ取り", "confirm": "on"}),
    "applications:print": theirs(url("applications:print", lambda s: s.draft.pk)),
    # the transition, the lab's organisation
    "transition:request_list": own(url("transition:request_list"), reviewer=OK),
    "transition:request_detail": theirs(url("transition:request_detail", lambda s: s.transition_request.pk)),
    "transition:request_start": theirs(url("transition:request_start", lambda s: s.transition_request.pk),
                                       applicant=NOT_FOUND | POST_ONLY, reviewer=NOT_FOUND | POST_ONLY, post={}),
    "transition:statement": theirs(
        url("transition:statement", lambda s: s.transition_request.pk),
        post=lambda s: {"changes_statement": "書き換え", "version": s.transition_request.statement_version}),
    "transition:plan_attachments": theirs(
        url("transition:plan_attachments", lambda s: s.transition_request.pk),
        post=lambda s: {"kind": "plan", "file": pdf_upload("intruder.pdf")}),
    "transition:plan_attachment_delete": theirs(
        url("transition:plan_attachment_delete", lambda s: s.transition_request.pk, lambda s: s.plan_attachment.pk),
        applicant=NOT_FOUND | POST_ONLY, reviewer=NOT_FOUND | POST_ONLY, post={}),
    "transition:plan_section": theirs(
        url("transition:plan_section", lambda s: s.transition_request.pk, "basic"),
        post=lambda s: {"lab_name": "書き換え", "version": s.transition_request.application.basic.version}),
    "transition:request_submit": theirs(url("transition:request_submit", lambda s: s.transition_request.pk),
                                        applicant=NOT_FOUND | POST_ONLY, reviewer=NOT_FOUND | POST_ONLY, post={}),
    "transition:request_decline": theirs(url("transition:request_decline", lambda s: s.transition_request.pk),
                                         applicant=NOT_FOUND | POST_ONLY, reviewer=NOT_FOUND | POST_ONLY,
                                         post={"message": "移行しません"}),
    # the transition, staff
    "transition:dashboard": staff_page(url("transition:dashboard", query="?prefecture=07")),
    "transition:dashboard_remind": staff_page(url("transition:dashboard_remind"),
                                              post=lambda s: {"request": [s.transition_request.pk]}),
    "transition:export_csv": staff_page(url("transition:export_csv")),
    "transition:export_xlsx": staff_page(url("transition:export_xlsx")),
    "transition:staff_request": staff_page(url("transition:staff_request", lambda s: s.transition_request.pk),
                                           post={"decide": "1", "to_state": "approved", "message": "承認"}),
    # the lab mark of a selected lab, for its organisation
    "review:lab_mark": theirs(url("review:lab_mark", lambda s: s.marked_lab.pk)),
    # the admin's own pages
    "route:admin/login/": Rule(lambda s: "/admin/login/", LOGIN, FORBIDDEN, frozenset({"admin_index"})),
    "admin:login": Rule(url("admin:login"), LOGIN, FORBIDDEN, frozenset({"admin_index"})),
    "admin:index": admin_page(url("admin:index"), reviewer=OK),
    "admin:logout": Rule(url("admin:logout"), LOGIN | {"admin_index"}, LOGIN | {"admin_index"},
                         frozenset({"405"})),  # never POSTed: it would log the walker out
    "admin:password_change": admin_page(url("admin:password_change"), reviewer=OK),  # their own
    "admin:password_change_done": admin_page(url("admin:password_change_done"), reviewer=OK),
    "admin:autocomplete": admin_page(url(
        "admin:autocomplete",
        query="?app_label=review&model_name=conflictofinterest&field_name=organisation&term=%E7%A7%98"),
        reviewer=FORBIDDEN),
    "admin:jsi18n": admin_page(url("admin:jsi18n"), reviewer=OK),
    # Django's view_on_site, shadowed by labportal.admin.view_on_site (checks the model's permission)
    "admin:view_on_site": admin_page(
        url("admin:view_on_site", lambda s: ContentType.objects.get_for_model(s.application).pk,
            lambda s: s.application.pk), reviewer=NOT_FOUND),
    "route:admin/r/<path:content_type_id>/<path:object_id>/": admin_page(
        lambda s: f"/admin/r/{ContentType.objects.get_for_model(s.transition_request).pk}/"
                  f"{s.transition_request.pk}/", reviewer=NOT_FOUND),
    "admin:app_list": admin_page(lambda s: "/admin/applications/", reviewer=NOT_FOUND),
    "route:admin/(?P<url>.*)$": Rule(lambda s: "/admin/no-such-page/", LOGIN | NOT_FOUND, LOGIN | NOT_FOUND,
                                     NOT_FOUND),
    "admin:auth_user_password_change": admin_page(
        url("admin:auth_user_password_change", lambda s: s.owner.pk),
        post={"password1": "x-Very-long-passw0rd", "password2": "x-Very-long-passw0rd"}),
    # the admin's extra pages of applications and review
    "admin:applications_application_export_csv": admin_page(url("admin:applications_application_export_csv"),
                                                            reviewer=FORBIDDEN),
    "admin:applications_application_export_xlsx": admin_page(url("admin:applications_application_export_xlsx"),
                                                             reviewer=FORBIDDEN),
    "admin:applications_application_return": admin_page(
        url("admin:applications_application_return", lambda s: s.application.pk),
        post={"message": "差し戻し", "due_at": "2030-01-01 10:00"}),
    "admin:applications_application_versions": admin_page(
        url("admin:applications_application_versions", lambda s: s.application.pk)),
    "admin:applications_attachment_download": admin_page(
        url("admin:applications_attachment_download", lambda s: s.attachment.pk), reviewer=NOT_FOUND),
    "admin:review_roundreviewsettings_ranking": admin_page(
        url("admin:review_roundreviewsettings_ranking", lambda s: s.round_settings.pk)),
    "admin:review_roundreviewsettings_assign": admin_page(
        url("admin:review_roundreviewsettings_assign", lambda s: s.round_settings.pk),
        post=lambda s: {"applications": [s.application.pk], "reviewers": [s.unassigned.pk]}),
    "admin:review_roundreviewsettings_auto_assign": admin_page(
        url("admin:review_roundreviewsettings_auto_assign", lambda s: s.round_settings.pk), post={}),
    "admin:review_roundreviewsettings_announce": admin_page(
        url("admin:review_roundreviewsettings_announce", lambda s: s.round_settings.pk),
        post={"confirm": "on"}),
    "admin:review_roundreviewsettings_export_xlsx": admin_page(
        url("admin:review_roundreviewsettings_export_xlsx", lambda s: s.round_settings.pk)),
    "admin:review_roundreviewsettings_export_csv": admin_page(
        url("admin:review_roundreviewsettings_export_csv", lambda s: s.round_settings.pk)),
    "admin:review_roundreviewsettings_new_version": admin_page(
        url("admin:review_roundreviewsettings_new_version", lambda s: s.round_settings.pk), post={}),
}

ACCOUNT_URL_NAMES = [
    "login", "logout", "password_reset", "account_login", "account_logout", "account_inactive",
    "account_signup", "account_reauthenticate", "account_email", "account_email_verification_sent",
    "account_change_password", "account_set_password", "account_reset_password",
    "account_confirm_login_code", "account_reset_password_from_key_done", "account_reset_password_done",
]
RULES.update({name: account(url(name)) for name in ACCOUNT_URL_NAMES})
RULES["account_confirm_email"] = account(url("account_confirm_email", "not-a-real-key"))
RULES["account_reset_password_from_key"] = account(
    url("account_reset_password_from_key", lambda s: int_to_base36(s.owner.pk), "not-a-real-key"))
# 「ログインを続ける」 of the session-timeout warning: POST only, and it touches only one's own session.
RULES["session_keepalive"] = Rule(url("session_keepalive"), POST_ONLY, POST_ONLY, POST_ONLY)
# Browsers' CSP violation reports: POST only, into the security log; nothing of anyone's.
RULES["csp_report"] = Rule(url("csp_report"), POST_ONLY, POST_ONLY, POST_ONLY)
if apps.is_installed("allauth.mfa"):  # two-factor authentication: allauth's pages, on one's own account
    RULES.update({name: account(url(name)) for name in [
        "mfa_index", "mfa_authenticate", "mfa_reauthenticate", "mfa_activate_totp", "mfa_deactivate_totp",
        "mfa_view_recovery_codes", "mfa_generate_recovery_codes", "mfa_download_recovery_codes"]})
if settings.BENCH_ENDPOINTS:
    RULES["bench_minimal"] = public(url("bench_minimal"))


# --- The admin's generated URLs, one rule per model ---------------------------------------------

@dataclass(frozen=True)
class AdminModel:
    """The admin URLs Django generates for one model, with the id of the data set's object.
    `listing`/`adding`: what a reviewer gets at the changelist and the add form; `objects`: at
    the object's change, history and delete pages."""

    pk: Callable
    listing: frozenset = FORBIDDEN
    adding: frozenset = FORBIDDEN
    objects: frozenset = ADMIN_REFUSED


def _first_pk(model_label):
    return lambda s: apps.get_model(model_label).objects.order_by("pk").values_list("pk", flat=True).first() or 1


ADMIN_MODELS: dict[str, AdminModel] = {
    "auth.group": AdminModel(lambda s: Group.objects.get(name="applicant").pk),
    "account.emailaddress": AdminModel(lambda s: s.owner_email.pk),
    "labportal.user": AdminModel(lambda s: s.owner.pk),
    "labportal.bureau": AdminModel(_first_pk("labportal.bureau")),
    "labportal.prefecture": AdminModel(_first_pk("labportal.prefecture")),
    "labportal.region": AdminModel(lambda s: s.organisation.regions.first().pk),
    "labportal.programme": AdminModel(_first_pk("labportal.programme")),
    "labportal.selectionround": AdminModel(lambda s: s.application.selection_round_id),
    "labportal.lab": AdminModel(lambda s: s.marked_lab.pk),
    "labportal.outboxmail": AdminModel(lambda s: s.mail.pk),
    "labportal.clockevent": AdminModel(_first_pk("labportal.clockevent")),
    "labportal.clocklock": AdminModel(_first_pk("labportal.clocklock")),
    "labportal.statechange": AdminModel(_first_pk("labportal.statechange")),
    "labportal.publicpage": AdminModel(_first_pk("labportal.publicpage")),
    "labportal.notice": AdminModel(lambda s: s.notice.pk),
    "labportal.roundguide": AdminModel(lambda s: s.round_guide.pk),
    "applications.organisation": AdminModel(lambda s: s.organisation.pk),
    "applications.invitation": AdminModel(lambda s: s.invitation.pk),
    "applications.membership": AdminModel(lambda s: s.pending.pk),
    "applications.application": AdminModel(lambda s: s.application.pk),
    "applications.initiative": AdminModel(_first_pk("applications.initiative")),
    "applications.quadrant": AdminModel(_first_pk("applications.quadrant")),
    "applications.activity": AdminModel(_first_pk("applications.activity")),
    "applications.regionalityaspect": AdminModel(_first_pk("applications.regionalityaspect")),
    # the published criteria: reviewers read them
    "review.criteriaset": AdminModel(lambda s: s.round_settings.criteria_set_id, listing=OK,
                                     objects=ADMIN_REFUSED | OK),
    # a reviewer's own reviews: the list shows theirs only; another's review does not exist for them
    "review.assignedreview": AdminModel(lambda s: s.review.pk, listing=OK),
    # a reviewer's own conflicts: they list and declare theirs, never see another's
    "review.conflictofinterest": AdminModel(lambda s: s.others_conflict.pk, listing=OK, adding=OK),
    "review.review": AdminModel(lambda s: s.review.pk),
    "review.roundreviewsettings": AdminModel(lambda s: s.round_settings.pk),
    "review.reviewexclusion": AdminModel(_first_pk("review.reviewexclusion")),
    "review.decision": AdminModel(lambda s: s.decision.pk),
    "review.hearing": AdminModel(lambda s: s.hearing.pk),
    "transition.transitionpolicy": AdminModel(lambda s: s.policy.pk),
    "transition.transitionrequest": AdminModel(lambda s: s.transition_request.pk),
    "transition.transitionclaim": AdminModel(lambda s: s.claim.pk),
}

# The security log and the login locks: staff only.
ADMIN_MODELS["labportal.securityevent"] = AdminModel(_first_pk("labportal.securityevent"))
ADMIN_MODELS["labportal.loginlock"] = AdminModel(_first_pk("labportal.loginlock"))
if apps.is_installed("allauth.mfa"):  # another reviewer's authenticator app
    ADMIN_MODELS["mfa.authenticator"] = AdminModel(
        lambda s: apps.get_model("mfa.authenticator").objects.filter(user=s.assigned).values_list(
            "pk", flat=True).first() or 1)


def _history_id(model_label, pk):
    history = getattr(apps.get_model(model_label), "history", None)
    record = history.filter(id=pk).order_by("history_id").first() if history is not None else None
    return record.history_id if record else 1


def admin_model_rules() -> dict[str, Rule]:
    rules = {}
    for label, spec in ADMIN_MODELS.items():
        app_label, model_name = label.split(".")
        base = f"/admin/{app_label}/{model_name}/"

        def at(suffix, spec=spec, base=base):
            return lambda s: f"{base}{spec.pk(s)}/{suffix}"

        name = f"admin:{app_label}_{model_name}_"
        rules[name + "changelist"] = admin_page(
            lambda s, base=base: base, reviewer=spec.listing,
            post=lambda s, spec=spec: {"action": "delete_selected", "_selected_action": [spec.pk(s)]})
        rules[name + "add"] = admin_page(lambda s, base=base: base + "add/", reviewer=spec.adding, post={})
        rules[name + "change"] = admin_page(at("change/"), reviewer=spec.objects, post={})
        rules[name + "history"] = admin_page(at("history/"), reviewer=spec.objects)
        rules[name + "delete"] = admin_page(at("delete/"), reviewer=spec.objects, post={"post": "yes"})
        # /admin/<app>/<model>/<id>/ only redirects to the change page, whatever the id
        rules[f"route:admin/{app_label}/{model_name}/<path:object_id>/"] = admin_page(
            at(""), reviewer=frozenset({"redirect"}))
        model_admin = admin.site._registry.get(apps.get_model(label))
        if isinstance(model_admin, SimpleHistoryAdmin):
            rules[name + "simple_history"] = admin_page(
                lambda s, spec=spec, base=base, label=label: f"{base}{spec.pk(s)}/history/"
                f"{_history_id(label, spec.pk(s))}/", reviewer=spec.objects)
    return rules


def all_rules() -> dict[str, Rule]:
    return {**RULES, **admin_model_rules()}


def resolver_keys() -> set[str]:
    """Every URL pattern of the portal: its namespaced name, or its route when it has none."""

    def walk(patterns, prefix="", namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif pattern.name:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name
            else:
                yield "route:" + prefix + str(pattern.pattern)

    return set(walk(get_resolver().url_patterns))


def test_every_url_pattern_has_exactly_one_rule():
    keys, rules = resolver_keys(), set(all_rules())
    assert (sorted(keys - rules), sorted(rules - keys)) == ([], [])


# --- The data set: one organisation's objects, every kind -----------------------------------------

LAB_NAME = "秘匿テスト地域DX推進ラボ"
DRAFT_LAB_NAME = "秘匿ドラフト地域DX推進ラボ"
VISION = "みかん色に光る秘密のビジョン"
CONTACT_EMAIL = "himitsu-contact@city.example.jp"
ATTACHMENT_NAME = "極秘資料ZQ.pdf"
DRAFT_ATTACHMENT_NAME = "下書きの極秘資料QZ.pdf"
ATTACHMENT_BYTES = b"%PDF-1.4\n% gokuhi-no-nakami-7731\n%%EOF\n"
REVIEW_COMMENT = "審査員だけの所見メモQW"
SCORE_COMMENT = "視点ごとの秘密コメントWQ"
OTHERS_CONFLICT = "他の審査員の利害関係ZX"
DECISION_REASON = "選定理由の内部記録XY"
DECISION_MESSAGE = "申請者への講評の下書きYX"
HEARING_NOTES = "ヒアリングの内部記録VV"
PENDING_EMAIL = "pending-himitsu@city.example.jp"
INVITEE_EMAIL = "invitee-himitsu@city.example.jp"
OWNER_EMAIL = "owner-himitsu@city.example.jp"
STATEMENT = "移行で変える点の秘密フレーズKK"
PLAN_LAB_NAME = "会津秘匿プラン地域DX推進ラボ"
PLAN_ATTACHMENT_NAME = "移行計画の秘密資料.pdf"
CLAIM_MESSAGE = "申し出の秘密メッセージMM"

SECRETS = [LAB_NAME, DRAFT_LAB_NAME, VISION, CONTACT_EMAIL, ATTACHMENT_NAME, DRAFT_ATTACHMENT_NAME,
           REVIEW_COMMENT, SCORE_COMMENT, OTHERS_CONFLICT, DECISION_REASON, DECISION_MESSAGE, HEARING_NOTES,
           PENDING_EMAIL, INVITEE_EMAIL, OWNER_EMAIL, STATEMENT, PLAN_LAB_NAME, PLAN_ATTACHMENT_NAME,
           CLAIM_MESSAGE]


def _needles() -> list[tuple[str, bytes]]:
    """Each secret as UTF-8 and as JSON writes it with \\u escapes."""
    needles = [("ATTACHMENT_BYTES", b"gokuhi-no-nakami-7731")]
    for secret in SECRETS:
        needles.append((secret, secret.encode()))
        needles.append((secret, json.dumps(secret)[1:-1].encode()))
    return needles


NEEDLES = _needles()


def _attach(application, name, content=ATTACHMENT_BYTES):
    attachment = Attachment(application=application, original_name=name, content_type="application/pdf",
                            extension="pdf", size=len(content))
    attachment.file.save("x.pdf", ContentFile(content), save=False)
    attachment.save()
    return attachment


def build_data_set():
    s = SimpleNamespace()
    s.staff = StaffFactory()
    s.organisation = OrganisationFactory(name="秘密市")
    s.owner = member_of(s.organisation, email=OWNER_EMAIL)
    s.owner_email = EmailAddress.objects.get(user=s.owner)

    # An application under review: reviews, a decision, a hearing, an attachment.
    review_round = make_review_round()
    s.round_settings = review_round.review_settings
    s.application = make_application(review_round, organisation=s.organisation, lab_name=LAB_NAME)
    direction = s.application.direction
    direction.vision = VISION
    direction.save()
    basic = s.application.basic
    basic.contact_email = CONTACT_EMAIL
    basic.save()
    s.attachment = _attach(s.application, ATTACHMENT_NAME)
    s.assigned = ReviewerFactory()
    s.review = assign(s.application, s.assigned)
    review_services.review_save(review=s.review, by=s.assigned, overall_comment=REVIEW_COMMENT,
                                scores=score_inputs(review_round, [3, None, None, None, None, None],
                                                    comment=SCORE_COMMENT))
    s.others_conflict, _ = review_services.conflict_declare(
        reviewer=s.assigned, by=s.staff, region=RegionFactory(), reason=OTHERS_CONFLICT)
    s.unassigned = ReviewerFactory()
    s.conflicted = ReviewerFactory()
    s.conflicted_review = assign(s.application, s.conflicted)
    _conflict, withdrawn = review_services.conflict_declare(reviewer=s.conflicted, by=s.conflicted,
                                                            organisation=s.organisation, reason="出向元")
    assert [r.pk for r in withdrawn] == [s.conflicted_review.pk]
    s.decision = review_services.decision_record(application=s.application, outcome=Decision.Outcome.SELECTED,
                                                 reason=DECISION_REASON, by=s.staff,
                                                 message_to_applicant=DECISION_MESSAGE)
    s.hearing = Hearing.objects.create(application=s.application, scheduled_at=timezone.now(), place="市役所",
                                       notes=HEARING_NOTES, created_by=s.staff)

    # A draft in an open round, complete, with an attachment: what the applicant's pages show.
    s.open_round = make_round()
    s.draft = application_services.application_create(organisation=s.organisation, selection_round=s.open_round,
                                                      user=s.owner)
    fill_completely(s.draft)
    basic = s.draft.basic
    basic.lab_name, basic.contact_email = DRAFT_LAB_NAME, CONTACT_EMAIL
    basic.save()
    direction = s.draft.direction
    direction.vision = VISION
    direction.save()
    s.draft_attachment = application_services.attachment_add(
        application=s.draft, uploaded=pdf_upload(DRAFT_ATTACHMENT_NAME, ATTACHMENT_BYTES), kind="plan",
        user=s.owner)

    # The organisation's people: a join request and an invitation.
    s.pending = Membership.objects.create(user=ApplicantFactory(email=PENDING_EMAIL), organisation=s.organisation,
                                          state=Membership.State.PENDING, role=Membership.Role.MEMBER)
    s.invitation = application_services.invitation_create(organisation=s.organisation, email=INVITEE_EMAIL,
                                                          by=s.owner)

    # A selected lab whose mark only the organisation may download.
    mark_round = make_review_round()
    marked = make_application(mark_round, organisation=s.organisation, lab_name="マーク市地域DX推進ラボ")
    review_services.decision_record(application=marked, outcome="selected", reason="選定", by=s.staff)
    review_services.round_announce(selection_round=mark_round, by=s.staff)
    s.marked_lab = Lab.objects.get(decision__application=marked)

    # The transition of the organisation's IoT lab: a plan being written, with an attachment.
    s.policy = make_policy()
    transition_request = TransitionRequest.objects.get(lab=iot_lab())
    transition_request = transition_services.request_link_organisation(transition_request=transition_request, organisation=s.organisation,
                                                            by=s.staff)
    transition_request = fill_plan(transition_services.request_start(transition_request=transition_request, user=s.owner))
    TransitionRequest.objects.filter(pk=transition_request.pk).update(changes_statement=STATEMENT)
    plan_basic = transition_request.application.basic
    plan_basic.lab_name = PLAN_LAB_NAME
    plan_basic.save()
    s.plan_attachment = transition_plan.plan_attachment_add(
        transition_request=transition_request, uploaded=pdf_upload(PLAN_ATTACHMENT_NAME, ATTACHMENT_BYTES), kind="plan", user=s.owner)
    s.transition_request = TransitionRequest.objects.select_related("application__basic").get(pk=transition_request.pk)
    claimable = TransitionRequest.objects.filter(organisation__isnull=True).order_by("pk").first()
    s.claim = transition_services.claim_create(transition_request=claimable, organisation=s.organisation, user=s.owner,
                                               message=CLAIM_MESSAGE)
    s.mail = OutboxMail.objects.order_by("pk").first()

    # What staff write for the public pages (issue 16): a notice and a round's call with its PDF.
    from django.core.files.base import ContentFile

    from labportal.models import Notice, RoundGuide

    s.notice = Notice.objects.create(title="公募開始のお知らせ", body="公募を開始しました。")
    s.round_guide = RoundGuide.objects.create(selection_round=review_round, guidelines="公募要領の本文")
    s.round_guide.guidelines_pdf.save("guide.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))

    # The four people who must see none of it.
    stranger_organisation = OrganisationFactory(name="よその市", regions=[Region.objects.get(name="札幌市")])
    s.people = {
        "anonymous": None,
        "applicant": member_of(stranger_organisation, email="stranger@city.example.jp"),
        "reviewer": s.unassigned,
        "conflicted_reviewer": s.conflicted,
    }
    return s


@pytest.fixture
def data_set(db):
    return build_data_set()


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def _check(response, rule, persona, method, key, target) -> list[str]:
    problems = []
    got = outcome(response)
    if response.status_code >= 500 or got not in rule.expected(persona, method):
        problems.append(f"{persona} {method} {key} {target}: {got} (expected {sorted(rule.expected(persona, method))})")
    body = _body(response)
    revealed = sorted({secret for secret, needle in NEEDLES if needle in body})
    if revealed:
        problems.append(f"{persona} {method} {key} {target}: reveals {revealed}")
    return problems


def test_every_url_refuses_other_peoples_objects_and_reveals_nothing(data_set):
    rules = all_rules()
    problems = []
    for persona in PERSONAS:
        client = _client(data_set.people[persona])
        for key in sorted(rules):
            rule = rules[key]
            target = rule.url(data_set)
            response = client.get(target)
            problems += _check(response, rule, persona, "GET", key, target)
        if persona != "anonymous":
            assert client.session.get("_auth_user_id") == str(data_set.people[persona].pk), persona
    assert not problems, "\n".join(problems)


def _state() -> dict:
    """Every row of the apps' tables (their histories too), the register's accounts and labs,
    the outbox, and the attachments' files: a wrong person's POST must leave all of it as it was."""
    state = {}
    models = [m for label in ("applications", "review", "transition") for m in apps.get_app_config(label).get_models()]
    models += [Lab, SelectionRound, OutboxMail, ConflictOfInterest, EmailAddress]
    for model in models:
        if re.search(r"audit|refusal|securityevent", model._meta.model_name):
            continue  # a record of the refusal itself is not a change of the objects
        state[model._meta.label] = list(model.objects.order_by("pk").values())
    state["users"] = list(User.objects.order_by("pk").values("pk", "email", "password", "is_active", "is_staff"))
    state["files"] = sorted((a.pk, a.file.storage.exists(a.file.name)) for a in Attachment.objects.all())
    return state


def test_post_by_the_wrong_person_changes_nothing(data_set):
    rules = {key: rule for key, rule in all_rules().items() if rule.post is not None}
    assert len(rules) > 40  # every state-changing URL of ours and the admin's
    before = _state()
    problems = []
    for persona in PERSONAS:
        client = _client(data_set.people[persona])
        for key in sorted(rules):
            rule = rules[key]
            target = rule.url(data_set)
            data = rule.post(data_set) if callable(rule.post) else rule.post
            response = client.post(target, data)
            problems += _check(response, rule, persona, "POST", key, target)
    assert not problems, "\n".join(problems)
    assert _state() == before


def test_the_data_set_is_visible_to_its_own_people(data_set, client):
    """The walk above means something only if the secrets are on the pages their owners see."""
    seen = []
    client.force_login(data_set.owner)
    seen.append(DRAFT_LAB_NAME in client.get(reverse("applications:print", args=[data_set.draft.pk])).content.decode())
    seen.append(STATEMENT in client.get(
        reverse("transition:statement", args=[data_set.transition_request.pk])).content.decode())
    download = client.get(reverse("applications:attachment_download", args=[data_set.draft_attachment.pk]))
    seen.append(b"gokuhi-no-nakami-7731" in _body(download))
    client.force_login(data_set.assigned)
    page = client.get(reverse("admin:review_assignedreview_change", args=[data_set.review.pk])).content.decode()
    seen.append(LAB_NAME in page and REVIEW_COMMENT in page and ATTACHMENT_NAME in page)
    seen.append(OTHERS_CONFLICT in client.get(reverse("admin:review_conflictofinterest_changelist")).content.decode())
    assert seen == [True] * 5


# --- What the walk found, one by one ------------------------------------------------------------

def test_reviewer_is_refused_the_staff_page_that_chooses_a_round_to_assign(client):
    client.force_login(ReviewerFactory())
    assert client.get(reverse("admin:review_review_add")).status_code == 403


def test_view_on_site_is_404_for_a_reviewer_whatever_the_id(client):
    application = make_application(make_review_round())
    client.force_login(ReviewerFactory())
    content_type = ContentType.objects.get_for_model(application).pk
    answers = [client.get(reverse("admin:view_on_site", args=[content_type, pk])).status_code
               for pk in (application.pk, application.pk + 1000)]
    assert answers == [404, 404]


def test_view_on_site_still_takes_staff_to_the_page(client):
    application = make_application(make_review_round())
    client.force_login(StaffFactory())
    content_type = ContentType.objects.get_for_model(application).pk
    response = client.get(reverse("admin:view_on_site", args=[content_type, application.pk]))
    assert (response.status_code, urlsplit(response["Location"]).path) == (302, application.get_absolute_url())
