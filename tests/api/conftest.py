"""schemathesis calls Django's WSGI handler itself, not through the test client."""

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections


@pytest.fixture(autouse=True)
def _keep_the_test_transactions_connection():
    # Each request would end by closing the database connection (it is not in autocommit, being inside the
    # test's transaction): on PostgreSQL the test's rows and transaction would be gone. Django's test client
    # does the same while it runs a request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
