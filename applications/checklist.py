"""What submission requires, section by section: the checklist the applicant sees and the
submission service enforces. Drafts may be incomplete; only this decides what is missing."""

from dataclasses import dataclass

from django.urls import reverse

from .models import SECTIONS_BY_KEY, Application, Attachment

# Fields that must be filled before submission, by section. その他 is a bonus criterion (加点):
# nothing in it is required.
REQUIRED_FIELDS = {
    "basic": ["lab_name", "regions", "implementing_body", "implementing_body_members", "contact_name",
              "contact_kana", "contact_department", "contact_phone", "contact_email"],
    "direction": ["vision", "goals", "process"],
    "regionality": ["regional_issues", "target_industries", "aspects"],
    "innovation": ["initiatives", "quadrants", "activity_plan"],
    "commitment": ["municipality_role", "funding_plan", "returns", "staffing"],
    "diversity": ["collaboration"],
    "other": [],
}
# Tables that need at least one row, by section: (related name, label of the table).
REQUIRED_TABLES = {
    "direction": [("kpis", "KPI（1行以上）"), ("roadmap_items", "ロードマップ（1年度以上）")],
    "diversity": [("participants", "参加機関（1団体以上）")],
}


@dataclass(frozen=True)
class MissingItem:
    section_key: str
    section_title: str
    label: str
    anchor: str

    @property
    def url_name(self):
        return "applications:attachments" if self.section_key == "attachments" else "applications:section"


def missing_items(application: Application) -> list[MissingItem]:
    """Every required item still missing, in the order of the form. Expects the application from
    selectors.application_with_sections (sections joined, tables and attachments prefetched)."""
    missing = []
    for key, model in SECTIONS_BY_KEY.items():
        section = getattr(application, key)
        for name in REQUIRED_FIELDS[key]:
            field = model._meta.get_field(name)
            value = getattr(section, name)
            empty = (not value.all()) if field.many_to_many else value in (None, "")
            if isinstance(value, str) and not value.strip():
                empty = True
            if empty:
                missing.append(MissingItem(key, model.title, str(field.verbose_name), f"id_{name}"))
        if key == "innovation" and not section.activities.all() and not section.activities_other.strip():
            missing.append(MissingItem(key, model.title, "実施する取組（一覧から選ぶか「その他の取組」に記入）",
                                       "id_activities"))
        for related_name, label in REQUIRED_TABLES.get(key, []):
            if not getattr(application, related_name).all():
                missing.append(MissingItem(key, model.title, label, f"table-{related_name}"))
    if application.organisation.needs_consent_letter and not any(
            a.kind == Attachment.Kind.CONSENT for a in application.attachments.all()):
        missing.append(MissingItem("attachments", "添付書類",
                                   "自治体の同意書（自治体以外の団体が申請する場合は必須）", "id_kind"))
    return missing


def item_url(application: Application, item: MissingItem) -> str:
    if item.section_key == "attachments":
        return reverse("applications:attachments", args=[application.pk]) + f"#{item.anchor}"
    return reverse("applications:section", args=[application.pk, item.section_key]) + f"#{item.anchor}"
