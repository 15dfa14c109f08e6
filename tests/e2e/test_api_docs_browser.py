"""The API reference at /api/v1/docs opens in a real browser from bundled files only."""

from __future__ import annotations

from tests.e2e.conftest import ARTIFACTS, DESKTOP, serve


def test_the_api_docs_page_lists_the_operations_with_no_outside_requests(sqlite_app, browser):
    base, stop = serve(sqlite_app)
    try:
        page = browser.new_page(viewport=DESKTOP)
        hosts, problems = set(), []
        page.on("request", lambda request: hosts.add(request.url.split("/")[2]))
        page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
        page.goto(f"{base}/api/v1/docs")
        page.wait_for_selector(".opblock-summary-path", timeout=20_000)
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        assert any("/api/v1/sessions" in p for p in paths)
        assert any("/api/v1/clients/{client_id}/reassign" in p for p in paths)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "api-docs.png"))
        page.close()
    finally:
        stop()
    assert hosts == {base.split("/")[2]}, hosts
    assert not [p for p in problems if "Content Security Policy" in p], problems
