"""axe-core (via axe-playwright-python) against WCAG 2.2 A/AA, for the browser tests."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
_axe = Axe()


def violations(page) -> list[str]:
    """Each WCAG 2.2 AA violation on the page as 'rule: target …', none when it passes."""
    results = _axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA},
                                      "resultTypes": ["violations"]})
    return [f"{v['id']}: {', '.join(str(n['target']) for n in v['nodes'][:3])}"
            for v in results.response["violations"]]
