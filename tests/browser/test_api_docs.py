"""A programmer at the district bureau opens the API docs on an intranet with no internet."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_resident_flow import log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_the_swagger_docs_render_from_local_files_under_the_portals_content_policy(page: Page, live_server,
                                                                                  staff_east):
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
    blocked = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    log_in(page, live_server.url, staff_east.username)
    response = page.goto(f"{live_server.url}/api/v1/docs/")
    # The same policy as every page: nothing inline is allowed, here neither.
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    # Swagger UI has drawn the operations from the schema.
    expect(page.locator(".swagger-ui .opblock-tag", has_text="residents")).to_be_visible()
    expect(page.locator(".swagger-ui .opblock-summary-path", has_text="/api/v1/residents/").first).to_be_visible()
    assert outside == [] and blocked == []
