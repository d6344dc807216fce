"""The admin API under /admin, behind PIXMILL_ADMIN_TOKEN (mounted only when it is set).

Accounts, keys, credits and usage, as JSON with OpenAI-style errors. Every route checks
the bearer token before it reads anything else, then reads its body itself (so a bad body
from a caller without the token is still a 401). A key's secret is in one answer only:
the one that creates it.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

import anyio.to_thread
from fastapi import APIRouter, Depends, Query, Request
from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    field_validator,
)

from pixmill.accounts.keys import KeyInfo, NewKey
from pixmill.accounts.pricing import MAX_CREDITS, parse_credits
from pixmill.accounts.store import AccountStore
from pixmill.accounts.tables import utcnow
from pixmill.api.body import read_json_object
from pixmill.api.errors import Dialect
from pixmill.api.generation import app_state
from pixmill.api.responses import ADMIN_ERRORS, error_responses
from pixmill.errors import AuthenticationError, InvalidRequest, NotFound, excerpt
from pixmill.request import Text, WholeInt, invalid_request_from
from pixmill.usage import format_credits

MAX_PER_MINUTE = 2**31 - 1
"""A per-key limit must fit the INTEGER column."""

T = TypeVar("T")
Model = TypeVar("Model", bound=BaseModel)


def _credits_field(positive: bool) -> Any:
    def check(value: object, info: Any) -> int:
        return parse_credits(value, info.field_name, positive=positive)

    return BeforeValidator(check)


def _amount_schema(positive: bool) -> WithJsonSchema:
    # Up to MAX_CREDITS, to the micro-credit; a positive amount has a nonzero digit there.
    pattern = r"^([0-9]{1,9}(\.[0-9]{1,6})?|1000000000)$"
    bound = {"minimum": 0}
    if positive:
        pattern = r"^([1-9][0-9]{0,8}(\.[0-9]{1,6})?|0?\.[0-9]{0,5}[1-9][0-9]{0,5})$"
        bound = {"minimum": 0.000001}
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": pattern},
                {"type": "number", **bound, "maximum": float(MAX_CREDITS)},
            ],
            "description": 'Credits, e.g. "2.5".',
        }
    )


Credits = Annotated[int, _credits_field(positive=False), _amount_schema(positive=False)]
"""Credits >= 0 on the wire, micro-credits once validated."""
PositiveCredits = Annotated[int, _credits_field(positive=True), _amount_schema(positive=True)]


# Wire models.


class AdminBody(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AdminAccountCreate(AdminBody):
    name: Text = Field(min_length=1, max_length=200)
    credits: Credits = 0


class AdminCreditsGrant(AdminBody):
    amount: PositiveCredits
    note: Text | None = Field(default=None, max_length=500)


class AdminKeyCreate(AdminBody):
    name: Text = Field(min_length=1, max_length=200)
    account_id: Text | None = Field(default=None, max_length=32)
    """The account to add the key to; without it, a new account named `name`."""
    credits: Credits = 0
    """Granted to the account (the new one's opening balance)."""
    expires_at: AwareDatetime | None = None
    requests_per_minute: WholeInt | None = Field(default=None, ge=0, le=MAX_PER_MINUTE)
    images_per_minute: WholeInt | None = Field(default=None, ge=0, le=MAX_PER_MINUTE)
    """Per-key limits; null takes the server's, 0 is unlimited."""

    @field_validator("expires_at")
    @classmethod
    def _storable_future(cls, moment: datetime | None) -> datetime | None:
        if moment is None:
            return None
        try:
            # Stored in UTC: near year 1 or 9999 an offset pushes it out of range.
            moment = moment.astimezone(UTC)
        except OverflowError:
            raise ValueError("the time is outside the range that can be stored") from None
        if moment <= utcnow():
            raise ValueError("the time is in the past: a key must expire in the future")
        return moment


# Authentication and plumbing.


async def require_admin(request: Request) -> None:
    """Let through only `Authorization: Bearer <PIXMILL_ADMIN_TOKEN>`, compared in constant time."""
    token = app_state(request).settings.admin_token
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    expected = token.get_secret_value().encode() if token is not None else b""
    # Compare bytes: compare_digest refuses non-ASCII str, and a header may hold any.
    ok = bool(expected) and hmac.compare_digest(given.strip().encode(), expected)
    if scheme.lower() != "bearer" or not ok:
        raise AuthenticationError(
            "Missing or invalid admin token: send 'Authorization: Bearer <PIXMILL_ADMIN_TOKEN>'.",
            code="invalid_admin_token",
        )


async def refuse_nul_parameters(request: Request) -> None:
    """Path and query parameters that no database can store are a 400, not a failed query."""
    for name, value in [*request.path_params.items(), *request.query_params.items()]:
        if isinstance(value, str) and "\x00" in value:
            raise InvalidRequest(
                f"Invalid value for '{excerpt(name)[1:-1]}': NUL characters are not allowed.",
                param=name,
            )


router = APIRouter(
    prefix="/admin",
    tags=["admin"],
    # In this order: a caller without the token learns nothing about its parameters.
    dependencies=[Depends(require_admin), Depends(refuse_nul_parameters)],
    responses=error_responses(Dialect.OPENAI, ADMIN_ERRORS),
)


async def _run(request: Request, call: Callable[[AccountStore], T]) -> T:
    """Run a blocking store call in a worker thread."""
    store = app_state(request).accounts
    return await anyio.to_thread.run_sync(lambda: call(store))


async def _body(request: Request, model: type[Model]) -> Model:
    """The JSON body validated as `model`; 400 naming the first parameter at fault."""
    body = await read_json_object(request, app_state(request).settings.max_body_bytes)
    try:
        # The credits validators raise InvalidRequest, which pydantic lets through.
        return model.model_validate(body)
    except ValidationError as exc:
        raise invalid_request_from(exc, body) from None


def _body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI for a body the route reads itself."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def key_json(key: KeyInfo) -> dict[str, Any]:
    return {
        "id": key.id,
        "object": "api_key",
        "name": key.name,
        "account_id": key.account_id,
        "prefix": key.prefix,
        "state": key.state,
        "created_at": _when(key.created_at),
        "expires_at": _when(key.expires_at),
        "revoked_at": _when(key.revoked_at),
        "requests_per_minute": key.requests_per_minute,
        "images_per_minute": key.images_per_minute,
    }


def account_json(account_id: str, name: str, balance_micro: int) -> dict[str, Any]:
    return {
        "id": account_id,
        "object": "account",
        "name": name,
        "balance": format_credits(balance_micro),
    }


def _account(store: AccountStore, account_id: str) -> dict[str, Any]:
    for row in store.keys.accounts(account_id):
        return {
            **account_json(*row),
            "ledger_sum": format_credits(store.ledger.ledger_sum(account_id)),
            "keys": [key_json(key) for key in store.keys.list(account_id)],
        }
    raise NotFound(f"No account {excerpt(account_id)}.", param="account_id")


def _webhook_secret(store: AccountStore, account_id: str, *, rotate: bool) -> dict[str, Any]:
    from pixmill.jobs.webhooks import WebhookSecrets

    if not store.keys.accounts(account_id):
        raise NotFound(f"No account '{account_id}'.", param="account_id")
    secrets = WebhookSecrets(store.db)
    secret = secrets.rotate(account_id) if rotate else secrets.get(account_id)
    return {"account_id": account_id, "webhook_secret": secret}


# Accounts.


@router.post(
    "/accounts", summary="Create an account", openapi_extra=_body_schema(AdminAccountCreate)
)
async def create_account(request: Request) -> dict[str, Any]:
    body = await _body(request, AdminAccountCreate)

    def create(store: AccountStore) -> dict[str, Any]:
        return _account(store, store.keys.create_account(body.name, body.credits))

    return await _run(request, create)


@router.get("/accounts", summary="List accounts")
async def list_accounts(request: Request) -> dict[str, Any]:
    rows = await _run(request, lambda store: store.keys.accounts())
    return {"object": "list", "data": [account_json(*row) for row in rows]}


@router.get("/accounts/{account_id}", summary="An account: balance, ledger sum and keys")
async def get_account(request: Request, account_id: str) -> dict[str, Any]:
    return await _run(request, lambda store: _account(store, account_id))


@router.post(
    "/accounts/{account_id}/credits",
    summary="Grant credits to an account",
    openapi_extra=_body_schema(AdminCreditsGrant),
)
async def grant_credits(request: Request, account_id: str) -> dict[str, Any]:
    body = await _body(request, AdminCreditsGrant)
    balance = await _run(
        request, lambda store: store.ledger.grant(account_id, body.amount, body.note)
    )
    return {
        "object": "credit_grant",
        "account_id": account_id,
        "amount": format_credits(body.amount),
        "balance": format_credits(balance),
    }


# Keys.


@router.get(
    "/accounts/{account_id}/webhook-secret",
    summary="The account's webhook signing secret (Standard Webhooks, whsec_...)",
)
async def get_webhook_secret(request: Request, account_id: str) -> dict[str, Any]:
    return await _run(request, lambda store: _webhook_secret(store, account_id, rotate=False))


@router.post(
    "/accounts/{account_id}/webhook-secret",
    summary="Rotate the account's webhook signing secret; the old one stops signing at once",
)
async def rotate_webhook_secret(request: Request, account_id: str) -> dict[str, Any]:
    return await _run(request, lambda store: _webhook_secret(store, account_id, rotate=True))


@router.post(
    "/keys", summary="Create a key (its secret is in this answer only)",
    openapi_extra=_body_schema(AdminKeyCreate),
)  # fmt: skip
async def create_key(request: Request) -> dict[str, Any]:
    body = await _body(request, AdminKeyCreate)

    def create(store: AccountStore) -> tuple[NewKey, int]:
        new = store.keys.create_key(
            body.account_id,
            body.name,
            credits_micro=body.credits,
            expires_at=body.expires_at,
            requests_per_minute=body.requests_per_minute,
            images_per_minute=body.images_per_minute,
        )
        return new, store.ledger.balance(new.key.account_id)

    new, balance = await _run(request, create)
    return {**key_json(new.key), "key": new.secret, "balance": format_credits(balance)}


@router.get("/keys", summary="List keys")
async def list_keys(
    request: Request, account_id: Annotated[str | None, Query(max_length=32)] = None
) -> dict[str, Any]:
    keys = await _run(request, lambda store: store.keys.list(account_id))
    return {"object": "list", "data": [key_json(key) for key in keys]}


@router.get("/keys/{key_id}", summary="A key")
async def get_key(request: Request, key_id: str) -> dict[str, Any]:
    return key_json(await _run(request, lambda store: store.keys.get(key_id)))


@router.post("/keys/{key_id}/revoke", summary="Revoke a key (it stays listed, as revoked)")
async def revoke_key(request: Request, key_id: str) -> dict[str, Any]:
    return key_json(await _run(request, lambda store: store.keys.revoke(key_id)))


# Usage.


@router.get("/usage", summary="Requests, images and credits per key and per UTC day")
async def usage(
    request: Request,
    days: Annotated[int, Query(ge=1, le=3660)] = 30,
    key_id: Annotated[str | None, Query(max_length=32)] = None,
) -> dict[str, Any]:
    def report(store: AccountStore) -> list[dict[str, Any]]:
        if key_id is not None:
            store.keys.get(key_id)
        app_state(request).usage_writer.flush()  # this process's records, written by now
        return [
            {
                "day": row.day.isoformat(),
                "key_id": row.key_id,
                "key_name": row.key_name,
                "requests": row.requests,
                "succeeded": row.succeeded,
                "images": row.images,
                "credits": format_credits(row.cost_micro),
            }
            for row in store.usage.daily(days=days, key_id=key_id)
        ]

    return {"object": "list", "days": days, "data": await _run(request, report)}
