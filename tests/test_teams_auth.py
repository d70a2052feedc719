"""Teams authentication as Microsoft documents it: each forged or incomplete request is refused
before the bot acts, changes nothing and stores no conversation reference; replies never go to
a host outside Microsoft's service URLs; the SDK internals the validator builds on are where
this code expects them."""

from __future__ import annotations

import time
from importlib.metadata import version
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.delivery import Refused
from bot.teams.auth import ServiceUrls
from bot.teams.settings import TeamsSettings
from flows.core.payload import Payload
from flows.signup.journey import Stage
from models.tables import TeamsConversation
from tests.test_teams import AAD, PROPOSAL, Teams, buttons, card_text, last_card_with, stage

pytest_plugins = ["tests.test_teams"]


async def conversations(teams: Teams) -> int:
    async with teams.services.sessions() as s:
        return int((await s.execute(select(func.count()).select_from(TeamsConversation))).scalar_one())


async def awaiting_secretary(teams: Teams) -> tuple[int, dict[str, Any]]:
    """A proposal waiting for the Secretary, and the data of its Approve button."""
    await teams.say("rep", "propose")
    submit = teams.standin.cards_to(AAD["rep"])[-1]["actions"][0]
    await teams.click("rep", {**submit["data"], **PROPOSAL})
    approve = buttons(last_card_with(teams.standin.cards_to(AAD["sec"]), "Approve"))["Approve"]["data"]
    emp = Payload.unpack(approve["p"]).subject
    assert emp is not None
    return emp, approve


def approve_as_secretary(teams: Teams, approve: dict[str, Any]) -> dict[str, Any]:
    a = teams.activity("sec", type="invoke", name="adaptiveCard/action",
                       value={"action": {"type": "Action.Execute", "verb": "vws", "data": approve}})
    a["conversation"]["id"] = "a:dm-forged"
    return a


@pytest.mark.parametrize("case", ["no_exp", "no_serviceurl", "serviceurl_mismatch", "wrong_channel",
                                  "emulator_outside_development", "forged_from_id", "forged_host"])
async def test_forged_or_incomplete_requests_are_refused_and_change_nothing(teams: Teams, case: str) -> None:
    emp, approve = await awaiting_secretary(teams)
    stored = await conversations(teams)
    calls = len(teams.standin.calls)
    activity = approve_as_secretary(teams, approve)
    token: str | None = teams.token()
    now = int(time.time())
    if case == "no_exp":
        token = teams.token(exp=None)
        import jwt

        claims = jwt.decode(token, options={"verify_signature": False})
        claims.pop("exp")
        token = jwt.encode(claims, teams.key, algorithm="RS256", headers={"kid": "test-key"})
        assert "exp" not in jwt.decode(token, options={"verify_signature": False})
    elif case == "no_serviceurl":
        token = teams.token(serviceurl=None)
        import jwt

        claims = jwt.decode(token, options={"verify_signature": False})
        claims.pop("serviceurl")
        token = jwt.encode({**claims, "exp": now + 600}, teams.key, algorithm="RS256", headers={"kid": "test-key"})
    elif case == "serviceurl_mismatch":
        token = teams.token(serviceurl="https://smba.trafficmanager.net/uk/")
    elif case == "wrong_channel":
        activity["channelId"] = "webchat"
    elif case == "emulator_outside_development":
        activity["channelId"] = "emulator"
    elif case == "forged_from_id":  # the Secretary's object id as from.id, no object id of one's own
        activity["channelId"] = "msteams"
        activity["from"] = {"id": AAD["sec"]}
    elif case == "forged_host":  # a token and an activity agreeing on a host that is not Microsoft's
        activity["serviceUrl"] = "https://evil.example.com/"
        token = teams.token(serviceurl="https://evil.example.com/")
    resp = await teams.post(activity, token=token)
    assert resp.status in (401, 403), (case, resp.status)
    assert await stage(teams.services, emp) is Stage.AWAITING_SECRETARY
    assert await conversations(teams) == stored  # no conversation reference stored or changed
    assert len(teams.standin.calls) == calls  # nothing was sent anywhere


async def test_the_same_request_with_everything_in_order_is_accepted(teams: Teams) -> None:
    """The refusals above are for what they changed, not for the request as a whole."""
    emp, approve = await awaiting_secretary(teams)
    resp = await teams.post(approve_as_secretary(teams, approve))
    assert resp.status == 200
    assert "Approved by Sam Secretary" in card_text((await resp.json())["value"])
    assert await stage(teams.services, emp) is Stage.AWAITING_NEM


def test_only_microsofts_service_urls_are_allowed() -> None:
    urls = ServiceUrls(TeamsSettings(VWS_TEAMS_STANDIN_SERVICE_URLS="http://127.0.0.1:8123"))
    for ok in ("https://smba.trafficmanager.net/uk/", "https://smba.trafficmanager.net/teams/",
               "https://europe.webchat.botframework.com/", "http://127.0.0.1:8123/v3"):
        assert urls.allowed(ok), ok
    for bad in ("https://evil.example.com/", "http://smba.trafficmanager.net/uk/", "https://botframework.com.evil.io/",
                "https://user:pw@smba.trafficmanager.net/", "http://127.0.0.1:8124/", "https://10.0.0.1/",
                "javascript:alert(1)", "", None, 42, "https://" + "a" * 3000 + ".botframework.com/"):
        assert not urls.allowed(bad), bad


