"""Browser tests: headless Debian Chromium driving pytest-django's live_server.

`playwright install` cannot download its own browser on these machines, and `--browser-channel` cannot
point at another one, so the launch is pointed at Debian's /usr/bin/chromium (packages chromium and
fonts-noto-cjk, the font so that Chinese renders in screenshots; `make test` installs both). See
docs/stack-notes.md, "Browser tests".
"""

import os
from pathlib import Path

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

# The app serves Chart.js from here (jiedao.settings.STATICFILES_DIRS); `npm ci` in `make install` puts it there.
CHART_JS = Path(__file__).resolve().parents[2] / "node_modules" / "chart.js" / "dist" / "chart.umd.min.js"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium and fonts-noto-cjk "
                    "(or, as root: apt-get install -y chromium fonts-noto-cjk).", pytrace=False)
    if not CHART_JS.is_file():
        pytest.fail(f"{CHART_JS} is missing: the app serves the dashboard's Chart.js from node_modules; "
                    "run `make install` (it runs npm ci).", pytrace=False)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}
