"""Forms of the transition app: the policy in the admin, the organisation's statement and claim,
the staff's decision."""

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError

from labportal.input_forms import InputMixin
from labportal import ids
from labportal.models import SelectionRound

from .models import TransitionPolicy, TransitionRequest

State = TransitionRequest.State


def parse_offsets(text: str) -> list[int]:
    """「180, 90, 30, 7」 (full-width digits, 、 and spaces too) → [180, 90, 30, 7]."""
    normalised = unicodedata.normalize("NFKC", text or "")
    parts = [part for part in re.split(r"[\s,、，;]+", normalised) if part]
    offsets = []
    for part in parts:
        if not part.isdigit():
            raise ValidationError(f"「{part}」は日数として読めません。日数を半角または全角の数字で、"
                                  "カンマ区切りで入力してください（例: 180, 90, 30, 7）。")
        days = int(part)
        if not 1 <= days <= 3650:
            raise ValidationError("日数は1〜3650の範囲で入力してください。")
        offsets.append(days)
    return sorted(set(offsets), reverse=True)


class OffsetsField(forms.CharField):
    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return ", ".join(str(days) for days in value)
        return value

    def to_python(self, value):
        return parse_offsets(super().to_python(value))


PERIOD_HELP = ("この日の終わり（24時）まで移行の手続きを受け付けます。期間の長さに制限はありません。"
               "検討会（令和4年1月）では「3~5年程度の移行期間が必要か」が論点とされ、3〜5年程度が議論されました。")


class TransitionPolicyForm(InputMixin, forms.ModelForm):
    """The policy in the admin. Any period is accepted (issue 16): the study group asked whether
    「3~5年程度の移行期間が必要か」 (論点②) and decided nothing, so the help text says so."""

    reminder_offsets_days = OffsetsField(
        label="リマインドの時期（終了日の何日前）", required=False,
        help_text="日数をカンマ区切りで入力してください（例: 180, 90, 30, 7）。空欄にするとリマインドを送りません。")

    class Meta:
        model = TransitionPolicy
        fields = ["name", "effective_from", "has_transition_period", "iot_call_stops_on", "dx_call_opens_on",
                  "period_starts_on", "period_ends_on", "procedure", "end_state", "reminder_offsets_days",
                  "plan_round", "notes", "change_reason"]
        widgets = {"change_reason": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "period_ends_on" in self.fields:
            self.fields["period_ends_on"].help_text = PERIOD_HELP
        if "plan_round" in self.fields:
            self.fields["plan_round"].queryset = SelectionRound.objects.filter(
                programme__code="dx").select_related("programme").order_by("number")
            self.fields["plan_round"].help_text += (
                " 空欄のまま保存すると、移行用の公募回（審査中の状態で、公募は受け付けません）を自動で作成します。")

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            from .services import policy_version_errors

            probe = TransitionPolicy(effective_from=cleaned.get("effective_from"),
                                     change_reason=cleaned.get("change_reason", ""))
            for name, message in policy_version_errors(probe).items():
                if name not in self.errors:
                    self.add_error(name, message)
        return cleaned


class StatementForm(InputMixin, forms.Form):
    changes_statement = forms.CharField(
        label=TransitionRequest._meta.get_field("changes_statement").verbose_name,
        help_text=TransitionRequest._meta.get_field("changes_statement").help_text,
        widget=forms.Textarea(attrs={"rows": 12, "class": "form-control"}), required=False,
        max_length=20_000, error_messages={
            "max_length": "20,000文字以内で入力してください（現在%(show_value)s文字）。入力した内容は消えていません。"})
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class DeclineForm(InputMixin, forms.Form):
    message = forms.CharField(label="理由（任意）", required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
                              help_text="差し支えなければ、移行しない理由をお知らせください。")


class ClaimForm(InputMixin, forms.Form):
    request = ids.ModelChoiceField(
        label="地方版IoT推進ラボ", queryset=TransitionRequest.objects.none(), empty_label="選んでください",
        help_text="まだ申請主体が登録されていないラボだけを表示しています。")
    organisation = ids.ModelChoiceField(label="申し出る団体", queryset=None, empty_label=None)
    message = forms.CharField(label="ラボとの関係", max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
                              help_text="例: 当課がラボの事務局を務めています。")

    def __init__(self, *args, requests, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["request"].queryset = requests
        self.fields["request"].label_from_instance = (
            lambda r: f"{r.lab.region.prefecture.name} {r.lab.name}（{r.lab.selection_round.label}）")
        self.fields["organisation"].queryset = organisations
        for name in ("request", "organisation"):
            self.fields[name].widget.attrs["class"] = "form-select"
        self.fields["request"].error_messages["required"] = "ラボを選んでください。"
        self.fields["message"].error_messages["required"] = "ラボとの関係を入力してください。"


class DecisionForm(InputMixin, forms.Form):
    """The staff's decision on a request; the choices are the moves the table allows now."""

    to_state = forms.ChoiceField(label="決定", widget=forms.RadioSelect)
    message = forms.CharField(
        label="申請主体へのメッセージ", required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
        help_text="差し戻し・不承認では必須です。メールで申請主体に送ります。")

    LABELS = {
        State.UNDER_REVIEW: "再選定の審査に回す（審査員が地域DX推進ラボの審査の視点で採点します）",
        State.APPROVED: "移行を承認する（地域DX推進ラボとして台帳に登録し、IoTラボは「DXラボへ移行済」になります）",
        State.RETURNED: "差し戻す（申請主体が修正して再提出できます）",
        State.REJECTED: "移行を承認しない（不承認）",
        State.DECLINED: "移行しない旨の届出を受けた",
    }

    # 計画変更手続きの提出のみ: filing is the whole procedure, staff acknowledge receipt (issue 16).
    RECEIPT_LABEL = "受理する（地域DX推進ラボとして台帳に登録し、IoTラボは「DXラボへ移行済」になります）"

    def __init__(self, *args, moves, procedure="", **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(self.LABELS)
        if procedure == TransitionPolicy.Procedure.PLAN_CHANGE:
            labels[State.APPROVED] = self.RECEIPT_LABEL
            labels[State.RETURNED] = "差し戻す（書類に不備がある場合。申請主体が修正して再提出できます）"
        self.fields["to_state"].choices = [(state, labels.get(state, State(state).label)) for state in moves]
        self.fields["to_state"].widget.attrs["class"] = "form-check-input"
        self.fields["to_state"].error_messages["required"] = "決定を選んでください。"
        self.fields["to_state"].error_messages["invalid_choice"] = (
            "この移行申請の今の状態では、その決定はできません。画面を読み込み直してください。")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("to_state") in (State.RETURNED, State.REJECTED) and not cleaned.get("message", "").strip():
            self.add_error("message", "差し戻し・不承認の場合は、申請主体へのメッセージ（理由）を入力してください。")
        return cleaned


class LinkOrganisationForm(InputMixin, forms.Form):
    organisation = ids.ModelChoiceField(label="ラボの申請主体", queryset=None, empty_label="選んでください")

    def __init__(self, *args, **kwargs):
        from applications.models import Organisation

        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.exclude(
            status=Organisation.Status.REJECTED).order_by("name")
        self.fields["organisation"].widget.attrs["class"] = "form-select"
