"""The ``lianxin`` command line: a thin door onto the same services as the pages and the API.

Mistakes a user can make (a bad seed file, a taken username, an unreachable database) end
with a one-line message and exit code 1, never a traceback.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import click
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from server.config import get_settings
from server.db import Database
from server.enums import Role
from server.errors import LianxinError
from server.live.bus import install as install_live


def _database() -> Database:
    settings = get_settings()
    database = Database(settings.effective_database_url, settings)
    # What a command commits (a sweep, a worker's change) reaches the app processes' live pages
    # through NOTIFY on PostgreSQL; on SQLite there is no stream in this process to tell.
    install_live(database, max_per_person=settings.live_max_streams_per_person, max_streams=settings.live_max_streams)
    return database


@contextmanager
def _open_database() -> Iterator[Database]:
    database = _database()
    try:
        yield database
    except OperationalError as exc:
        # Usually "no such table": the schema is missing or behind.
        raise click.ClickException(
            f"The database is not ready ({exc.orig}). Run `lianxin migrate` first."
        ) from exc
    finally:
        database.dispose()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Lianxin 连心: order online, serve offline."""
    from pydantic import ValidationError

    from server import logs

    try:
        settings = get_settings()
    except ValidationError as exc:
        # A rule across settings (LIANXIN_STORAGE=s3 needs a bucket) has no one field to name.
        problems = "; ".join(
            f"LIANXIN_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" if e["loc"] else e["msg"].removeprefix("Value error, ")
            for e in exc.errors()
        )
        raise click.ClickException(f"A setting is not valid: {problems}.") from exc
    logs.configure(settings)


@main.command()
def migrate() -> None:
    """Create or upgrade the database schema."""
    from server import migrate as migrations

    url = get_settings().effective_database_url
    migrations.upgrade(url)
    click.echo("The database schema is up to date.")


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def backup(file: Path) -> None:
    """Write a consistent backup of the SQLite database and the attachments to FILE (.tar.gz),
    safe while the server runs. Attachments in S3: the database only (the bucket is backed up
    by the object store). PostgreSQL: use pg_dump (docs/DEPLOY.md)."""
    from server import backup as backups
    from server.attachments.store import store_for

    settings = get_settings()
    local = settings.storage == "local"
    try:
        summary = backups.backup(settings.effective_database_url, settings.attachments_dir if local else None, file)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    size = f"({summary.bytes / 1e6:.1f} MB)"
    if local:
        click.echo(f"Backed up {summary.requests} requests and {summary.attachments} attachments to {file} {size}.")
        return
    click.echo(
        f"Backed up {summary.requests} requests to {file} {size}. The attachments are in "
        f"{store_for(settings).describe()} and not in this backup: back the bucket up with the object "
        "store's own tools (versioning or replication, or a mirror such as `mc mirror`), after this "
        "backup, so that every file it names is in the copy."
    )


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the current database.")
def restore(file: Path, yes: bool) -> None:
    """Replace the SQLite database and the attachments with those in FILE. Stop the server
    first; what is replaced is kept beside it as *.before-restore."""
    from server import backup as backups

    settings = get_settings()
    if not yes:
        click.confirm(f"Replace the database and attachments in {settings.data_dir} with {file}?", abort=True)
    try:
        summary = backups.restore(file, settings.effective_database_url, settings.attachments_dir)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    if settings.storage == "local":
        click.echo(f"Restored {summary.requests} requests and {summary.attachments} attachments; "
                   "the database passed its integrity check.")
        return
    from server.attachments.store import store_for

    click.echo(f"Restored {summary.requests} requests; the database passed its integrity check. The attachments "
               f"are in {store_for(settings).describe()} and were left as they are.")
    if summary.attachments:
        click.echo(f"This backup also held {summary.attachments} attachment files from local storage, now in "
                   f"{settings.attachments_dir}: copy them into the bucket as attachments/<name> to serve them.")


