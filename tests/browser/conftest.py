"""Browser tests: headless Debian Chromium driving pytest-django's live_server.

See ../../../shared/STACK.md, "Browser tests": `playwright install` cannot download its own browser
here, so Playwright is pointed at /usr/bin/chromium.
"""

import os

import pytest

# The sync `page` fixture runs an event loop in the test's thread; without this Django refuses the
# ORM calls that the persona fixtures (and our assertions) make from that thread.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # we run as root in a container
    "--disable-gpu",
    # No phoning home: the tests must not depend on (or wait for) the network.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}
