"""The open data of the register: one dict per lab, shared by the JSON and CSV endpoints and
documented field by field on /opendata/ (FIELD_DOCS is the one list of columns)."""

from django.db.models import Max
from django.utils import timezone

from .models import Lab
from .spreadsheet import csv_text

LICENCE = "公共データ利用規約（第1.0版）（PDL1.0）"
LICENCE_NOTE = "クリエイティブ・コモンズ 表示 4.0 国際（CC BY 4.0）と互換"
LICENCE_URL = "https://www.digital.go.jp/resources/open_data/public_data_license_v1.0"
SORT_ORDER = ("制度（地方版IoT推進ラボ、地域DX推進ラボの順）→ 都道府県コード → 公募回 → "
              "全国地方公共団体コード → ラボ名 → ID")

MEMBERS_UNKNOWN = "構成自治体は台帳に未登録"
CODES_PARTLY_UNKNOWN = "一部の構成自治体の全国地方公共団体コードが台帳に未登録"

# (column, type, meaning): the JSON keys and CSV columns, in this order.
FIELD_DOCS = [
    ("id", "整数", "ポータル内のラボID（ラボのページのURLにも使われます。変わりません）"),
    ("name", "文字列", "ラボ名（地方版IoT推進ラボは資料の表記どおりの地域名。例: 札幌市、秋田横連携。"
                     "IoTラボから移行した地域DX推進ラボは「〈地域名〉地域DX推進ラボ」）"),
    ("name_kana", "文字列", "地域名のフリガナ（台帳に未登録の場合は空）"),
    ("region_kind", "文字列", "地域の種別: prefecture（都道府県）/ municipality（市区町村）/ "
                             "collaboration（地域連携）"),
    ("local_government_codes", "文字列の配列（CSVでは半角スペース区切り）",
     "地域を構成する自治体の全国地方公共団体コード（6桁、検査数字付き）。地域連携は構成するすべての"
     "市区町村（例: 嘉飯桂地域は3つ）。構成自治体が台帳に未登録の地域連携は空"),
    ("members_note", "文字列", f"地域連携で構成自治体が台帳に未登録の場合「{MEMBERS_UNKNOWN}」、"
                              f"一部のコードが未登録の場合「{CODES_PARTLY_UNKNOWN}」。それ以外は空"),
    ("prefecture", "文字列", "都道府県名（地域連携は主たる都道府県）"),
    ("bureau", "文字列", "管轄の経済産業局の正式名称（例: 北海道経済産業局、沖縄総合事務局）"),
    ("programme", "文字列", "制度: iot（地方版IoT推進ラボ）/ dx（地域DX推進ラボ）"),
    ("programme_name", "文字列", "制度の名称"),
    ("round", "整数または null", "選定された公募回（第n弾のn。回は制度ごとの番号）。"
                              "IoTラボから計画変更で移行した地域DX推進ラボは null（移行元の公募回と移行日を参照）"),
    ("selected_year", "整数または null", "選定時期の年"),
    ("selected_month", "整数または null", "選定時期の月"),
    ("selected_on", "日付または null", "選定日（ISO 8601）。日まで判明している場合のみ。地方版IoT推進ラボの"
                                    "第1〜6弾は資料に年月のみ記載のため null"),
    ("transitioned_on", "日付または null", "計画変更により地方版IoT推進ラボから地域DX推進ラボへ移行した日"
                                        "（移行元と移行先の両方に記載）"),
    ("status", "文字列", "状態: unregistered（状況未登録）/ active（活動中）/ transitioning（移行手続中）/ "
                        "moved（DXラボへ移行済）/ abolished（廃止）/ coexisting（併存）"),
    ("status_label", "文字列", "状態の日本語表記"),
    ("predecessor_id", "整数または null", "地域DX推進ラボの場合、前身の地方版IoT推進ラボのID"),
    ("predecessor_name", "文字列", "前身の地方版IoT推進ラボの名称（ない場合は空）"),
    ("url", "文字列", "ラボのページのURL"),
]
FIELDS = [name for name, _kind, _meaning in FIELD_DOCS]


def sorted_labs(queryset):
    """The open data's stable order (SORT_ORDER)."""
    return queryset.order_by("programme_id", "region__prefecture__code", "selection_round__number",
                             "region__local_government_code", "name", "id")


def member_codes(region) -> tuple[list[str], str]:
    """The 全国地方公共団体コード of the municipalities or prefecture a region is made of, and a note
    when the register does not know a collaboration's members. Expects members prefetched."""
    if region.kind == region.Kind.COLLABORATION:
        members = sorted(region.members.all(), key=lambda m: (m.local_government_code or "9", m.name))
        if not members:
            return [], MEMBERS_UNKNOWN
        codes = [m.local_government_code for m in members if m.local_government_code]
        return codes, "" if len(codes) == len(members) else CODES_PARTLY_UNKNOWN
    return ([region.local_government_code] if region.local_government_code else []), ""


def lab_record(lab: Lab, base_url: str) -> dict:
    codes, note = member_codes(lab.region)
    month_only = lab.selected_month_only
    predecessor = lab.predecessor
    return {
        "id": lab.pk,
        "name": lab.name,
        "name_kana": lab.region.name_kana,
        "region_kind": lab.region.kind,
        "local_government_codes": codes,
        "members_note": note,
        "prefecture": lab.region.prefecture.name,
        "bureau": lab.region.prefecture.bureau.name,
        "programme": lab.programme.code,
        "programme_name": lab.programme.name,
        "round": lab.selection_round.number if lab.selection_round_id else None,
        "selected_year": lab.selected_on.year if lab.selected_on else None,
        "selected_month": lab.selected_on.month if lab.selected_on else None,
        "selected_on": lab.selected_on.isoformat() if lab.selected_on and not month_only else None,
        "transitioned_on": lab.transitioned_on.isoformat() if lab.transitioned_on else None,
        "status": lab.status,
        "status_label": lab.get_status_display(),
        "predecessor_id": lab.predecessor_id,
        "predecessor_name": predecessor.name if predecessor else "",
        "url": base_url + lab.get_absolute_url(),
    }


def metadata(count: int, last_updated) -> dict:
    return {
        "title": "地方版IoT推進ラボ・地域DX推進ラボ 選定地域一覧",
        "publisher": "地域DX推進ラボ 事務局",
        "licence": LICENCE,
        "licence_note": LICENCE_NOTE,
        "licence_url": LICENCE_URL,
        "last_updated": last_updated.isoformat() if last_updated else None,
        "count": count,
        "sort_order": SORT_ORDER,
    }


def last_updated(queryset):
    """The date (Asia/Tokyo) of the latest change of any lab, or None for an empty register."""
    moment = queryset.aggregate(latest=Max("updated_at"))["latest"]
    return timezone.localdate(moment) if moment else None


def records_to_csv(records) -> str:
    """UTF-8 text with a BOM (for Excel), CRLF line ends, formula-like cells neutralised; the
    codes of a region joined by a half-width space. One header row, one row per lab."""
    def cell(value):
        return " ".join(value) if isinstance(value, list) else value

    return csv_text(FIELDS, ([cell(record[field]) for field in FIELDS] for record in records))
