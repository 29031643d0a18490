"""What a web process does once, before its first request.

Every view module is imported (and with them DRF, the API schema and the pinyin dictionaries), and then
everything alive is moved out of the garbage collector's sight (gc.freeze): those 330,000 objects live as long
as the process, and a full collection that walked them took about 100 ms, a pause that fell on whichever
request happened to trigger it (issue 17: the lists' p95 outliers of 250–400 ms at every table size).
"""

import gc

from django.urls import get_resolver


def before_first_request() -> None:
    get_resolver().url_patterns  # noqa: B018  (imports the URLconf, and so every view and what it imports)
    gc.collect()  # what startup left as garbage is freed, not kept for ever
    gc.freeze()
