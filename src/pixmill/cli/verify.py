"""`pixmill verify FILE`: what a file's Content Credentials say, and whether they hold."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from pixmill.cli.main import DataDir, app, cli_settings

NO_MANIFEST, BROKEN = 3, 1
"""Exit statuses: 0 when the signature and hashes hold, 1 when they do not, 3 without any."""

NO_OWN_CREDENTIALS = "no Content Credentials of its own"
_MEDIA_TYPES = {
    b"\x89PNG": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"RIFF": "image/webp",
}


@app.command()
def verify(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A png, jpeg or webp.")],
    trust: Annotated[
        list[Path] | None,
        typer.Option(help="More root certificates to trust (PEM); repeatable."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the whole manifest store as JSON.")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Check a file's C2PA manifest: its signature, its hashes, and who signed it.

    Trusts pixmill's local certificate authority (in the data directory), the
    PIXMILL_C2PA_TRUST_ANCHORS file, and each --trust file.
    """
    from pixmill.imaging.c2pa_signing import LOCAL_DIR, LocalAuthority
    from pixmill.imaging.c2pa_signing import verify as check
    from pixmill.imaging.provenance import xmp_source_type

    settings = cli_settings(data_dir=data_dir)
    anchors = [path.read_bytes() for path in trust or []]
    if settings.c2pa_trust_anchors is not None:
        anchors.append(settings.c2pa_trust_anchors.read_bytes())
    local = LocalAuthority(settings.data_dir / LOCAL_DIR).ca_cert
    if local.exists():
        anchors.append(local.read_bytes())
    data = file.read_bytes()
    media_type = next((t for magic, t in _MEDIA_TYPES.items() if data.startswith(magic)), None)
    result = check(data, media_type, anchors)
    out = Console(soft_wrap=True)
    if result is None:
        out.print(
            f"{file}: no Content Credentials (no C2PA manifest).", highlight=False, markup=False
        )
        raise typer.Exit(NO_MANIFEST)
    if as_json:
        typer.echo(json.dumps(result.store, indent=2))
    else:
        for line in _summary(result.manifest, result.store):
            out.print(line, highlight=False, markup=False)
        xmp = xmp_source_type(data)
        out.print(f"XMP digital source type: {xmp or 'none'}", highlight=False, markup=False)
    verdicts = {
        "Trusted": "[green]signature and hashes valid; signer trusted[/green]",
        "Valid": "[yellow]signature and hashes valid; signer not trusted here[/yellow] "
        "(pass its root with --trust)",
    }
    out.print(f"validation: {verdicts.get(result.state, '[red]INVALID[/red]')}")
    for failure in result.failures:
        out.print(
            f"  {failure.get('code')}: {failure.get('explanation', '')}",
            highlight=False,
            markup=False,
        )
    if not result.intact:
        raise typer.Exit(BROKEN)


def _summary(manifest: dict[str, Any], store: dict[str, Any]) -> list[str]:
    lines = []
    for generator in manifest.get("claim_generator_info", []):
        lines.append(f"claim generator: {generator.get('name')} {generator.get('version', '')}")
    signature = manifest.get("signature_info") or {}
    if signature:
        lines.append(f"signed by: {_signer(signature)}")
    source_types = [a["digitalSourceType"] for a in _actions(manifest) if "digitalSourceType" in a]
    for source_type in source_types:
        lines.append(f"digital source type: {source_type}")
    labels = {i.get("label"): i.get("title") for i in manifest.get("ingredients", [])}
    for action in _actions(manifest):
        lines.append(f"action: {action.get('action')}")
        if action.get("description"):
            lines.append(f"  description: {action['description']}")
        if "digitalSourceType" in action:
            lines.append(f"  digital source type: {action['digitalSourceType']}")
        agent = action.get("softwareAgent")
        if isinstance(agent, dict):
            order = ["version", "engine", "model"]  # the reader's order varies
            keys = [k for k in order if k in agent] + sorted(set(agent) - {"name", *order})
            details = ", ".join(f"{k} {agent[k]}" for k in keys)
            lines.append(f"  software agent: {agent.get('name')} ({details})")
        elif agent:
            lines.append(f"  software agent: {agent}")
        named = [
            labels.get(_label(ref.get("url", "")), "?")
            for ref in (action.get("parameters") or {}).get("ingredients", [])
        ]
        if named:
            lines.append(f"  ingredients: {', '.join(str(title) for title in named)}")
    for ingredient in manifest.get("ingredients", []):
        lines.append(
            f"ingredient: {ingredient.get('title')} ({ingredient.get('relationship')}, "
            f"{ingredient.get('format')})"
        )
        own = store.get("manifests", {}).get(ingredient.get("active_manifest") or "")
        if own is None:
            lines.append(f"  {ingredient.get('description') or NO_OWN_CREDENTIALS}")
            continue
        generators = ", ".join(str(g.get("name")) for g in own.get("claim_generator_info", []))
        lines.append(f"  its own Content Credentials: {generators or '?'}, signed by "
                     f"{_signer(own.get('signature_info') or {})}")  # fmt: skip
        for action in _actions(own):
            source = action.get("digitalSourceType")
            lines.append(f"    action: {action.get('action')}" + (f" ({source})" if source else ""))
    return lines


def _signer(signature: dict[str, Any]) -> str:
    return (
        f"{signature.get('common_name') or '?'} "
        f"(issuer {signature.get('issuer') or '?'}, {signature.get('alg') or '?'})"
    )


def _actions(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        action
        for assertion in manifest.get("assertions", [])
        if str(assertion.get("label", "")).startswith("c2pa.actions")
        for action in assertion.get("data", {}).get("actions", [])
    ]


def _label(url: str) -> str:
    """The assertion label a hashed URI points to: "self#jumbf=c2pa.assertions/X" -> X."""
    return url.rsplit("/", 1)[-1]
