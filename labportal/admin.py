"""The register in the admin, for staff (事務局). Reviewers see only what their group grants."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Bureau, Lab, Prefecture, Programme, Region, SelectionRound, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "last_name", "first_name", "is_staff", "is_active", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["email", "last_name", "first_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("last_name", "first_name")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups",
                                       "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",),
                             "fields": ("email", "last_name", "first_name", "password1", "password2")}),)


class PrefectureInline(admin.TabularInline):
    model = Prefecture
    extra = 0
    fields = ["code", "name"]


@admin.register(Bureau)
class BureauAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "order"]
    inlines = [PrefectureInline]


@admin.register(Prefecture)
class PrefectureAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "bureau"]
    list_filter = ["bureau"]
    search_fields = ["name", "code"]
    list_select_related = ["bureau"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "prefecture", "local_government_code"]
    list_filter = ["kind", "prefecture__bureau", "prefecture"]
    search_fields = ["name", "name_kana", "local_government_code"]
    list_select_related = ["prefecture"]
    autocomplete_fields = ["members"]


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "code"]


@admin.register(SelectionRound)
class SelectionRoundAdmin(admin.ModelAdmin):
    list_display = ["__str__", "state", "opens_at", "closes_at", "announced_on"]
    list_filter = ["programme", "state"]
    list_select_related = ["programme"]
    date_hierarchy = "closes_at"


@admin.register(Lab)
class LabAdmin(admin.ModelAdmin):
    list_display = ["name", "programme", "kind", "prefecture", "bureau", "selection_round",
                    "selected_on", "status"]
    list_filter = ["programme", "status", "region__kind", "region__prefecture__bureau",
                   "selection_round__number", "region__prefecture"]
    search_fields = ["name", "implementing_body", "region__name"]
    list_select_related = ["programme", "selection_round__programme", "region__prefecture__bureau"]
    autocomplete_fields = ["region", "predecessor"]
    readonly_fields = ["updated_at"]

    @admin.display(description="種別", ordering="region__kind")
    def kind(self, lab):
        return lab.region.get_kind_display()

    @admin.display(description="都道府県", ordering="region__prefecture__code")
    def prefecture(self, lab):
        return lab.region.prefecture.name

    @admin.display(description="経済産業局", ordering="region__prefecture__bureau__order")
    def bureau(self, lab):
        return lab.region.prefecture.bureau.short_name
