"""Command line: `flask --app commons users ...`, `demo-data` (see API.md), `jobs`, `scheduler`, `mail`, `backup`.

register_cli runs after the packages registered their hooks (create_app), so that `demo-data` has
their parts and options."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from commons.errors import ApiError


def register_cli(app: Flask) -> None:
    register_job_cli(app)

    @app.cli.group()
    def users():
        """Create users and API tokens."""

    @users.command("create")
    @click.argument("email")
    @click.option("--name", required=True)
    @click.option("--role", required=True, type=click.Choice(["admin", "staff", "member", "volunteer"]))
    @click.option("--group", help="make the user a representative of this group (created, verified, if missing)")
    @click.option("--facility", help="make a staff user staff of this facility (created if missing)")
    @click.option("--password", help="sign-in password (at least 8 characters)")
    @click.option("--language", type=click.Choice(["fi", "sv", "en"]), help="the language of the user's e-mail and pages")
    def create(email, name, role, group, facility, password, language):
        """Create a user (or update one with this e-mail)."""
        from commons.services import create_user

        try:
            user = create_user(email, name, role, password=password, group=group, facility=facility, language=language)
        except ApiError as err:
            raise click.ClickException(err.message) from None
        click.echo(f"User {user.id} {user.email} ({user.role}) ready.")

    @users.command("token")
    @click.argument("email")
    def token(email):
        """Print a new personal API token (the last word of the output)."""
        from commons.services import issue_token

        try:
            value = issue_token(email)
        except ApiError as err:
            raise click.ClickException(err.message) from None
        click.echo(f"New API token for {email.strip().lower()}: {value}")

    app.cli.add_command(demo_data_command())

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False))
    def backup(path):
        """A consistent copy of the SQLite database while the app serves (PostgreSQL: pg_dump)."""
        from commons.backup import BackupRefused, backup as make_backup

        try:
            done = make_backup(app.config["SQLALCHEMY_DATABASE_URI"], path)
        except BackupRefused as err:
            raise click.ClickException(str(err)) from None
        click.echo(f"Backed up {done.source} to {done.path}: {done.size} bytes, integrity ok, "
                   f"migration {done.revision}, {done.seconds:.2f} s.")


def demo_data_command() -> click.Command:
    """`demo-data [--bookings N] [--volunteers N]`: the parts of the demo the packages registered
    (commons.demo), each with the option that asks for its generated rows."""
    from commons.demo import DEMO_PARTS, load_demo

    @with_appcontext
    def demo_data(**counts):
        click.echo(load_demo(**counts))

    options = [
        click.Option([f"--{part.option}"], default=0, type=click.IntRange(0, part.limit), help=part.help)
        for part in DEMO_PARTS.values()
        if part.option
    ]
    return click.Command("demo-data", callback=demo_data, params=options, help="Load a small, realistic Helsinki demo; safe to run twice.")


def register_job_cli(app: Flask) -> None:
    """`jobs list`, `jobs run NAME [--now ...]`, `scheduler`, `mail list` (docs/operations.md "Operations")."""

    @app.cli.group()
    def jobs():
        """The jobs that run on their own (see `scheduler`)."""

    @jobs.command("list")
    def jobs_list():
        """Each job and its schedule."""
        from commons.jobs import JOBS

        width = max(len(n) for n in JOBS)
        for job in JOBS.values():
            click.echo(f"{job.name:<{width}}  {job.schedule:<28}  {job.description}")

    @jobs.command("run")
    @click.argument("name")
    @click.option("--now", "now_text", help="ISO 8601 time to run as (default: now); without an offset it is local time (TIMEZONE)")
    def jobs_run(name, now_text):
        """Run one job once."""
        from commons.jobs import JOBS, parse_now, run_job

        if name not in JOBS:
            raise click.ClickException(f"No job {name!r}; the jobs are: {', '.join(JOBS)}.")
        try:
            now = parse_now(now_text)
        except ValueError:
            raise click.ClickException(f"--now must be an ISO 8601 time such as 2027-01-05T10:00+02:00, not {now_text!r}.") from None
        click.echo(run_job(name, now))

    @app.cli.command("scheduler")
    def scheduler():
        """Run the jobs on their schedules in the foreground (one per deployment: a second one waits)."""
        import logging

        from commons.scheduler import run_scheduler

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
        run_scheduler(app)

    @app.cli.group()
    def mail():
        """The e-mail outbox."""

    @mail.command("list")
    @click.option("--status", type=click.Choice(["queued", "sent", "failed"]))
    @click.option("--limit", default=50, type=click.IntRange(1, 10000))
    def mail_list(status, limit):
        """The latest messages in the outbox, newest first."""
        from commons.mail import list_messages

        for m in list_messages(status, limit):
            when = m.sent_at or m.next_attempt_at
            error = f"  ({m.last_error})" if m.last_error and m.status != "sent" else ""
            subject = m.subject if m.renderer is None else f"({m.renderer}, rendered by send-mail)"
            click.echo(f"{m.id:>6} {m.status:<6} {m.attempts:>2} {when:%Y-%m-%d %H:%M}Z {m.to_address}  {subject}{error}")
