"""Criteria sets and a round's review settings: edited until the first score freezes them,
then changed only as a new version with who, when and why."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from labportal.models import SelectionRound

from .. import selectors
from ..models import CriteriaSet, Criterion, RoundReviewSettings, RoundReviewSettingsVersion
from ..models.criteria import SETTINGS_VERSION_FIELDS
from .errors import CriteriaFrozen, ReviewError

# --- Criteria sets and round settings --------------------------------------------------------

def criteria_set_ensure_editable(criteria_set_id: int) -> None:
    frozen_at = CriteriaSet.objects.filter(pk=criteria_set_id).values_list("frozen_at", flat=True).first()
    if frozen_at is not None:
        raise CriteriaFrozen(
            "この基準セットは採点が始まったため確定しています。審査の視点を変更するには、"
            "「新しい版として複製」で新しい版を作成してください。")


def criterion_save(*, criterion: Criterion, by) -> Criterion:
    """Create or change a criterion; refused once its set is frozen (the first score saved)."""
    criteria_set_ensure_editable(criterion.criteria_set_id)
    if criterion.pk:
        current = Criterion.objects.filter(pk=criterion.pk).values_list("criteria_set_id", flat=True).first()
        if current is not None and current != criterion.criteria_set_id:
            criteria_set_ensure_editable(current)
    criterion.full_clean()
    criterion._history_user = by
    criterion.save()
    return criterion


def criterion_delete(*, criterion: Criterion, by) -> None:
    criteria_set_ensure_editable(criterion.criteria_set_id)
    criterion._history_user = by
    criterion.delete()


def criteria_set_save(*, criteria_set: CriteriaSet, by) -> CriteriaSet:
    """Name, notes and publication may change at any time; the programme only before freezing."""
    if criteria_set.pk:
        current = CriteriaSet.objects.get(pk=criteria_set.pk)
        if current.frozen_at and current.programme_id != criteria_set.programme_id:
            raise CriteriaFrozen("確定した基準セットの制度は変更できません。")
    criteria_set._history_user = by
    criteria_set.save()
    return criteria_set


def criteria_set_copy(*, criteria_set: CriteriaSet, by, name: str = "") -> CriteriaSet:
    """A new, unfrozen version of `criteria_set` with the same criteria (the next version number)."""
    with transaction.atomic():
        latest = (CriteriaSet.objects.select_for_update().filter(programme_id=criteria_set.programme_id)
                  .order_by("-version").first())
        copy = CriteriaSet(name=name or criteria_set.name, programme_id=criteria_set.programme_id,
                           version=latest.version + 1, notes=f"第{criteria_set.version}版を複製して作成。")
        copy._history_user = by
        copy.save()
        for criterion in criteria_set.criteria.order_by("order"):
            Criterion.objects.create(
                criteria_set=copy, order=criterion.order, name=criterion.name,
                description=criterion.description, points=list(criterion.points), weight=criterion.weight,
                scale_min=criterion.scale_min, scale_max=criterion.scale_max,
                scale_labels=dict(criterion.scale_labels or {}), is_bonus=criterion.is_bonus)
    return copy


def round_settings_ensure(*, selection_round: SelectionRound, by=None) -> RoundReviewSettings:
    """The round's review settings, created with the programme's current criteria set if none."""
    existing = selectors.round_settings(selection_round)
    if existing:
        return existing
    criteria_set = selectors.default_criteria_set(selection_round.programme)
    if criteria_set is None:
        raise ReviewError(f"{selection_round.programme}の基準セットがありません。先に基準セットを作成してください。")
    round_settings = RoundReviewSettings(selection_round=selection_round, criteria_set=criteria_set)
    round_settings._history_user = by
    with transaction.atomic():
        round_settings.save()
        _settings_version(round_settings, by=by, reason="作成（制度の基準セットで自動作成）")
    return round_settings


def round_settings_save(*, round_settings: RoundReviewSettings, by, reason: str = "") -> RoundReviewSettings:
    """Create a round's settings (version 1), or change them as a new version (`reason`
    required): each version is kept as it was made (RoundReviewSettingsVersion: the values, who,
    when, why and from when) and never changed or deleted; the settings row holds the latest
    version's values, which apply from the moment the version is made. The criteria set cannot
    change once the first score is saved, nor the round ever."""
    if round_settings.pk:
        current = RoundReviewSettings.objects.get(pk=round_settings.pk)
        if current.scoring_started_at and current.criteria_set_id != round_settings.criteria_set_id:
            raise CriteriaFrozen("この公募回は採点が始まっているため、基準セットを変更できません。")
        if current.selection_round_id != round_settings.selection_round_id:
            raise ReviewError("審査設定の公募回は変更できません。")
        if not reason.strip():
            raise ReviewError("審査設定を変更する理由を入力してください（新しい版の記録に残ります）。")
    try:
        round_settings.full_clean(validate_unique=not round_settings.pk)
    except ValidationError as error:
        raise ReviewError(" ".join(error.messages)) from error
    with transaction.atomic():
        if round_settings.pk:
            RoundReviewSettings.objects.select_for_update().get(pk=round_settings.pk)
            if not round_settings.versions.exists():
                # Settings made before versions were kept: their values until now are version 1.
                _settings_version(current, by=None, reason="版の記録を始める前の設定", at=current_time_of(current))
        round_settings._history_user = by
        round_settings._change_reason = (reason.strip() or "作成")[:100]
        round_settings.save()
        _settings_version(round_settings, by=by, reason=reason.strip() or "作成")
    return round_settings


def current_time_of(round_settings: RoundReviewSettings) -> datetime:
    """When settings without versions took their values: their last history row, else now."""
    last = round_settings.history.order_by("-history_date").values_list("history_date", flat=True).first()
    return last or timezone.now()


def _settings_version(round_settings: RoundReviewSettings, *, by, reason: str,
                      at: datetime | None = None) -> RoundReviewSettingsVersion:
    number = (round_settings.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    return RoundReviewSettingsVersion.objects.create(
        round_settings=round_settings, number=number, effective_from=at or timezone.now(), reason=reason,
        created_by=by, **{name: getattr(round_settings, name) for name in SETTINGS_VERSION_FIELDS})
