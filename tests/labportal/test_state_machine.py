"""One door for every state (issue 15) and one shape for every machine (issue 18): the module's
parts, the scan for state writes outside the services, the admin's read-only state fields, and
the README's tables generated from the code."""

import ast
from pathlib import Path

import pytest
from django.contrib import admin
from django.db import models
from django.test import RequestFactory

from labportal import state_machine
from labportal.state_machine import Actor, Agent, Machine, TransitionNotAllowed

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("applications", "review", "transition", "labportal")
STATE_FIELDS = {"state", "status"}
WRITERS = {"update", "create", "get_or_create", "update_or_create"}


class Colour(models.TextChoices):
    RED = "red", "赤"
    GREEN = "green", "緑"
    BLUE = "blue", "青"


COLOURS = Machine(name="test_colour", label="色", states=Colour, table={
    Actor.STAFF: {Colour.RED: {Colour.GREEN: "緑にする"}, Colour.GREEN: {Colour.BLUE: "青にする"}},
    Actor.SYSTEM: {Colour.RED: {Colour.GREEN: "緑にする"}},
}, listed=False)


def test_machine_refuses_a_move_not_in_its_table_in_japanese():
    with pytest.raises(TransitionNotAllowed) as refused:
        COLOURS.check(Actor.SYSTEM, Colour.GREEN, Colour.BLUE)
    assert str(refused.value) == "色の状態を「緑」から「青」へ変更することはできません。"


def test_machine_names_the_action_of_an_allowed_move():
    assert COLOURS.check("staff", Colour.GREEN, Colour.BLUE) == "青にする"


def test_machine_rows_list_each_move_once_with_everyone_who_may():
    assert [(r.from_state, r.action, r.to_state, r.actors) for r in COLOURS.rows()] == [
        ("red", "緑にする", "green", ("事務局", "システム（期限処理）")),
        ("green", "青にする", "blue", ("事務局",)),
    ]


def test_machine_table_with_an_unknown_state_is_refused_when_declared():
    with pytest.raises(ValueError):
        Machine(name="test_broken", label="壊れた", states=Colour, table={Actor.STAFF: {"red": {"pink": "x"}}},
                listed=False)


def test_agent_refuses_an_actor_no_table_knows():
    with pytest.raises(ValueError):
        Agent("somebody")


# --- No state is written outside the services ------------------------------------------------

def _allowed(relative: str) -> bool:
    return (relative.endswith("/services.py") or "/services/" in relative or relative == "labportal/state_machine.py"
            or "/migrations/" in relative)


def _state_writes(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for part in ast.walk(target):
                    if isinstance(part, ast.Attribute) and part.attr in STATE_FIELDS:
                        yield node.lineno, f".{part.attr} = …"
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            keywords = [k.arg for k in node.keywords if k.arg in STATE_FIELDS]
            if name in WRITERS and keywords:
                yield node.lineno, f"{name}({keywords[0]}=…)"
            if name in WRITERS and any(k.arg is None and isinstance(k.value, ast.Dict) and any(
                    isinstance(key, ast.Constant) and key.value in STATE_FIELDS for key in k.value.keys)
                    for k in node.keywords):
                yield node.lineno, f"{name}(**{{'state': …}})"
            if (name == "setattr" and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)
                    and node.args[1].value in STATE_FIELDS):
                yield node.lineno, "setattr(…, 'state', …)"


def _writes_outside_services(sources: dict[str, str]) -> list[str]:
    return [f"{relative}:{line}: {what}" for relative, source in sorted(sources.items()) if not _allowed(relative)
            for line, what in _state_writes(ast.parse(source, relative))]


def test_scan_finds_no_state_write_outside_the_services():
    sources = {path.relative_to(ROOT).as_posix(): path.read_text(encoding="utf-8")
               for folder in SCANNED for path in (ROOT / folder).rglob("*.py")}
    assert _writes_outside_services(sources) == []


@pytest.mark.parametrize("line", [
    "application.state = 'submitted'",
    "lab.status = Lab.Status.ABOLISHED",
    "Lab.objects.filter(pk=1).update(status='moved')",
    "Membership.objects.update(**{'state': 'active'})",
    "setattr(organisation, 'status', 'confirmed')",
    "SelectionRound.objects.create(state='open')",
])
def test_scan_catches_each_kind_of_state_write(line):
    assert len(_writes_outside_services({"review/views.py": line, "review/services.py": line})) == 1


def test_scan_allows_state_writes_in_a_services_package():
    line = "application.state = 'submitted'"
    assert _writes_outside_services({"review/services/decisions.py": line, "review/servicesx.py": line}) == [
        "review/servicesx.py:1: .state = …"]


# --- The admin shows no state field as editable ------------------------------------------------

def _state_field_names(model) -> set[str]:
    return {f.name for f in model._meta.concrete_fields if f.name in STATE_FIELDS and f.choices}


def _editable_state_fields(request):
    for model, model_admin in admin.site._registry.items():
        for obj in (None, model()):
            admins = [model_admin, *(inline for inline in model_admin.get_inline_instances(request, obj))]
            for each in admins:
                names = _state_field_names(each.model)
                inline = each is not model_admin
                may_write = (each.has_change_permission(request, obj) if obj is not None
                             else each.has_add_permission(request, obj) if inline else each.has_add_permission(request))
                if not names or not may_write:  # a page without the permission shows every field read-only
                    continue
                form = each.get_formset(request, obj).form if inline else \
                    each.get_form(request, obj, change=obj is not None)
                for name in names & set(form.base_fields):
                    yield f"{type(each).__name__}.{name} ({'変更' if obj else '追加'})"


@pytest.mark.django_db
def test_admin_shows_no_state_field_as_editable(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    assert list(_editable_state_fields(request)) == []


# --- The README's tables are the code's ------------------------------------------------------

def test_readme_state_tables_match_the_machines():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert state_machine.readme_section(readme) == state_machine.readme_tables(), (
        "README の状態遷移表がコードと違います。`python manage.py state_tables` で書き直してください。")


def test_every_machine_refuses_with_the_one_exception():
    state_machine._discover()
    refusals = {}
    for name, machine in state_machine.MACHINES.items():
        some_actor = next(iter(machine.table))
        with pytest.raises(TransitionNotAllowed) as refused:
            machine.check(some_actor, machine.states.values[0], "no such state")
        refusals[name] = bool(str(refused.value))
    assert refusals == {name: True for name in ("application", "lab", "membership", "organisation", "review",
                                                "selection_round", "transition_claim", "transition_request")}
