"""An office upgrading: the test database taken back to the migrations an app stood at, its models as they
were then, and forward again to now. One harness for every migration story (tests/*/test_*migration*.py)."""

from contextlib import contextmanager

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


class Upgrade:
    def __init__(self, before, state):
        self.before = before
        self.latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
        self.old = MigrationExecutor(connection).loader.project_state(state).apps  # the models as they were

    def to_latest(self):
        """Migrate forward to now; the models as they are now (historical, as a later migration sees them)."""
        executor = MigrationExecutor(connection)
        executor.migrate(self.latest)
        return executor.loader.project_state(self.latest).apps

    def back(self) -> None:
        """Migrate back to `before` again (a migration's reverse)."""
        MigrationExecutor(connection).migrate(self.before)


@contextmanager
def upgrading_from(before: list, *, others_as_now: bool = True):
    """The database at `before` (app, migration) — every other app as it is now unless `others_as_now` is
    False, when `before` names each app's state itself (None: the app not yet there) — and left at the
    latest migrations whatever the test does."""
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        MigrationExecutor(connection).migrate(before)
        apps = {app for app, _ in before}
        state = ([*(node for node in latest if node[0] not in apps), *before] if others_as_now
                 else [node for node in before if node[1]])
        yield Upgrade(before, state)
    finally:
        MigrationExecutor(connection).migrate(latest)