@main.command()
@click.option("--demo", is_flag=True, help="Also create ~300 demo requests over the last 90 days.")
@click.option("--no-accounts", is_flag=True, help="Load the catalogue only: no demo enterprises or accounts.")
def seed(demo: bool, no_accounts: bool) -> None:
    """Load seeds/*.yaml: buildings, departments, the service menu and demo accounts.

    Only what is missing is created; existing rows and passwords are left as they are."""
    from server.models import ServiceRequest
    from server.seeding import (
        SeedError,
        generate_demo_requests,
        load_seeds,
        seed_pioneer_records,
        seed_programme,
    )

    with _open_database() as database:
        try:
            with database.write() as session:
                counts = load_seeds(session, with_accounts=not no_accounts)
        except SeedError as exc:
            raise click.ClickException(str(exc)) from exc
        for kind, tally in counts.items():
            if any(tally.values()):
                click.echo(f"{kind:<12} {tally['created']:>4} created, {tally['unchanged']:>4} already there")
        if demo:
            with database.write() as session:
                programme = seed_programme(session)
            click.echo(f"programme    {programme['activities']:>4} activities, {programme['clubs']} clubs created (demo)")
        if demo:
            with database.read() as session:
                existing = session.scalar(select(func.count()).select_from(ServiceRequest))
            if existing:
                click.echo(f"requests     {existing} already there: no demo requests added")
            else:
                written = generate_demo_requests(database, 300, days=90)
                click.echo(f"requests     {written['requests']:>4} created (demo)")
                _rebuild_metrics(database)
            with database.write() as session:
                made = seed_pioneer_records(session)
            if made:
                click.echo(f"pioneer      {made:>4} records created (demo)")


@main.command("create-user")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="The name people see.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="Repeat for several roles.",
)
@click.option("--department", help="Department code (staff and leads).")
@click.option("--enterprise", help="Enterprise name (members and contacts).")
@click.option("--phone", default="")
@click.option("--email", default="")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Prompted for (twice, hidden) when not given.",
)
def create_user(
    username: str,
    display_name: str,
    roles: tuple[str, ...],
    department: str | None,
    enterprise: str | None,
    phone: str,
    email: str,
    password: str,
) -> None:
    """Create an account, through the same people service as /admin/people: the same rules,
    and an entry in the audit trail (no person as actor; the note names this command)."""
    from server.accounts import people
    from server.models import Department, Enterprise

    with _open_database() as database:
        try:
            with database.write() as session:
                department_id = enterprise_id = None
                if department:
                    department_id = session.scalar(select(Department.id).where(Department.code == department))
                    if department_id is None:
                        raise click.ClickException(f"There is no department with the code {department!r}.")
                if enterprise:
                    enterprise_id = session.scalar(select(Enterprise.id).where(Enterprise.name == enterprise))
                    if enterprise_id is None:
                        raise click.ClickException(f"There is no enterprise named {enterprise!r}.")
                data = people.PersonInput(
                    username=username, display_name=display_name, roles=set(roles), phone=phone, email=email,
                    enterprise_id=enterprise_id, department_id=department_id,
                )
                person = people.create(session, None, data, password=password, note=CREATE_USER_NOTE)
                summary = f"Created {person.username} ({', '.join(sorted(person.roles))})."
        except LianxinError as exc:
            raise click.ClickException("The account was not created: " + _describe(exc, _CREATE_USER_OPTIONS)) from exc
    click.echo(summary)


# The audit trail's note for accounts made by `lianxin create-user` (their actor is empty).
CREATE_USER_NOTE = "lianxin create-user"
# The service's field names, as the options of create-user that set them.
_CREATE_USER_OPTIONS = {
    "username": "USERNAME", "display_name": "--name", "roles": "--role", "department_id": "--department",
    "enterprise_id": "--enterprise", "phone": "--phone", "email": "--email", "password": "--password",
}


def _describe(exc: LianxinError, names: dict[str, str] | None = None) -> str:
    """One line: each field's message after the option that set it, else the error's detail."""
    errors = getattr(exc, "errors", None) or {}
    if not errors:
        return exc.detail
    return "; ".join(f"{(names or {}).get(name, name)}: {message}" for name, message in errors.items())


