"""`flask --app voting demo`: a whole demo session from the real data in candidates/."""

import click


@click.command("demo")
@click.option("--deputies", default=30, show_default=True, type=click.IntRange(1, 5000))
@click.option("--credentials", required=True, type=click.Path(dir_okay=False, writable=True))
def demo_command(deputies: int, credentials: str):
    """Schema if needed, the pool screened to 15 candidates, N checked-in deputies, and a
    selection poll of 10 seats opened. Prints the poll id as the last line."""
    raise click.ClickException("not built yet")
