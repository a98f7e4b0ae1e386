"""Forms of the review admin. They only shape input: every rule (scale, comments at the ends
of the scale, conflicts, frozen criteria) is checked by review.services, whose errors the
views put back on the fields they concern."""

from django import forms
from django.contrib.admin.widgets import AdminSplitDateTime
from django.utils import timezone

from labportal.input_forms import InputMixin
from applications.models import Application
from labportal import ids
from labportal.models import SelectionRound

from . import selectors
from .models import ConflictOfInterest, Decision, Hearing, Review


def label_date_and_time(form, name: str) -> None:
    """Name the date and the time box of the admin's split date-and-time field `name`
    (「審査期限（日付）」「審査期限（時刻）」): Django prints 日付: and 時刻: as bare text beside
    two unlabelled boxes, which a screen reader announces as nameless edit fields."""
    widget = form.fields[name].widget if name in form.fields else None
    label = form.fields[name].label if widget is not None else ""
    for part, box in zip(("日付", "時刻"), getattr(widget, "widgets", ())):
        box.attrs.setdefault("aria-label", f"{label}（{part}）")


class ScoreForm(InputMixin, forms.Form):
    """The reviewer's form: per criterion a score and a comment, then the overall comment and
    the recommendation. Field names: score_<criterion id>, comment_<criterion id>."""

    overall_comment = forms.CharField(label="総評", required=False, max_length=10_000,
                                      widget=forms.Textarea(attrs={"rows": 5}))
    recommendation = forms.ChoiceField(label="推薦", required=False, widget=forms.RadioSelect,
                                       choices=Review.Recommendation.choices)

    def __init__(self, *args, criteria, review=None, **kwargs):
        initial = kwargs.pop("initial", None) or {}
        if review is not None:
            initial.setdefault("overall_comment", review.overall_comment)
            initial.setdefault("recommendation", review.recommendation)
            for score in review.scores.all():
                initial.setdefault(f"score_{score.criterion_id}", score.value)
                initial.setdefault(f"comment_{score.criterion_id}", score.comment)
        super().__init__(*args, initial=initial, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            label = f"{criterion.name}の評点"
            if criterion.scale_labels:
                widget = forms.Select(choices=[("", "―（未採点）")] + [
                    (value, criterion.label_for(value)) for value in reversed(criterion.scale)])
            else:
                widget = forms.NumberInput(attrs={"min": criterion.scale_min, "max": criterion.scale_max,
                                                  "step": 1, "class": "review-score-input"})
            self.fields[f"score_{criterion.pk}"] = forms.IntegerField(
                label=label, required=False, widget=widget,
                help_text=f"{criterion.scale_text}{'（加点項目・任意）' if criterion.is_bonus else ''}",
                error_messages={"invalid": f"「{criterion.name}」の評点は整数で入力してください。"})
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=f"{criterion.name}へのコメント", required=False, max_length=5_000,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=f"評点を{criterion.scale_min}または{criterion.scale_max}とする場合は必須です。")

    def rows(self):
        """(criterion, score field, comment field) in the order of the criteria."""
        return [(c, self[f"score_{c.pk}"], self[f"comment_{c.pk}"]) for c in self.criteria]

    def score_inputs(self):
        from .services import ScoreInput

        return {c.pk: ScoreInput(self.cleaned_data.get(f"score_{c.pk}"),
                                 self.cleaned_data.get(f"comment_{c.pk}") or "") for c in self.criteria}

    def add_service_errors(self, errors):
        for name, messages in errors.items():
            for message in messages:
                self.add_error(None if name == "__all__" or name not in self.fields else name, message)


class RecuseForm(InputMixin, forms.Form):
    reason = forms.CharField(label="利害関係の内容", max_length=2_000, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="例: 申請主体の委員を務めている、申請地域の出身である。事務局に送られます。")


class ReasonForm(InputMixin, forms.Form):
    reason = forms.CharField(label="理由", max_length=2_000, widget=forms.Textarea(attrs={"rows": 3}))


class DueDateForm(InputMixin, forms.Form):
    due_at = forms.SplitDateTimeField(label="新しい審査期限", widget=AdminSplitDateTime)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        label_date_and_time(self, "due_at")


def _reviewer_choices():
    return [(user.pk, f"{user.display_name}（{user.email}）") for user in selectors.reviewers()]