@main.command("demo-data")
@click.option("--requests", "count", type=click.IntRange(min=1), required=True, help="How many requests to add.")
@click.option("--days", type=click.IntRange(min=1), default=90, show_default=True, help="Spread over the last N days.")
@click.option("--seed", "random_seed", type=int, default=1, show_default=True, help="Random seed.")
@click.option("--batch", type=click.IntRange(min=100), default=20_000, show_default=True, help="Requests per transaction.")
def demo_data(count: int, days: int, random_seed: int, batch: int) -> None:
    """Add N demo requests with their history (for demos and load tests)."""
    from server.seeding import DemoDataError, generate_demo_requests

    started = time.monotonic()
    interactive = sys.stdout.isatty()

    def progress(done: int, total: int) -> None:
        line = f"{done:,}/{total:,} requests ({time.monotonic() - started:.1f} s)"
        if interactive:
            click.echo(f"\r{line}", nl=False)
        else:
            click.echo(line)

    with _open_database() as database:
        try:
            written = generate_demo_requests(database, count, days=days, seed=random_seed, batch=batch, progress=progress)
        except DemoDataError as exc:
            raise click.ClickException(str(exc)) from exc
        if interactive:
            click.echo()
        _rebuild_metrics(database)
        # Fresh statistics after a bulk load, so the query planner picks the right indexes.
        database.analyze()
    elapsed = time.monotonic() - started
    click.echo(
        f"Added {written['requests']:,} requests, {written['events']:,} events and "
        f"{written['ratings']:,} ratings in {elapsed:.1f} s."
    )


def _rebuild_metrics(database) -> None:
    """Bulk loaders write requests with Core, past the transitions that keep the figures'
    rollup: recompute it from the requests."""
    from server.metrics import rollup

    started = time.monotonic()
    counted = rollup.rebuild(database)
    click.echo(f"Metrics rollup rebuilt from {counted:,} requests in {time.monotonic() - started:.1f} s.")


@main.group("metrics")
def metrics_group() -> None:
    """The supervision figures."""


@metrics_group.command("rebuild")
def metrics_rebuild() -> None:
    """Recompute the figures' rollup from every request (after a bulk load or a restore)."""
    with _open_database() as database:
        _rebuild_metrics(database)


@main.group("open311-key")
def open311_key_group() -> None:
    """API keys for Open311 GeoReport v2 clients (as /admin/open311-keys)."""


OPEN311_KEY_NOTE = "lianxin open311-key"


@open311_key_group.command("create")
@click.option("--user", "username", required=True, help="The account the key files requests as.")
@click.option("--label", default="", help="What the key is for, e.g. the lobby kiosk.")
def open311_key_create(username: str, label: str) -> None:
    """Issue a key; it is printed alone on its own line, once (only its hash is kept)."""
    from server.open311 import keys

    with _open_database() as database:
        try:
            with database.write() as session:
                issued = keys.issue(session, None, username, label=label, note=OPEN311_KEY_NOTE)
        except LianxinError as exc:
            raise click.ClickException("No key was issued: " + _describe(exc, {"username": "--user", "label": "--label"})) from exc
    click.echo(issued.key)


@open311_key_group.command("list")
def open311_key_list() -> None:
    """Every key: its prefix, account, label, when issued and last used, and whether revoked."""
    from server.open311 import repository

    with _open_database() as database, database.read() as session:
        rows = repository.keys_with_people(session)
    if not rows:
        click.echo("No Open311 keys.")
    for key, owner, _creator in rows:
        state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}Z" if key.revoked_at else "active"
        used = f"{key.last_used_at:%Y-%m-%d %H:%M}Z" if key.last_used_at else "never"
        click.echo(f"{key.prefix}…\t{owner.username}\t{key.label or '-'}\tissued {key.created_at:%Y-%m-%d}\tlast used {used}\t{state}")


@open311_key_group.command("revoke")
@click.argument("key")
def open311_key_revoke(key: str) -> None:
    """Revoke KEY: the key itself, or the prefix `list` shows."""
    from server.open311 import keys

    with _open_database() as database:
        try:
            with database.write() as session:
                row = keys.revoke(session, None, keys.find(session, key), note=OPEN311_KEY_NOTE)
                prefix = row.prefix
        except LianxinError as exc:
            raise click.ClickException(_describe(exc)) from exc
    click.echo(f"Revoked the key {prefix}….")


@main.group("export")
def export_group() -> None:
    """Write data out as files."""


@main.group("import")
def import_group() -> None:
    """Read data in from files, all or nothing."""


