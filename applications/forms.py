"""The applicant's forms: one ModelForm per section (with its tables as inline formsets),
organisations, members, attachments. Input is normalised before validation (normalise.py), and
every message says in Japanese what to fix."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms import inlineformset_factory
from django.forms.formsets import TOTAL_FORM_COUNT

from labportal import ids
from labportal import normalise
from labportal.input_forms import InputMixin  # the form layer every app shares
from labportal.models import Region

from .checklist import REQUIRED_FIELDS
from .region_picker import RegionPicker
from .models import (
    Activity,
    Application,
    Attachment,
    BasicInfoSection,
    CommitmentSection,
    DirectionSection,
    DiversitySection,
    InnovationSection,
    Initiative,
    Kpi,
    Organisation,
    OtherSection,
    Participant,
    Quadrant,
    RegionalityAspect,
    RegionalitySection,
    RoadmapItem,
)
from .services import AttachmentRefused, attachment_check


class PortalFormMixin(InputMixin):
    """The applicant's pages: InputMixin, Bootstrap classes on the widgets and our own wording of
    Django's messages."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxSelectMultiple, forms.RadioSelect)):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
                widget.attrs.setdefault("class", "form-select")
            elif isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif not isinstance(widget, forms.HiddenInput):
                widget.attrs.setdefault("class", "form-control")
            field.error_messages["required"] = "この項目は必須です。入力してください。"
            if isinstance(field, forms.IntegerField):
                field.error_messages["invalid"] = "半角または全角の数字だけで入力してください。"
            if isinstance(field, forms.EmailField):
                field.error_messages["invalid"] = "メールアドレスの形式で入力してください（例: dx@city.example.jp）。"


def _check_phone(value):
    if value and (not normalise.PHONE.match(value) or len(value.replace("-", "")) not in (10, 11)):
        raise ValidationError("電話番号は「000-0000-0000」のように、市外局番から数字（10桁または11桁）で"
                              "入力してください。")
    return value


def _check_kana(value):
    if value and not normalise.KATAKANA.match(value):
        raise ValidationError("フリガナはカタカナで入力してください（ひらがなは自動でカタカナにします。"
                              "漢字・英字は使えません）。")
    return value


class RegionChoiceField(ids.ModelMultipleChoiceField):
    def label_from_instance(self, region):
        return str(region)


REGION_HELP = "ラボが対象とする都道府県・市区町村・地域連携を選んでください。複数選べます。"


def region_field(**kwargs):
    return RegionChoiceField(
        # Per prefecture: the prefecture itself, its municipalities in the official order of their
        # codes, then its 地域連携.
        queryset=Region.objects.select_related("prefecture").order_by(
            "prefecture__code", "-kind", "local_government_code", "name"),
        widget=RegionPicker(),
        error_messages={"invalid_choice": "選べない地域が含まれています。一覧から選んでください。"},
        **kwargs)


def offer_active_choices(form) -> None:
    """Reference data that staff retired (regions, initiatives, quadrants, activities) is not
    offered to a new choice; what the record already chose stays offered (and checked), so an
    older draft keeps it when saved and a submitted application still shows it."""
    instance = getattr(form, "instance", None)
    for name, field in form.fields.items():
        queryset = getattr(field, "queryset", None)
        if queryset is None or not hasattr(queryset, "offered_with"):
            continue
        chosen = []
        if instance is not None and instance.pk and name in {f.name for f in instance._meta.many_to_many}:
            chosen = getattr(instance, name).values("pk")
        field.queryset = queryset.offered_with(chosen)


# --- Sections ---------------------------------------------------------------------------------

