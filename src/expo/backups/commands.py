"""``flask --app expo backup PATH`` and ``flask --app expo restore PATH``."""

from __future__ import annotations

from pathlib import Path

import click

from expo.backups import archive

ARCHIVE_PATH = click.Path(dir_okay=False, path_type=Path)


@click.command("backup")
@click.argument("path", type=ARCHIVE_PATH)
@click.option(
    "--with-secrets",
    is_flag=True,
    help="Include instance/secret_key (sessions, links and tokens keep working after a "
    "restore); keep such an archive as safe as the key itself.",
)
def backup_command(path: Path, with_secrets: bool) -> None:
    """Write the database, the documents and the instance settings to one archive
    (a .tar, compressed when PATH ends in .gz or .tgz)."""
    try:
        manifest = archive.create_backup(path, with_secrets=with_secrets)
    except archive.BackupError as error:
        raise click.ClickException(str(error)) from error
    documents = sum(1 for entry in manifest["files"] if entry["path"].startswith("documents/"))
    click.echo(
        f"Backup written to {path}: {manifest['database_kind']} database at migration "
        f"{manifest['migration_head']}, {documents} documents, "
        f"{path.stat().st_size} bytes."
    )


@click.command("restore")
@click.argument("path", type=ARCHIVE_PATH)
@click.option(
    "--force",
    is_flag=True,
    help="Replace the data of an installation already in use.",
)
def restore_command(path: Path, force: bool) -> None:
    """Restore an archive written by `backup` into this (empty) installation, after
    checking every file, then migrate the database to this version's schema."""
    try:
        result = archive.restore_backup(path, force=force)
    except archive.BackupError as error:
        raise click.ClickException(f"{error}") from error
    manifest = result.manifest
    click.echo(
        f"Restored {path} (made {manifest.get('created_at')} by Expo "
        f"{manifest.get('expo_version')}): {manifest['database_kind']} database, "
        f"{result.documents} documents."
    )
    if result.upgraded_from:
        click.echo(f"The database was migrated from {result.upgraded_from} to this version.")
    for name in result.instance_files_written:
        click.echo(f"instance/{name} restored.")
    for name in result.instance_files_kept:
        click.echo(
            f"instance/{name} differs from the archive's and was kept; the archive's copy "
            f"is instance/{name}.from-backup."
        )