@export_group.command("catalog")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write here instead of to standard output.")
def export_catalog(output: str | None) -> None:
    """The service menu as YAML in the format of seeds/catalog.yaml."""
    from pathlib import Path

    from server.catalog.transfer import export_catalog as export

    with _open_database() as database, database.read() as session:
        text = export(session)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"Wrote the service menu to {output}.", err=True)
    else:
        click.echo(text, nl=False)


@import_group.command("catalog")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the file and show what would change; write nothing.")
def import_catalog(file: str, dry_run: bool) -> None:
    """Create and update categories and services from a YAML file (matched by code).

    Nothing is deleted: retire a service with `retired: true`. Every change lands in the
    audit trail; a bad entry stops the import before anything is written."""
    from pathlib import Path

    from server.catalog.transfer import import_catalog as run_import
    from server.seeding import SeedError

    class _DryRun(Exception):
        pass

    path = Path(file)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{path.name}: not UTF-8 text: {exc}") from exc
    with _open_database() as database:
        try:
            with database.write() as session:
                summary = run_import(session, None, text, file=path.name)
                if dry_run:
                    # Leaving the block by an exception rolls the whole import back.
                    raise _DryRun
        except _DryRun:
            pass
        except SeedError as exc:
            raise click.ClickException(str(exc)) from exc
    for kind, tally in summary.counts.items():
        click.echo(f"{kind:<12} {tally['created']:>4} created, {tally['updated']:>4} updated, {tally['unchanged']:>4} unchanged")
    if dry_run:
        click.echo("Dry run: nothing was written.")


def _import_rows(kind: str, file: str, dry_run: bool) -> None:
    """`lianxin import enterprises|people FILE`: the same preview and all-or-nothing write as
    /admin/import. Every row error is printed with its line number; any error writes nothing
    and exits 1. New people get no password: reset it on their admin page."""
    from pathlib import Path

    from server.imports import service as bulk_import

    path = Path(file)
    settings = get_settings()
    preview = bulk_import.parse(kind, path.read_bytes(), path.name, max_bytes=settings.max_upload_bytes)
    if preview.file_errors:
        raise click.ClickException(f"{path.name}: " + " ".join(str(e) for e in preview.file_errors))
    with _open_database() as database:
        with database.read() as session:
            bulk_import.check(session, preview)
        counts = preview.counts
        click.echo(f"{kind}: {len(preview.rows)} rows: {counts['create']} to create, {counts['update']} to update, "
                   f"{counts['unchanged']} unchanged, {counts['error']} with errors")
        if not preview.ok:
            _echo_row_errors(preview)
            raise click.ClickException("Nothing was imported: correct the rows above and try again.")
        if dry_run:
            click.echo("Dry run: nothing was written.")
            return
        try:
            with database.write() as session:
                written = bulk_import.apply(session, None, preview)
        except bulk_import.ImportRejected as exc:
            _echo_row_errors(exc.preview)
            raise click.ClickException("Nothing was imported: the data changed since the check.") from exc
    click.echo(f"Imported: {written['create']} created, {written['update']} updated.")
    if kind == "people" and written["create"]:
        click.echo("New people have no password yet: reset it for each on /admin/people.")


def _echo_row_errors(preview) -> None:
    from server.imports import service as bulk_import

    for line, column, message in bulk_import.errors_of(preview):
        click.echo(f"line {line}: {column}: {message}", err=True)


@import_group.command("enterprises")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the file and show what would change; write nothing.")
def import_enterprises(file: str, dry_run: bool) -> None:
    """Create and update enterprises from a CSV or XLSX file (matched by credit code, else
    name). Columns: name, credit_code, building, floor, active."""
    _import_rows("enterprises", file, dry_run)


@import_group.command("people")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the file and show what would change; write nothing.")
def import_people(file: str, dry_run: bool) -> None:
    """Create and update people from a CSV or XLSX file (matched by username). Columns:
    username, display_name, phone, email, roles, enterprise, department, active."""
    _import_rows("people", file, dry_run)


@main.group("webhook")
def webhook_group() -> None:
    """Webhooks: signed JSON and the WeCom, DingTalk and Feishu group robots (as /admin/webhooks)."""


# The audit trail's note for webhooks changed from the command line (their actor is empty).
WEBHOOK_NOTE = "lianxin webhook {verb}"
_WEBHOOK_OPTIONS = {"url": "URL", "format": "--format", "department": "--department", "secret": "--secret",
                    "event_types": "--event"}


