"""Any ``Authorization`` header gets 401 or 200 from every step: never a 5xx, never
silence.

Hypothesis writes the headers: bytes a header may carry, ``Bearer`` and junk, a real
token from the provider with its segments dropped, duplicated, swapped or replaced,
and tokens assembled from a header and claims of odd shapes and types, signed with
the provider's key, a stranger's, or not at all. Valid tokens are among them, and
those must get 200. Each step runs under gunicorn with a real Redis and the local
provider, so what is fuzzed is the whole path a request takes: gunicorn, Django,
DRF, the step's authentication, PyJWT, the cache.
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tutorial.course.steps import Step, discover_steps
from tutorial.kit.idp import IdentityProvider, SigningKey
from tutorial.kit.net import get_me
from tutorial.kit.stack import run_stack

STEPS = discover_steps()
# gunicorn answers 400 itself to a header field over 8 KiB, before the step sees it;
# 128 KiB lets the step meet the long headers Hypothesis writes.
LONG_FIELDS = ("--limit-request-field_size", str(128 * 1024))
# A request each: about 5 s a step on a busy two-core machine (a failure adds up to
# a minute, while Hypothesis looks for the smallest header that fails).
EXAMPLES_PER_STEP = 100

# RFC 9110 §5.5: a field value is made of visible ASCII, obs-text (0x80-0xFF),
# spaces and tabs. The other bytes never reach a step: http.client refuses to send
# CR and LF, and gunicorn answers 400 itself to NUL and the other control bytes.
FIELD_VALUE_CHARACTERS = bytes([0x09, *range(0x20, 0x7F), *range(0x80, 0x100)]).decode(
    "latin-1"
)
BASE64URL_CHARACTERS = (
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
)
# The header parameters PyJWT gives a meaning to, and a few more of RFC 7515's.
HEADER_NAMES = ["alg", "kid", "typ", "cty", "crit", "b64", "jku", "jwk", "x5c", "zip"]
CLAIM_NAMES = ["iss", "aud", "sub", "exp", "iat", "nbf", "jti"]


@dataclass(frozen=True)
class Header:
    """An ``Authorization`` value; ``valid``: the provider signed it as it should."""

    value: bytes
    valid: bool = False


@pytest.mark.parametrize("step", STEPS, ids=lambda step: step.name)
def test_any_authorization_header_gets_401_or_200(step: Step):
    stranger = SigningKey.generate()
    with run_stack(step.path, workers=2, extra_args=LONG_FIELDS) as stack:
        port = stack.server.port

        @settings(
            max_examples=EXAMPLES_PER_STEP,
            deadline=None,  # a busy machine is slow now and then; that is no bug
            database=None,  # nothing written beside the sources
            suppress_health_check=[HealthCheck.too_slow],
        )
        @given(header=authorization_headers(stack.idp, stranger))
        # Found by this test, and kept: a claim that JSON cannot write back (Python's
        # JSON parser reads Infinity, PyJWT lets it be, the answer shows the claims).
        @example(Header(bearer(provider_signed(stack.idp, {"score": math.inf}))))
        # And its cousin: a lone surrogate, which Python reads and UTF-8 cannot write.
        @example(Header(bearer(provider_signed(stack.idp, {"name": "\ud800"}))))
        def answers_401_or_200(header: Header) -> None:
            status = get_me(port, header.value).status
            said = f"{status or 'no answer'} to {decoded(header.value)}"
            if header.valid:
                assert status == 200, f"a valid token got {said}"
            else:
                assert status in (200, 401), said

        answers_401_or_200()


def authorization_headers(
    idp: IdentityProvider, stranger: SigningKey
) -> st.SearchStrategy[Header]:
    anything = st.text(FIELD_VALUE_CHARACTERS).map(latin_1)
    return st.one_of(
        valid_headers(idp),
        anything.map(Header),
        anything.map(lambda junk: Header(b"Bearer " + junk)),
        base64_junk().map(lambda junk: Header(bearer(junk))),
        mutated_tokens(idp).map(lambda token: Header(bearer(token))),
        tokens_with_extra_claims(idp).map(lambda token: Header(bearer(token))),
        assembled_tokens(idp, stranger).map(lambda token: Header(bearer(token))),
    )


def valid_headers(idp: IdentityProvider) -> st.SearchStrategy[Header]:
    """A token the provider signed, in any spelling RFC 6750 allows."""
    return st.builds(
        lambda scheme, space, sub: Header(
            latin_1(f"{scheme}{space}{idp.mint_token(sub, expires_in=3600)}"),
            valid=True,
        ),
        scheme=st.sampled_from(["Bearer", "bearer", "BEARER"]),
        space=st.text(" \t", min_size=1, max_size=3),
        sub=st.text(),
    )


def base64_junk() -> st.SearchStrategy[str]:
    """Strings of the characters a token is made of, dots and padding included."""
    return st.text(BASE64URL_CHARACTERS + ".=")


@st.composite
def mutated_tokens(draw: st.DrawFn, idp: IdentityProvider) -> str:
    """A real token, its segments dropped, duplicated, swapped or replaced by junk."""
    segments = idp.mint_token(expires_in=3600).split(".")
    for _ in range(draw(st.integers(1, 3))):
        if not segments:
            break
        where = draw(st.integers(0, len(segments) - 1))
        mutation = draw(st.sampled_from(["drop", "duplicate", "swap", "replace"]))
        if mutation == "drop":
            del segments[where]
        elif mutation == "duplicate":
            segments.insert(where, segments[where])
        elif mutation == "swap":
            other = draw(st.integers(0, len(segments) - 1))
            segments[where], segments[other] = segments[other], segments[where]
        else:
            segments[where] = draw(base64_junk())
    return ".".join(segments)


def json_values() -> st.SearchStrategy[Any]:
    """Any JSON value: NaN, infinities and huge numbers included, as JSON parsers
    in Python accept them."""
    scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=8), children, max_size=4)
        ),
        max_leaves=12,
    )


def odd_or(usual: Any) -> st.SearchStrategy[Any]:
    return st.just(usual) | json_values()


@st.composite
def tokens_with_extra_claims(draw: st.DrawFn, idp: IdentityProvider) -> str:
    """A token the provider signed, its usual claims right, and more of any shape.

    Signed by the provider, so the step accepts it and shows its claims.
    """
    extra_names = st.text().filter(lambda name: name not in CLAIM_NAMES)
    return provider_signed(
        idp, draw(st.dictionaries(extra_names, json_values(), min_size=1))
    )


def provider_signed(idp: IdentityProvider, extra_claims: dict[str, Any]) -> str:
    header = {"alg": "RS256", "kid": idp.current_key.kid, "typ": "JWT"}
    claims = {**idp.claims(expires_in=3600), **extra_claims}
    return sign(idp.current_key, f"{encode(header)}.{encode(claims)}")


@st.composite
def assembled_tokens(
    draw: st.DrawFn, idp: IdentityProvider, stranger: SigningKey
) -> str:
    """A header and claims of Hypothesis's making, mostly near what the provider
    signs, signed with its key, a stranger's, or given a junk signature."""
    header = draw(
        st.one_of(
            st.fixed_dictionaries(
                {"alg": odd_or("RS256"), "kid": odd_or(idp.current_key.kid)},
                optional={"typ": odd_or("JWT")},
            ),
            st.dictionaries(st.sampled_from(HEADER_NAMES) | st.text(), json_values()),
            json_values(),  # not even an object
        )
    )
    odd_claims = st.dictionaries(
        st.sampled_from(CLAIM_NAMES) | st.text(), json_values()
    )
    payload = draw(
        st.one_of(
            odd_claims.map(lambda odd: {**idp.claims(expires_in=3600), **odd}),
            json_values(),
        )
    )
    signing_input = f"{encode(header)}.{encode(payload)}"
    signer = draw(st.sampled_from([idp.current_key, stranger, None]))
    if signer is None:
        return f"{signing_input}.{draw(base64_junk())}"
    return sign(signer, signing_input)


def encode(value: Any) -> str:
    return b64url(json.dumps(value).encode())


def sign(key: SigningKey, signing_input: str) -> str:
    """The token, signed RS256 as the provider signs: by hand, since PyJWT refuses
    to sign a header that is not an object."""
    signature = key.private_key.sign(
        signing_input.encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    return f"{signing_input}.{b64url(signature)}"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def decoded(value: bytes) -> str:
    """The header, each segment that is base64url JSON shown as its JSON, so that a
    failure reads ``Bearer {"alg": ...}.{"sub": ...}.<signature>``."""
    scheme, space, token = value.rpartition(b" ")
    segments = []
    for segment in token.split(b"."):
        try:
            text = base64.urlsafe_b64decode(segment + b"=" * (-len(segment) % 4))
            json.loads(text)
            segments.append(text.decode())
        except ValueError:
            segments.append(segment.decode("latin-1"))
    return repr(scheme.decode("latin-1") + space.decode() + ".".join(segments))


def bearer(token: str) -> bytes:
    return latin_1(f"Bearer {token}")


def latin_1(text: str) -> bytes:
    """What goes on the wire: header values are bytes, read by servers as Latin-1."""
    return text.encode("latin-1")
