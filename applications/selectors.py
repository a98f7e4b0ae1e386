"""Shared reads of applications: querysets with their joins, and the read-only section view
that the applicant's print page and the reviewers' pages (issue 5) both render."""

from dataclasses import dataclass, field

from django.db.models import Case, Count, Prefetch, Q, QuerySet, Value, When

from labportal.models import Region, Role, User

from .models import (
    SECTION_KEYS,
    SECTION_MODELS,
    Application,
    ApplicationEvent,
    Attachment,
    Kpi,
    Membership,
    Organisation,
    Participant,
    RoadmapItem,
)


def applications_for_list() -> QuerySet[Application]:
    """Applications with what a list row shows (round, organisation, lab name), in one query."""
    return Application.objects.select_related("selection_round__programme", "organisation", "basic")


def _answer_prefetches(key: str) -> list:
    """A section's many-to-many answers, as prefetches (made afresh for each queryset: a
    Prefetch keeps state while it is used)."""
    return {
        # Regions with their prefecture in one query; the organisation's own regions are not read
        # from here (two queries fewer on every page that shows an application: make bench).
        "basic": [Prefetch("basic__regions", queryset=Region.objects.select_related("prefecture"))],
        "regionality": ["regionality__aspects"],
        "innovation": ["innovation__initiatives", "innovation__quadrants", "innovation__activities"],
    }.get(key, [])


def application_with_sections() -> QuerySet[Application]:
    """Applications with every section joined and every table prefetched: what the checklist,
    the read-only view, the snapshot and the reviewer's page need, in a fixed number of queries."""
    return Application.objects.select_related(
        "selection_round__programme", "organisation", *SECTION_KEYS,
    ).prefetch_related(
        *(lookup for key in SECTION_KEYS for lookup in _answer_prefetches(key)),
        Prefetch("kpis", queryset=Kpi.objects.order_by("order", "id")),
        Prefetch("roadmap_items", queryset=RoadmapItem.objects.order_by("fiscal_year", "id")),
        Prefetch("participants", queryset=Participant.objects.order_by("order", "id")),
        Prefetch("attachments", queryset=Attachment.objects.order_by("uploaded_at", "id")),
    )


def application_with_section(key: str) -> QuerySet[Application]:
    """Applications with one section joined and its many-to-many answers prefetched: what saving
    that section needs, without the other six. Its table rows (KPIs, roadmap, participants) are
    not prefetched: the section's formsets read them with their own query (an inline formset
    filters the queryset it is given, so a prefetch would be read a second time)."""
    return Application.objects.select_related(
        "selection_round__programme", "organisation", key,
    ).prefetch_related(*_answer_prefetches(key))


def organisations_of(user) -> QuerySet[Organisation]:
    """The organisations where `user` is an active member."""
    return Organisation.objects.filter(memberships__user=user,
                                       memberships__state=Membership.State.ACTIVE).order_by("name", "id")


def members_to_notify(organisation: Organisation) -> QuerySet[User]:
    """Active members of an organisation, annotated with its name for the mail greeting."""
    from django.db.models import Value

    return (User.objects.filter(is_active=True, memberships__organisation=organisation,
                                memberships__state=Membership.State.ACTIVE)
            .annotate(organisation_name=Value(organisation.name)).order_by("id"))


def timeline(application: Application) -> list[ApplicationEvent]:
    return list(application.events.select_related("user").order_by("created_at", "id"))


def participant_kind_coverage(participants) -> tuple[int, int]:
    """(kinds covered, kinds that exist) for the 多様性と一体感 counter."""
    return len({p.kind for p in participants}), len(Participant.Kind.choices)


def draft_counts_by_round(round_ids) -> dict[int, int]:
    return dict(Application.objects.filter(selection_round_id__in=round_ids,
                                           state=Application.State.DRAFT)
                .values_list("selection_round_id").annotate(n=Count("id")).values_list(
                    "selection_round_id", "n"))


# --- Reading an application section by section ---------------------------------------------

@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list[str]]


@dataclass
class SectionView:
    key: str
    title: str
    criterion: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    note: str = ""


def _display(section, model_field) -> str:
    name = model_field.name
    if model_field.many_to_many:
        return "、".join(str(item) for item in getattr(section, name).all())
    value = getattr(section, name)
    if value is None:
        return ""
    if name == "annual_budget":
        return f"{value:,}円"
    return str(value)


def section_fields(model):
    """The answer fields of a section model, in declaration order (bookkeeping excluded)."""
    skip = {"id", "application", "version", "updated_at", "updated_by"}
    return [f for f in [*model._meta.fields, *model._meta.many_to_many] if f.name not in skip]


def sections_for_display(application: Application) -> list[SectionView]:
    """The application's answers as labelled text, one SectionView per section, in the order of
    the review criteria (SectionView.criterion names the criterion a section answers). Expects
    an application from application_with_sections(); runs no query of its own."""
    views = []
    for model in SECTION_MODELS:
        section = getattr(application, model.key)
        fields = sorted(section_fields(model), key=lambda f: f.creation_counter)
        view = SectionView(model.key, model.title, model.criterion,
                           [(str(f.verbose_name), _display(section, f)) for f in fields])
        if model.key == "basic":
            view.fields.append(("申請主体", application.organisation.name))
        if model.key == "direction":
            view.tables.append(Table("kpis", "KPI", ["指標", "現状値", "目標値", "目標年度"], [
                [k.indicator, k.current_value, k.target_value, f"{k.target_fiscal_year}年度"]
                for k in application.kpis.all()]))
            view.tables.append(Table("roadmap", "ロードマップ", ["年度", "取組内容"], [
                [f"{r.fiscal_year}年度", r.plan] for r in application.roadmap_items.all()]))
        if model.key == "diversity":
            participants = list(application.participants.all())
            view.tables.append(Table("participants", "参加機関", ["機関・団体名", "種別", "役割"], [
                [p.name, p.get_kind_display(), p.role] for p in participants]))
            covered, total = participant_kind_coverage(participants)
            view.note = f"参加機関の種別: {total}種別中 {covered}種別"
        views.append(view)
    return views


def applicant_dashboard_applications(organisation: Organisation) -> QuerySet[Application]:
    """The organisation's applications, what it still has to work on first: its drafts (作成中) and
    those returned to it (差し戻し), then the rest, each newest first. A transition request's
    changed plan is an Application too, but it lives on the transition pages (/transition/),
    which have their own states and decisions."""
    to_work_on = Case(When(state__in=[Application.State.DRAFT, Application.State.RETURNED], then=Value(0)),
                      default=Value(1))
    return (applications_for_list().filter(organisation=organisation, is_transition_plan=False)
            .order_by(to_work_on, "-created_at", "-id"))


def staff_users() -> QuerySet[User]:
    return User.objects.filter(is_active=True).filter(
        Q(is_superuser=True) | Q(groups__name=Role.STAFF)).distinct()


def application_in_progress(*, organisation: Organisation, selection_round) -> Application | None:
    """The organisation's application in `selection_round` that is not withdrawn (transition
    plans aside), or None."""
    return (Application.objects.select_related("selection_round__programme")
            .filter(organisation=organisation, selection_round=selection_round, is_transition_plan=False)
            .exclude(state=Application.State.WITHDRAWN).order_by("id").first())