@webhook_group.command("add")
@click.argument("url")
@click.option("--format", "format_", default="generic", show_default=True,
              type=click.Choice(["generic", "wecom", "dingtalk", "feishu"]), help="What the receiver expects.")
@click.option("--department", default="", help="Department code: only its events (default: the whole installation).")
@click.option("--secret", default="", help="DingTalk/Feishu: the robot's signing secret. Generic: made for you when not given.")
@click.option("--event", "events", multiple=True, help="An event type it receives (repeat; default: all).")
def webhook_add(url: str, format_: str, department: str, secret: str, events: tuple[str, ...]) -> None:
    """Add a webhook that receives notifications at URL. A generic webhook's secret is shown
    here once."""
    from server.notifications import webhooks_service

    data = webhooks_service.WebhookInput(url=url, format=format_, department_code=department, secret=secret,
                                         event_types=list(events))
    with _open_database() as database:
        try:
            with database.write() as session:
                hook = webhooks_service.add(session, None, data, note=WEBHOOK_NOTE.format(verb="add"))
                hook_id, hook_secret = hook.id, hook.secret
        except LianxinError as exc:
            raise click.ClickException("The webhook was not added: " + _describe(exc, _WEBHOOK_OPTIONS)) from exc
    click.echo(f"Added webhook {hook_id}.")
    if hook_secret and not secret:
        click.echo(f"Its secret, shown only now: {hook_secret}")


@webhook_group.command("list")
def webhook_list() -> None:
    """Every webhook: id, format, for whom, address (without its query, where robots keep
    their keys), secret (masked), events."""
    from server.notifications import webhooks_repository
    from server.notifications.webhooks_rules import mask, shown_url

    with _open_database() as database, database.read() as session:
        rows = webhooks_repository.all_hooks(session)
        if not rows:
            click.echo("No webhooks.")
        for hook, department in rows:
            events = ",".join(hook.event_types) if hook.event_types else "all events"
            click.echo(f"{hook.id:>4}  {hook.format:<8}  {department.code if department else '(all)':<12}  "
                       f"{shown_url(hook.url)}  {mask(hook.secret) or '-'}  {events}"
                       + ("" if hook.active else "  (off)"))


def _webhook(session, webhook_id: int):
    from server.notifications import webhooks_service

    try:
        return webhooks_service.get(session, webhook_id)
    except LianxinError as exc:
        raise click.ClickException(f"There is no webhook {webhook_id}.") from exc


@webhook_group.command("remove")
@click.argument("webhook_id", metavar="ID", type=click.IntRange(min=1))
def webhook_remove(webhook_id: int) -> None:
    """Remove webhook ID."""
    from server.notifications import webhooks_service

    with _open_database() as database, database.write() as session:
        webhooks_service.remove(session, None, _webhook(session, webhook_id), note=WEBHOOK_NOTE.format(verb="remove"))
    click.echo(f"Removed webhook {webhook_id}.")


@webhook_group.command("test")
@click.argument("webhook_id", metavar="ID", type=click.IntRange(min=1))
def webhook_test(webhook_id: int) -> None:
    """Send a test message to webhook ID now and show the receiver's answer (exit 1 when it
    was not delivered)."""
    from server.models import Department
    from server.notifications import webhooks_service

    with _open_database() as database:
        with database.read() as session:
            hook = _webhook(session, webhook_id)
            department = session.get(Department, hook.department_id) if hook.department_id else None
            session.expunge_all()
        result = webhooks_service.send_test(hook, department, get_settings())
    if not result.ok:
        raise click.ClickException(f"The test message was not delivered: {result.answer}")
    click.echo(f"Delivered: {result.answer}")


@main.command()
@click.option("--every", type=click.IntRange(min=1), metavar="SECONDS",
              help="Keep running: sweep now and then every SECONDS until SIGTERM or Ctrl-C (a worker process).")
