"""initialize / initialized / shutdown / exit and the settings: the handlers that open, reopen
and close the core ``Tracer``. Invalid settings are reported and replaced, never fatal."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pydantic import ValidationError

from ..errors import describe_validation_error
from ..models import ServerOptions
from ..tracer import Tracer

if TYPE_CHECKING:
    from .host import Host

log = logging.getLogger(__name__)

# Settings sections a client may nest the options under in workspace/didChangeConfiguration.
SETTINGS_SECTIONS = ("claudeCodeTracer", "claude-code-tracer", "claude_code_tracer")


def _section(raw: Any) -> Any:
    """The options, whether sent bare or nested under the extension's settings section."""
    if isinstance(raw, dict):
        for section in SETTINGS_SECTIONS:
            if isinstance(raw.get(section), dict):
                return raw[section]
    return raw


def read_options(
    ls: Host, raw: Any, source: str, fallback: ServerOptions | None = None
) -> ServerOptions:
    """Options from the client, checked one by one: an invalid option (or one invalid entry of
    ``prices``) is reported and replaced by its value in ``fallback`` (the defaults when there
    is none), and every other option applies. One typo in a price must not send the server to
    the default projects root."""
    raw = _section(raw)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        try:
            ServerOptions.model_validate(raw)
        except ValidationError as exc:
            _report(ls, describe_validation_error(source, exc), fallback, whole=True)
            return fallback or ServerOptions()
    data = dict(raw)
    problems: list[str] = []
    for _ in range(len(data) + 2):  # each pass drops at least one bad option or entry
        try:
            options = ServerOptions.model_validate(data)
        except ValidationError as exc:
            problems.append(describe_validation_error(source, exc))
            if not _drop_invalid(data, exc, fallback):
                break
            continue
        if problems:
            _report(ls, " ".join(problems), fallback, whole=False)
        return options
    _report(ls, " ".join(problems), fallback, whole=True)
    return fallback or ServerOptions()


def _field_name(key: object) -> str | None:
    for name, info in ServerOptions.model_fields.items():
        if key in (name, info.alias):
            return name
    return None


def _drop_invalid(
    data: dict[str, Any], exc: ValidationError, fallback: ServerOptions | None
) -> bool:
    """Replace each option (or ``prices`` entry) the error names by its fallback value, or drop
    it; False when the error names nothing that can be dropped."""
    dropped = False
    for item in exc.errors(include_url=False):
        loc = item["loc"]
        if not loc or loc[0] not in data:
            continue
        key = loc[0]
        name = _field_name(key)
        if name == "prices" and len(loc) >= 2 and isinstance(data[key], dict):
            prices = dict(data[key])
            entry = loc[1]
            if entry in prices:
                current = fallback.prices.get(str(entry)) if fallback else None
                if current is not None:
                    prices[entry] = current.model_dump(by_alias=True)
                else:
                    del prices[entry]
                data[key] = prices
                dropped = True
                continue
        if fallback is not None and name is not None:
            data[key] = getattr(fallback, name)
        else:
            del data[key]
        dropped = True
    return dropped


def _report(ls: Host, problems: str, fallback: ServerOptions | None, *, whole: bool) -> None:
    if whole:
        keep = "keeping the current options" if fallback else "using the defaults"
    else:
        keep = (
            "keeping their current values" if fallback else "using their defaults"
        ) + "; the other options apply"
    message = f"{problems} {keep[0].upper()}{keep[1:]}."  # each problem is a sentence
    log.warning("%s", message)
    ls.show_error(message)


def initialize(ls: Host, params: types.InitializeParams) -> None:
    # Synchronous on purpose: no request is handled before the tracer exists (opening it is
    # quick: DuckDB in memory plus the catalog file).
    ls.loop = asyncio.get_running_loop()
    ls.install_log_handler()
    options = read_options(ls, params.initialization_options, "initializationOptions")
    ls.options = options
    try:
        tracer = Tracer(ls.tracer_options(options))
    except Exception as exc:
        ls.open_failed(exc)
        return
    ls.install_tracer(tracer, options)


async def initialized(ls: Host, params: types.InitializedParams) -> None:
    ls.mark_initialized()
    ls.restart_background()
    if ls.tracer is not None:
        # first-use costs (imports, model builds, DuckDB's first statement) off the request
        # path: the first request of a fresh server costs what the second does
        ls.spawn(ls.call("warm-up", lambda tracer: tracer.warm_up()), "warm-up")


async def _pull_settings(ls: Host) -> Any:
    """Ask a pull-model client (settings: null) for our section; None when it cannot say."""
    workspace = ls.client_capabilities.workspace
    if not (workspace and workspace.configuration):
        return None
    try:
        items = await asyncio.wait_for(
            ls.workspace_configuration_async(
                types.ConfigurationParams(
                    items=[types.ConfigurationItem(section=SETTINGS_SECTIONS[0])]
                )
            ),
            timeout=10,
        )
    except Exception as exc:
        log.warning("could not read the configuration from the client: %s", exc)
        return None
    return items[0] if items else None


async def did_change_configuration(ls: Host, params: types.DidChangeConfigurationParams) -> None:
    """Apply changed settings. Keys not sent keep their current value (send null to reset)."""
    source = "workspace/didChangeConfiguration"
    raw = _section(params.settings)
    if not raw:
        raw = await _pull_settings(ls)
    if not isinstance(raw, dict) or not raw:
        if raw not in (None, {}):
            read_options(ls, raw, source, fallback=ls.options)  # reports the bad value
        return
    merged = {**ls.options.model_dump(by_alias=True, exclude_unset=True), **raw}
    options = read_options(ls, merged, source, fallback=ls.options)
    if options == ls.options and ls.tracer is not None:
        return
    if ls.tracer is not None and options.model_copy(update={"prices": ls.options.prices}) == (
        ls.options
    ):
        # Only the prices changed: the next session/cost re-prices, nothing is reopened.
        ls.options = options
        ls.tracer.set_prices(options.prices)
        log.info("prices changed: %d model families priced from the settings", len(options.prices))
        return
    log.info("configuration changed; reopening the archive")
    await ls.apply_options(options)


async def shutdown(ls: Host, params: Any) -> None:
    await ls.shut_down()


def exit_(ls: Host, params: Any) -> None:
    ls.remove_log_handler()
    ls.executor.shutdown(wait=False, cancel_futures=True)
