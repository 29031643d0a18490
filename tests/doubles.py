"""What the tests put in place of the world outside: the texts sent to people's phones, and requests that
arrive at the same moment."""

import re
import threading


class Outbox:
    """TEXT_MESSAGE_BACKEND for tests: every text 'sent' is kept here, (phone, message)."""

    sent: list = []

    def send(self, *, phone, message):
        Outbox.sent.append((phone, message))


def at_once(count: int, work) -> list:
    """Run `work()` in `count` threads released together (two taps, two counters at the same moment), each
    with its own database connection; the outcomes in the order they finished: what `work` returned, or the
    exception it raised."""
    from django.db import connection

    outcomes, barrier = [], threading.Barrier(count)

    def run():
        try:
            barrier.wait()
            outcomes.append(work())
        except Exception as e:  # the caller asserts on it
            outcomes.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def addresses_off_the_app(html: str) -> list[str]:
    """Every src/href/action of a page that points anywhere but the app itself (an intranet has no internet).

    Looked for in the attributes, not the text: a CSRF token is random letters and once held 'cdn'."""
    found = re.findall(r"""\b(?:src|href|action)\s*=\s*["']([^"']*)["']""", html, flags=re.IGNORECASE)
    return [url for url in found if url and not url.startswith(("/", "#", "?", "data:", "blob:"))
            or url.startswith("//")]