def sweep(every: int | None) -> None:
    """Run the time-based work once (close requests left unrated past the rating window, set
    the supervision flags and overdue stamps, create repeating activities' next occurrences, delete
    read notifications past LIANXIN_NOTIFICATION_RETENTION_DAYS). `lianxin serve` does this by itself; use this from cron when it runs elsewhere,
    or with --every as the one worker process beside app workers that have LIANXIN_SWEEP_INTERVAL_SECONDS=0."""
    from server.sweeper import Sweeper, sweep_once

    with _open_database() as database:
        swept = sweep_once(database)
        click.echo(f"Closed {swept.closed} unrated request(s). Updated the flags of {swept.flagged} request(s). "
                   f"Added {swept.occurrences} activity occurrence(s). "
                   f"Deleted {swept.forgotten} read notification(s) past their retention. "
                   f"Folded {swept.folded} rollup row(s).")
        if every is None:
            return
        _run_until_stopped(Sweeper(database, every), f"Sweeping every {every} s; SIGTERM or Ctrl-C stops.")


def _run_until_stopped(background, started: str) -> None:
    """Run a background loop (``start``/``stop``) in the foreground until SIGTERM or SIGINT,
    as a process manager expects: a stop ends it cleanly with status 0."""
    from server.exit_signal import StopRequest

    stop = StopRequest()
    stop.install()
    try:
        background.start()
        click.echo(started)
        stop.wait()
    finally:
        stop.restore()  # first: a second Ctrl-C while the loop finishes its round stops at once
        background.stop()
    click.echo("Stopped.")


WORKER_HEALTHCHECK_SECONDS = 60


@main.command()
@click.option("--once", is_flag=True, help="Deliver what is due now and stop (for cron).")
@click.option("--poll", "poll_seconds", default=5.0, show_default=True, type=click.FloatRange(min=0.05),
              help="Seconds between looks at the outbox when nothing wakes the worker.")
@click.option("--lease", "lease_seconds", default=300.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds a claimed message stays this worker's; a killed worker's are sent again after it.")
def worker(once: bool, poll_seconds: float, lease_seconds: float) -> None:
    """Deliver the outbox (e-mails and webhooks) with retries. `lianxin serve` runs one by
    itself unless LIANXIN_WORKER_IN_SERVE=false; several may run at once on PostgreSQL."""
    from datetime import timedelta

    from server import logs
    from server.notifications import worker as outbox

    settings = get_settings()
    logs.configure(settings)
    lease = timedelta(seconds=lease_seconds)
    with _open_database() as database:
        if once:
            click.echo(f"Attempted {outbox.run_once(database, settings, lease=lease)} message(s).")
            return
        runner = outbox.Worker(database, settings, poll_seconds=poll_seconds, lease=lease)
        with suppress(KeyboardInterrupt):
            runner.run()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1))
@click.option("--shutdown-timeout", default=30, show_default=True, type=click.IntRange(min=1),
              help="On SIGTERM, seconds to let requests in flight finish before closing them.")
def serve(host: str, port: int, workers: int, shutdown_timeout: int) -> None:
    """Run the web application with uvicorn.

    SIGTERM stops gracefully: no new connections are accepted, requests in flight finish
    (within --shutdown-timeout), then the process exits. With several workers, SIGHUP
    replaces them one at a time, each new worker serving before its old one stops."""
    import uvicorn

    from server import logs

    settings = get_settings()
    if workers > 1 and settings.effective_database_url.startswith("sqlite"):
        # Writers of one process queue on a lock; writers of several processes wait in
        # SQLite's busy handler, whose sleeps make the slowest requests much slower.
        click.echo(
            "Note: with SQLite, one worker serves best (writes are serialised within a process); "
            "set DATABASE_URL to PostgreSQL for several workers.",
            err=True,
        )
    uvicorn.run(
        "server.app:create_app", factory=True, host=host, port=port, workers=workers,
        # Behind a proxy, the client address and scheme come from X-Forwarded-* headers.
        proxy_headers=True,
        # Our configuration in every worker; requests are logged by server.request_log.
        log_config=logs.dict_config(settings), access_log=False,
        # Bounded, so a stuck request cannot hold a deploy; without a bound uvicorn waits forever.
        timeout_graceful_shutdown=shutdown_timeout,
        # With several workers the supervisor pings each; uvicorn's 5 s default kills a worker
        # that is merely slow on a busy small machine (and aborts a SIGHUP restart whose new
        # worker takes longer than that to import the app).
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
    )


if __name__ == "__main__":  # pragma: no cover
    main()