async def test_a_stored_reference_to_a_foreign_host_is_never_posted_to(teams: Teams) -> None:
    """Even a reference that somehow names another host gets nothing (and no bearer token)."""
    from microsoft_agents.activity import ConversationReference

    assert teams.services.outbox is not None
    app_deliverer: Any = teams.services.outbox.router.platforms["teams"]
    ref = {"conversation": {"id": "a:dm-x"}, "bot": {"id": "28:bot"}, "channelId": "msteams",
           "serviceUrl": "https://evil.example.com/"}
    ConversationReference.model_validate(ref)
    from flows.notices import Kind, Notice, PersonRef, ToPerson

    with pytest.raises(Refused):
        await app_deliverer._post(ref, {"type": "AdaptiveCard"}, Notice(Kind.PROGRESS, ToPerson(PersonRef(1)), "x"))
    assert not [c for c in teams.standin.calls if c["kind"] == "send"]


def test_the_sdk_internals_the_validator_builds_on_have_not_moved() -> None:
    """``bot/teams/auth.py`` takes signing keys from a configured JWKS address through the SDK's
    private ``_JwkClientManager`` (there is no public way). If this fails, the SDK changed: read
    its new ``jwt_token_validator.py`` before raising the pin in pyproject.toml."""
    import inspect

    from microsoft_agents.hosting.core.authorization.jwt import JwtTokenValidator
    from microsoft_agents.hosting.core.authorization.jwt import jwt_token_validator as module

    assert version("microsoft-agents-hosting-core").startswith("1.9."), "re-check auth.py against this SDK"
    manager = getattr(module, "_JwkClientManager", None)
    assert manager is not None, "the SDK no longer has _JwkClientManager"
    assert list(inspect.signature(manager.get_signing_key).parameters) == ["self", "jwks_uri", "header"]
    assert isinstance(JwtTokenValidator.__dict__.get("_jwk_client_manager"), manager)
    source = inspect.getsource(JwtTokenValidator.validate_token)
    assert "self._jwk_client_manager.get_signing_key(" in source
    assert '"require"' not in source  # the SDK still does not require exp: auth.py does (see identity())


def _pfx(path: Any, password: bytes) -> str:
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "vws-bot-test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    path.write_bytes(pkcs12.serialize_key_and_certificates(b"vws", key, cert, None, BestAvailableEncryption(password)))
    return str(path)


def test_the_certificate_password_is_used_to_open_the_certificate(tmp_path: Any) -> None:
    from bot.teams.adapter import msal_connections
    from bot.teams.auth import CertificateTokens

    pfx = _pfx(tmp_path / "bot.pfx", b"correct horse")
    base = {"MICROSOFT_APP_ID": "11111111-2222-3333-4444-555555555555", "MICROSOFT_APP_CERTIFICATE_FILE": pfx,
            "MICROSOFT_APP_TENANT_ID": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"}
    provider = msal_connections(TeamsSettings(**base, MICROSOFT_APP_CERTIFICATE_PASSWORD="correct horse")).get_default_connection()
    assert isinstance(provider, CertificateTokens)
    assert provider.credential() == {"private_key_pfx_path": pfx, "passphrase": "correct horse"}
    with pytest.raises(ValueError, match="could not be opened with MICROSOFT_APP_CERTIFICATE_PASSWORD"):
        msal_connections(TeamsSettings(**base, MICROSOFT_APP_CERTIFICATE_PASSWORD="wrong"))


async def test_typed_markup_shows_in_teams_exactly_as_typed(teams: Teams) -> None:
    from bot.teams.cards import escape

    typed = "*bold* _italics_ ~strike~ `code` [a link](https://evil.example) # heading\n> quote\n1. list"
    await teams.say("rep", "propose")
    submit = teams.standin.cards_to(AAD["rep"])[-1]["actions"][0]
    await teams.click("rep", {**submit["data"], **PROPOSAL, "case_for": typed})
    request = last_card_with(teams.standin.cards_to(AAD["sec"]), "Approve")
    texts = [str(v) for b in _blocks(request) for k, v in b.items() if k in ("text", "value", "title")]
    assert any(escape(typed) in t for t in texts), texts  # in a TextBlock or a FactSet, escaped
    assert not any(typed in t for t in texts)  # never the raw markdown


async def test_an_over_long_answer_in_teams_is_refused_with_its_limit_in_a_small_card(teams: Teams) -> None:
    await teams.say("rep", "propose")
    submit = teams.standin.cards_to(AAD["rep"])[-1]["actions"][0]
    card = await teams.click("rep", {**submit["data"], **PROPOSAL, "case_for": "x" * 40000})
    text = card_text(card)
    assert "3000" in text and "40000" in text
    assert len(text.encode()) < 28 * 1024  # Teams refuses cards over about 28 KB
    assert await teams.services.engine.register(everyone=True) == []


def _blocks(node: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if isinstance(node, dict):
        out.append(node)
        for v in node.values():
            out += _blocks(v)
    elif isinstance(node, list):
        for v in node:
            out += _blocks(v)
    return out
