"""``ecwatch review serve``: the review web app for investigators."""

from __future__ import annotations

import click

from .common import CONTEXT_SETTINGS, console, open_database, redacted_url, storage_config


@click.group(context_settings=CONTEXT_SETTINGS)
def review() -> None:
    """The review web app: findings with their evidence, decisions, exports.

    Example:

    \b
        ecwatch review serve --port 8080
    """


@review.command("serve", context_settings=CONTEXT_SETTINGS)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; put a TLS proxy in front before opening it beyond this machine.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
def serve(host: str, port: int) -> None:
    """Serve the review app until Ctrl-C. Accounts come from 'ecwatch users add'.

    Behind an HTTPS proxy on this machine (X-Forwarded-Proto), session cookies are marked Secure.

    Example:

    \b
        ecwatch users add lan.nguyen --role investigator
        ecwatch review serve --host 127.0.0.1 --port 8080
    """
    import uvicorn

    from review.app import create_app

    config = storage_config()
    engine = open_database(config)
    console.print(f"Review app on http://{host}:{port}/ (database {redacted_url(config.database_url)}, "
                  f"evidence {config.data_dir}); Ctrl-C stops it", markup=False)
    try:
        uvicorn.run(create_app(engine, config.data_dir), host=host, port=port, proxy_headers=True,
                    forwarded_allow_ips="127.0.0.1", log_level="warning", server_header=False)
    finally:
        engine.dispose()


COMMANDS = (review,)