class SectionForm(PortalFormMixin, forms.ModelForm):
    """A section: its answers plus the version it was opened at (optimistic concurrency)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    textarea_rows = 8

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version
        offer_active_choices(self)
        self.submission_required = set(REQUIRED_FIELDS[self._meta.model.key])
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs.setdefault("rows", self.textarea_rows)
            if name != "version":
                field.required = False  # a draft may be partial: the checklist says what is missing


class BasicInfoForm(SectionForm):
    normalisers = {"contact_phone": normalise.phone, "contact_kana": normalise.kana,
                   "contact_email": normalise.email}
    regions = region_field(label="対象地域", required=False, help_text=REGION_HELP)

    class Meta:
        model = BasicInfoSection
        fields = ["lab_name", "regions", "implementing_body", "implementing_body_members", "contact_name",
                  "contact_kana", "contact_department", "contact_phone", "contact_email"]
        widgets = {"implementing_body_members": forms.Textarea(attrs={"rows": 4}),
                   "contact_phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
                   "contact_email": forms.EmailInput(attrs={"autocomplete": "email"}),
                   "contact_name": forms.TextInput(attrs={"autocomplete": "name"})}

    def clean_contact_phone(self):
        return _check_phone(self.cleaned_data["contact_phone"])

    def clean_contact_kana(self):
        return _check_kana(self.cleaned_data["contact_kana"])


class DirectionForm(SectionForm):
    class Meta:
        model = DirectionSection
        fields = ["vision", "goals", "process"]


class RegionalityForm(SectionForm):
    aspects = ids.ModelMultipleChoiceField(
        label="取組内容が該当するもの", queryset=RegionalityAspect.objects.order_by("code"), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="取組内容が下記のいずれか、又は両方に該当すること（審査の視点「地域性」）。1つ以上選んでください。")

    class Meta:
        model = RegionalitySection
        fields = ["regional_issues", "target_industries", "aspects"]
        widgets = {"target_industries": forms.Textarea(attrs={"rows": 3})}


class InnovationForm(SectionForm):
    initiatives = ids.ModelMultipleChoiceField(
        label="該当する取組", queryset=Initiative.objects.order_by("code"), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="取組内容が下記のいずれか、又は両方に該当すること（審査の視点「革新性」）。1つ以上選んでください。")
    quadrants = ids.ModelMultipleChoiceField(
        label="取組が該当する象限", queryset=Quadrant.objects.select_related("initiative").order_by("order"),
        required=False, widget=forms.CheckboxSelectMultiple,
        help_text="概念図のⅠ〜Ⅳのうち、取組が該当するものを1つ以上選んでください。")
    activities = ids.ModelMultipleChoiceField(
        label="実施する取組", queryset=Activity.objects.order_by("order"), required=False,
        widget=forms.CheckboxSelectMultiple, help_text="該当するものをすべて選んでください。")

    class Meta:
        model = InnovationSection
        fields = ["initiatives", "quadrants", "activities", "activities_other", "activity_plan"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["initiatives"].label_from_instance = lambda i: f"{i.numeral}{i.name}"


class CommitmentForm(SectionForm):
    normalisers = {"annual_budget": normalise.amount}

    class Meta:
        model = CommitmentSection
        fields = ["municipality_role", "annual_budget", "funding_plan", "returns", "staffing"]
        widgets = {"annual_budget": forms.TextInput(attrs={"inputmode": "numeric"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["annual_budget"].error_messages["invalid"] = (
            "年間予算は数字で入力してください（例: 12000000、12,000,000円）。")
        self.fields["annual_budget"].error_messages["max_value"] = "年間予算の金額が大きすぎます。桁をご確認ください。"


class DiversityForm(SectionForm):
    class Meta:
        model = DiversitySection
        fields = ["collaboration"]


class OtherForm(SectionForm):
    class Meta:
        model = OtherSection
        fields = ["open_data", "digital_talent", "data_linkage"]


# --- Tables of a section (inline formsets) --------------------------------------------------

class RowForm(PortalFormMixin, forms.ModelForm):
    pass


class KpiForm(RowForm):
    # 現状値 and 目標値 are kept as typed (「（推計）１０件」 stays so): people read them, no machine does.
    normalisers = {"target_fiscal_year": normalise.year}

    class Meta:
        model = Kpi
        fields = ["indicator", "current_value", "target_value", "target_fiscal_year"]
        widgets = {"target_fiscal_year": forms.TextInput(attrs={"inputmode": "numeric", "size": 6})}


class RoadmapForm(RowForm):
    normalisers = {"fiscal_year": normalise.year}

    class Meta:
        model = RoadmapItem
        fields = ["fiscal_year", "plan"]
        widgets = {"fiscal_year": forms.TextInput(attrs={"inputmode": "numeric", "size": 6}),
                   "plan": forms.Textarea(attrs={"rows": 2})}


class ParticipantForm(RowForm):
    class Meta:
        model = Participant
        fields = ["name", "kind", "role"]


def _year_messages(form_class):
    original = form_class.__init__

    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        for name in ("target_fiscal_year", "fiscal_year"):
            if name in self.fields:
                self.fields[name].error_messages.update({
                    "invalid": "年度は西暦の数字で入力してください（例: 2028）。",
                    "min_value": "年度は西暦（2000〜2100）で入力してください（例: 2028）。",
                    "max_value": "年度は西暦（2000〜2100）で入力してください（例: 2028）。"})
    form_class.__init__ = __init__
    return form_class


_year_messages(KpiForm)
_year_messages(RoadmapForm)

class _ExistingRowField(forms.ModelChoiceField):
    """A table row's hidden id, checked against the rows the formset has already read instead
    of one query per row (Django's ModelChoiceField runs queryset.get() for each)."""

    def __init__(self, formset, *args, **kwargs):
        self.formset = formset
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            key = self.formset._get_to_python(self.formset.model._meta.pk)(value)
        except ValidationError:
            key = None
        row = self.formset._existing_object(key) if key is not None else None
        if row is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                  params={"value": value})
        return row


