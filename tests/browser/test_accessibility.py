"""Every page of the built book passes axe-core (WCAG 2.0/2.1 A and AA rules and axe-core's
best practices, such as content inside landmarks and landmarks with unique names) with no
violation at any impact level (critical, serious, moderate or minor), at desktop width and on a
390-px phone screen. The counts of every impact level are written to _build/accessibility.json
for the record.

axe-core is fetched by `make book` (tools/vendor_js.py) into _vendor/test/axe-core/.
"""

import json

import pytest
from browser_support import ROOT, toc_pages

pytestmark = pytest.mark.browser
AXE = ROOT / "_vendor" / "test" / "axe-core" / "axe.min.js"
REPORT = ROOT / "_build" / "accessibility.json"
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}


def _axe(v) -> list[dict]:
    v.page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = v.page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", RULES)
    return result["violations"]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("path", toc_pages())
def test_no_accessibility_violation_at_any_impact_level(visit, path, viewport):
    if not AXE.exists():
        pytest.skip("axe-core is not vendored: run `make book` (tools/vendor_js.py)")
    v = visit(path, viewport=VIEWPORTS[viewport])
    violations = _axe(v)
    counts = {}
    for r in violations:
        counts[r["impact"]] = counts.get(r["impact"], 0) + len(r["nodes"])
    report = json.loads(REPORT.read_text()) if REPORT.exists() else {}
    report[f"{path} @ {viewport}"] = counts
    REPORT.write_text(json.dumps(report, indent=1, sort_keys=True))
    bad = [(r["id"], r["impact"], r["help"], [n["html"][:100] for n in r["nodes"][:3]])
           for r in violations]
    assert bad == []
