"""The two PostgreSQL roles: the owner of the tables (migrations, audit_prune, backup, restore) and the
runtime role the web and the workers connect as, which may only INSERT and SELECT the audit log.

So an attacker holding the application's own database account (a leaked DATABASE_URL, an SQL injection)
can add entries but not rewrite or remove them: UPDATE, DELETE and TRUNCATE are not granted, and only an
owner may ALTER TABLE … DISABLE TRIGGER or a superuser SET session_replication_role.
"""

from django.conf import settings
from django.db import connections

# Written by the application and never changed.
APPEND_ONLY = ["jiedao_auditentry", "jiedao_auditlink"]
# Written by the owner's commands (audit_archive, audit_prune) only; the runtime role reads them (verify).
OWNER_WRITES = ["jiedao_auditarchive", "jiedao_auditanchor"]


def runtime_role() -> str | None:
    """The runtime role's name: DATABASE_URL's user, when migrations run as another (DATABASE_OWNER_URL)."""
    if "owner" not in settings.DATABASES:
        return None
    runtime = settings.DATABASES["default"].get("USER")
    owner = settings.DATABASES["owner"].get("USER")
    return runtime if runtime and runtime != owner else None


def grant_runtime(*, role: str, password: str | None = None, using: str = "default") -> None:
    """Create `role` if it does not exist (LOGIN, with `password`) and give it the usual rights on every
    table of the schema, except the audit tables: SELECT and INSERT only. Idempotent; run as the owner
    (after every migrate, and by `manage.py grant_runtime_role`)."""
    from psycopg import sql

    connection = connections[using]
    connection.ensure_connection()
    raw = connection.connection
    ident = sql.Identifier(role)
    create = sql.SQL("CREATE ROLE {} LOGIN").format(ident)
    if password:
        create = sql.SQL("{} PASSWORD {}").format(create, sql.Literal(password))
    statements = [
        # Roles belong to the whole cluster: two databases set up at once may both try to create it.
        sql.SQL("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {name}) THEN {create}; END IF; "
                "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$")
        .format(name=sql.Literal(role), create=create),
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(ident),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(ident),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(ident),
        sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {} FROM {}").format(
            sql.SQL(", ").join(map(sql.Identifier, APPEND_ONLY)), ident),
        sql.SQL("REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {} FROM {}").format(
            sql.SQL(", ").join(map(sql.Identifier, OWNER_WRITES)), ident),
        # JIT off and SSD's page cost for the runtime role too, where the owner could not set them on the database
        # (migrations jiedao 0022 and 0024): on the role, not per connection, as PgBouncer refuses connection options.
        *(sql.SQL("DO $$ BEGIN ALTER ROLE {} SET " + setting + "; EXCEPTION WHEN insufficient_privilege THEN NULL; "
                  "END $$").format(ident) for setting in ("jit = off", "random_page_cost = 1.1")),
    ]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement.as_string(raw))


def grant_after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate: tables a migration just added get the runtime role's rights at once."""
    role = runtime_role()
    if role and connections[using].vendor == "postgresql" and using == "owner":
        grant_runtime(role=role, password=settings.DATABASES["default"].get("PASSWORD") or None, using=using)


def owner_alias() -> str:
    """The alias the owner's commands use: "owner" when DATABASE_OWNER_URL is set, else the one there is."""
    return "owner" if "owner" in settings.DATABASES else "default"


def is_owner(using: str) -> bool:
    """Whether this connection may act as the audit table's owner (always on SQLite, which has no roles)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_has_role(current_user, relowner, 'MEMBER') FROM pg_class "
                       "WHERE oid = 'jiedao_auditentry'::regclass")
        return bool(cursor.fetchone()[0])
