"""A programmer at the district bureau opens the API docs on an intranet with no internet."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_resident_flow import log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_the_swagger_docs_render_from_local_files_under_the_content_policy(page: Page, live_server, staff_east):
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
    blocked = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    log_in(page, live_server.url, staff_east.username)
    page.goto(f"{live_server.url}/api/v1/docs/")
    # Swagger UI has drawn the residents endpoints from the schema.
    expect(page.locator(".swagger-ui .opblock-tag", has_text="residents")).to_be_visible()
    assert outside == [] and blocked == []
