"""The lab directory's filters (django-filter): programme, bureau, prefecture, round and kind."""

import django_filters
from django import forms

from labportal import normalise
from labportal.input_forms import InputMixin

from .models import Bureau, Lab, Prefecture, Programme, Region, SelectionRound


def _programme_choices():
    return [(p.code, p.name) for p in Programme.objects.order_by("id")]


def _bureau_choices():
    # The full name (北海道経済産業局): the short one (「北海道」) reads as the prefecture.
    return [(b.code, b.name) for b in Bureau.objects.order_by("order")]


def _round_choices():
    # Rounds are numbered per programme: 「地方版IoT推進ラボ 第1弾」 and 「地域DX推進ラボ 第1弾」 differ.
    return [(f"{r.programme.code}-{r.number}", f"{r.programme.name} {r.label}")
            for r in SelectionRound.objects.select_related("programme").order_by("programme_id", "number")]


def _prefecture_choices():
    return [(p.code, p.name) for p in Prefecture.objects.order_by("code")]


class LabFilterForm(InputMixin, forms.Form):
    # 全角の数字・英字（例: 「３」）も受け付ける。
    normalisers = {"round": normalise.nfkc, "q": normalise.nfkc}


class LabFilter(django_filters.FilterSet):
    # Choices by code (not model instances): readable URLs such as ?bureau=kanto&round=3, and
    # one query per filter to render the form.
    programme = django_filters.ChoiceFilter(label="制度", field_name="programme__code",
                                            empty_label="すべて")
    bureau = django_filters.ChoiceFilter(label="経済産業局", field_name="region__prefecture__bureau__code",
                                         empty_label="すべて")
    prefecture = django_filters.ChoiceFilter(label="都道府県", field_name="region__prefecture__code",
                                             empty_label="すべて")
    round = django_filters.ChoiceFilter(label="公募回", method="filter_round", empty_label="すべて")
    kind = django_filters.ChoiceFilter(label="地域の種別", field_name="region__kind",
                                       choices=Region.Kind.choices, empty_label="すべて")
    status = django_filters.ChoiceFilter(label="状態", field_name="status", choices=Lab.Status.choices,
                                         empty_label="すべて")
    q = django_filters.CharFilter(label="名称で検索", field_name="name", lookup_expr="icontains",
                                  max_length=100)

    class Meta:
        model = Lab
        fields = ["programme", "bureau", "prefecture", "round", "kind", "status", "q"]
        form = LabFilterForm

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and data.get("round") and data.get("programme"):
            # An old link's bare number (?programme=iot&round=1) means that programme's round.
            number = normalise.nfkc(data.get("round")).strip()
            if number.isdigit():
                data = data.copy()
                data["round"] = f"{data.get('programme')}-{int(number)}"
        super().__init__(data, *args, **kwargs)
        self.filters["round"].extra["choices"] = _round_choices()
        # The register's options, read once per request (filters are copied per instance).
        self.filters["programme"].extra["choices"] = _programme_choices()
        self.filters["bureau"].extra["choices"] = _bureau_choices()
        self.filters["prefecture"].extra["choices"] = _prefecture_choices()

    def filter_round(self, queryset, name, value):
        programme, _, number = value.partition("-")
        return queryset.filter(programme__code=programme, selection_round__number=int(number))