class AssignForm(InputMixin, forms.Form):
    """Assign reviewers to applications of one round: one of each, or many of both at once."""

    applications = ids.ModelMultipleChoiceField(
        label="申請", queryset=Application.objects.none(), widget=forms.CheckboxSelectMultiple)
    reviewers = forms.TypedMultipleChoiceField(label="審査員", coerce=int, widget=forms.CheckboxSelectMultiple)
    due_at = forms.SplitDateTimeField(label="審査期限", required=False, widget=AdminSplitDateTime,
                                      help_text="空欄なら公募回の審査設定の審査期限を使います。")

    def __init__(self, *args, selection_round: SelectionRound, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applications"].queryset = selectors.reviewable_applications(selection_round)
        self.fields["applications"].label_from_instance = lambda a: (
            f"{a.receipt_number or a.pk}　{a.basic.lab_name or '（名称未入力）'}（{a.organisation.name}）")
        self.fields["reviewers"].choices = _reviewer_choices()
        label_date_and_time(self, "due_at")

    def clean_due_at(self):
        due_at = self.cleaned_data.get("due_at")
        if due_at and due_at <= timezone.now():
            raise forms.ValidationError("審査期限には現在より後の日時を指定してください。")
        return due_at


class AutoAssignForm(InputMixin, forms.Form):
    per_application = forms.IntegerField(label="1件あたりの審査員数", min_value=1, max_value=20)
    reviewers = forms.TypedMultipleChoiceField(
        label="割り当てる審査員", coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="選ばなければ、登録されているすべての審査員から割り当てます。")
    due_at = forms.SplitDateTimeField(label="審査期限", required=False, widget=AdminSplitDateTime,
                                      help_text="空欄なら公募回の審査設定の審査期限を使います。")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewers"].choices = _reviewer_choices()
        label_date_and_time(self, "due_at")


class BulkDecisionForm(InputMixin, forms.Form):
    """The ranking page's form: one outcome and reason for the ticked applications."""

    applications = ids.ModelMultipleChoiceField(label="申請", queryset=Application.objects.none(),
                                                  widget=forms.CheckboxSelectMultiple,
                                                  error_messages={"required": "決定を記録する申請を選んでください。"})
    outcome = forms.ChoiceField(label="決定", choices=Decision.Outcome.choices)
    reason = forms.CharField(label="理由（記録用）", max_length=5_000, widget=forms.Textarea(attrs={"rows": 2}))
    message_to_applicant = forms.CharField(label="申請者へのお知らせ（任意）", required=False, max_length=5_000,
                                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, selection_round: SelectionRound, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applications"].queryset = selectors.reviewable_applications(selection_round)


class AnnounceForm(InputMixin, forms.Form):
    announced_on = forms.DateField(label="公表日", widget=forms.DateInput(attrs={"type": "date"}))
    confirm = forms.BooleanField(label="決定を申請者に通知し、選定したラボを台帳に登録します。取り消せないことを確認しました。")


class DecisionForm(InputMixin, forms.ModelForm):
    class Meta:
        model = Decision
        fields = ["application", "outcome", "reason", "message_to_applicant"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "application" in self.fields:
            self.fields["application"].queryset = Application.objects.filter(
                state__in=selectors.REVIEWABLE_STATES).select_related("basic", "organisation")
        label_date_and_time(self, "scheduled_at")


class HearingForm(InputMixin, forms.ModelForm):
    class Meta:
        model = Hearing
        fields = ["application", "scheduled_at", "duration_minutes", "format", "place", "message", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "application" in self.fields:
            self.fields["application"].queryset = Application.objects.filter(
                state__in=selectors.REVIEWABLE_STATES).select_related("basic", "organisation")
        label_date_and_time(self, "scheduled_at")


class ConflictForm(InputMixin, forms.ModelForm):
    class Meta:
        model = ConflictOfInterest
        fields = ["reviewer", "region", "organisation", "reason"]

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("region")) == bool(cleaned.get("organisation")):
            raise forms.ValidationError("地域か申請主体のどちらか一方を選んでください。")
        return cleaned


class SettingsVersionForm(InputMixin, forms.ModelForm):
    """「新しい版を作成」 of a round's review settings: the current values to change, and why."""

    review_due_at = forms.SplitDateTimeField(label="審査期限", required=False, widget=AdminSplitDateTime,
                                             help_text="新しく割り当てる審査の期限（割当ごとに変更できます）。")
    reason = forms.CharField(label="変更の理由", max_length=2_000, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="何を、なぜ変えるのか。この版の記録として残り、後から変更できません。")

    class Meta:
        from .models import RoundReviewSettings

        model = RoundReviewSettings
        fields = ["criteria_set", "reviewers_per_application", "review_due_at", "other_reviews_visibility",
                  "reviewer_names_visible", "disagreement_threshold"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criteria_set"].queryset = self.fields["criteria_set"].queryset.filter(
            programme_id=self.instance.selection_round.programme_id)
        if self.instance.scoring_started_at:
            self.fields["criteria_set"].disabled = True
            self.fields["criteria_set"].help_text = "採点が始まっているため変更できません。"
        label_date_and_time(self, "review_due_at")