class TableFormSet(forms.BaseInlineFormSet):
    """A section's table. It holds at most `max_num` rows (absolute_max is the same, with
    validate_max): a POST that says it sends more is refused with a message before a single row
    form is built, instead of Django's default of building up to 2,000 forms first."""

    default_error_messages = {
        "too_many_forms": "この表は%(num)d行までです。行を減らしてから保存してください"
                          "（ほかの欄に入力した内容は消えていません）。",
    }

    def _too_many_rows(self) -> bool:
        return (self.is_bound and self.management_form.is_valid()
                and self.management_form.cleaned_data[TOTAL_FORM_COUNT] > self.max_num)

    def full_clean(self):
        if not self._too_many_rows():
            return super().full_clean()
        self._errors = []
        self._non_form_errors = self.error_class(
            [ValidationError(self.error_messages["too_many_forms"] % {"num": self.max_num},
                             code="too_many_forms")],
            error_class="nonform", renderer=self.renderer)

    def is_valid(self):
        if self._too_many_rows():
            self.errors  # noqa: B018 - records the refusal without building the rows
            return False
        return super().is_valid()

    def add_fields(self, form, index):
        super().add_fields(form, index)
        name = self._pk_field.name
        field = form.fields.get(name)
        if isinstance(field, forms.ModelChoiceField) and not isinstance(field, _ExistingRowField):
            form.fields[name] = _ExistingRowField(self, field.queryset, initial=field.initial, required=False,
                                                  widget=field.widget)


# The most rows each table holds (its form and its Excel/CSV exports are laid out for these).
TABLE_ROWS_MAX = {Kpi: 30, RoadmapItem: 15, Participant: 100}


def _table_formset(model, form):
    rows = TABLE_ROWS_MAX[model]
    return inlineformset_factory(Application, model, form=form, formset=TableFormSet, extra=1, can_delete=True,
                                 max_num=rows, absolute_max=rows, validate_max=True)


KpiFormSet = _table_formset(Kpi, KpiForm)
RoadmapFormSet = _table_formset(RoadmapItem, RoadmapForm)
ParticipantFormSet = _table_formset(Participant, ParticipantForm)

# section key → (form, [(formset class, prefix, title, related name)])
SECTION_FORMS = {
    "basic": (BasicInfoForm, []),
    "direction": (DirectionForm, [(KpiFormSet, "kpis", "KPI", "kpis"),
                                  (RoadmapFormSet, "roadmap", "ロードマップ（年度ごと）", "roadmap_items")]),
    "regionality": (RegionalityForm, []),
    "innovation": (InnovationForm, []),
    "commitment": (CommitmentForm, []),
    "diversity": (DiversityForm, [(ParticipantFormSet, "participants", "参加機関", "participants")]),
    "other": (OtherForm, []),
}



def section_forms(key: str, application: Application, data=None):
    """The bound (or unbound) form of one section and its table formsets, as [(formset, title)]:
    the same for a DX application and a transition plan (`application` has its sections joined
    and its tables prefetched)."""
    form_class, formset_specs = SECTION_FORMS[key]
    form = form_class(data, instance=getattr(application, key))
    formsets = [(spec_class(data, instance=application, prefix=prefix,
                            queryset=getattr(application, related).all()), title)
                for spec_class, prefix, title, related in formset_specs]
    return form, formsets

# --- Organisations and members ----------------------------------------------------------------

class OrganisationForm(PortalFormMixin, forms.ModelForm):
    normalisers = {"name_kana": normalise.kana, "phone": normalise.phone}
    regions = region_field(label="対象地域", help_text=REGION_HELP)

    class Meta:
        model = Organisation
        fields = ["name", "name_kana", "kind", "regions", "department", "address", "phone"]
        widgets = {"kind": forms.RadioSelect, "phone": forms.TextInput(attrs={"inputmode": "tel"})}
        help_texts = {"kind": "自治体以外の団体が申請する場合は、自治体の同意書の添付が必要です。"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offer_active_choices(self)

    def clean_name_kana(self):
        return _check_kana(self.cleaned_data["name_kana"])

    def clean_phone(self):
        return _check_phone(self.cleaned_data["phone"])


class JoinForm(PortalFormMixin, forms.Form):
    organisation = ids.ModelChoiceField(
        label="参加する団体", queryset=Organisation.objects.exclude(status=Organisation.Status.REJECTED)
        .order_by("name"), empty_label="選んでください",
        help_text="団体のメンバーが承認すると、その団体の申請書を作成・閲覧できるようになります。")


class InvitationForm(PortalFormMixin, forms.Form):
    normalisers = {"email": normalise.email}
    email = forms.EmailField(label="招待する方のメールアドレス", max_length=254)


class AttachmentForm(PortalFormMixin, forms.Form):
    kind = forms.ChoiceField(label="書類の種類", choices=Attachment.Kind.choices)
    file = forms.FileField(
        label="ファイル",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.doc,.docx,.xls,.xlsx,.jpg,.jpeg,.png"}),
        error_messages={"required": "ファイルを選んでください。", "empty": "空のファイルは登録できません。"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = settings.APPLICATION_ATTACHMENT_MAX_BYTES // 1024 // 1024
        self.fields["file"].help_text = f"PDF・Word・Excel・画像（JPEG・PNG）、1ファイル{limit}MBまで。"

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        try:
            attachment_check(uploaded)
        except AttachmentRefused as error:
            raise ValidationError(str(error)) from None
        return uploaded


class WithdrawForm(PortalFormMixin, forms.Form):
    reason = forms.CharField(label="取下げの理由", required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))
    confirm = forms.BooleanField(label="この申請を取り下げます（元に戻せません）",
                                 error_messages={"required": "取り下げる場合はチェックを入れてください。"})
