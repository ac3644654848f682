"""Redaction: every kind of secret people paste is masked in every form it is pasted in
(JSON-escaped, quoted, inside a sentence or as a multi-word value, inside a URL), counted once,
and ordinary text from real sessions is left alone (issue 18.6).

Secrets are random strings of each provider's format drawn from a seeded generator (gitleaks'
rules have entropy floors that a repeated pattern would not pass)."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

import pytest

from claude_code_tracer.redaction import (
    HAND_GENERIC,
    HAND_RULES,
    find_secrets,
    load_report,
    redact,
)

REPO = Path(__file__).resolve().parents[2]
_R = random.Random(18)
ALNUM = string.ascii_letters + string.digits


def rnd(n: int, alphabet: str = ALNUM) -> str:
    return "".join(_R.choice(alphabet) for _ in range(n))


B64 = ALNUM + "/+"
UP = string.ascii_uppercase + string.digits

SECRETS = {
    "stripe_access_token": "sk_live_" + rnd(24),
    "google_api_key": "AIza" + rnd(35, ALNUM + "_-"),
    "gitlab_pat": "glpat-" + rnd(20),
    "huggingface_access_token": "hf_" + rnd(34, string.ascii_letters),
    "npm_access_token": "npm_" + rnd(36, string.ascii_lowercase + string.digits),
    "slack_webhook_url": f"https://hooks.slack.com/services/T{rnd(8, UP)}/B{rnd(8, UP)}/{rnd(24)}",
    "anthropic_key": "sk-ant-api03-" + rnd(40, ALNUM + "_-"),
    "github_token": "ghp_" + rnd(36),
    "aws_access_key": "AKIA" + rnd(16, UP),
}

# A secret known by its format, in four forms: JSON-escaped (a tool input quoted inside a
# string), quoted, inside a sentence, inside a URL.
FORMS = {
    "json_escaped": '{{\\"value\\": \\"{}\\", \\"n\\": 1}}',
    "quoted": "config = '{}' # and \"{}\"",
    "in_a_sentence": "the key {} leaked in yesterday's log, rotate it",
    "in_a_url": "curl 'https://api.example.com/v1/items?key={}&page=2'",
}


@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize("kind", list(SECRETS))
def test_each_token_format_is_masked_in_every_form(kind: str, form: str) -> None:
    secret = SECRETS[kind]
    template = FORMS[form]
    text = template.format(secret, secret) if template.count("{}") == 2 else template.format(secret)
    masked, counts = redact(text)
    assert secret not in masked, (kind, form, masked)
    assert counts == {kind: template.count("{}")}, (form, counts)
    assert masked.count(f"[REDACTED:{kind}]") == template.count("{}")
    # the text around it stays
    assert masked.startswith(template.split("{}")[0].replace("{{", "{"))


PASSWORD = "correct horse battery staple"
AWS_SECRET = rnd(40, B64)
API_KEY = rnd(32)
BASIC = "dXNlcjpjb3JyZWN0IGhvcnNlIGJhdHRlcnk="

# A secret known by the name it is given, in the same four forms (a URL form where there is one).
NAMED = [
    ("password", PASSWORD, '{{\\"user\\": \\"me\\", \\"password\\": \\"{}\\"}}'),
    ("password", PASSWORD, "password: '{}'"),
    ("password", PASSWORD, 'DB_PASSWORD="{}" ./run.sh'),
    ("password", "hunter2hunter", "https://example.com/login?user=me&password={}&next=/"),
    ("password", "s3cr3t!", "PASSWORD: {} and more text"),
    ("url_password", "hunter2", "DATABASE_URL=postgres://app:{}@db.internal:5432/app"),
    ("url_password", "p%40ss:w0rd", '{{\\"url\\": \\"mysql://root:{}@localhost/db\\"}}'),
    ("url_password", PASSWORD.replace(" ", "-"), "git clone 'https://me:{}@gitlab.com/x.git'"),
    ("aws_secret_key", AWS_SECRET, '{{\\"aws_secret_access_key\\": \\"{}\\"}}'),
    ("aws_secret_key", AWS_SECRET, 'aws_secret_access_key = "{}"'),
    ("aws_secret_key", AWS_SECRET, "export AWS_SECRET_ACCESS_KEY={} && aws s3 ls"),
    ("aws_secret_key", AWS_SECRET, "https://s3.example.com/?AWSSecretKey={}&x=1"),
    ("api_key", API_KEY, "export OPENWEATHER_API_KEY={}"),
    ("api_key", API_KEY, '{{\\"MY_SERVICE_API_KEY\\": \\"{}\\"}}'),
    ("api_key", API_KEY, "STRIPE_SECRET='{}' node app.js"),
    ("api_key", API_KEY, "GET /v2/forecast?api_key={}&city=Paris"),
    ("basic_auth", BASIC, "Authorization: Basic {}"),
    ("basic_auth", BASIC, '{{\\"headers\\": {{\\"Authorization\\": \\"Basic {}\\"}}}}'),
    ("basic_auth", BASIC, "curl -H 'Authorization: Basic {}' https://example.com"),
]


@pytest.mark.parametrize(("kind", "secret", "template"), NAMED)
def test_each_named_secret_is_masked_in_every_form(kind: str, secret: str, template: str) -> None:
    text = template.format(secret)
    masked, counts = redact(text)
    assert secret not in masked, masked
    for word in secret.split():  # a multi-word value is masked whole, not its first word
        assert word not in masked.replace("[REDACTED", ""), masked
    assert counts == {kind: 1}, (text, counts)


def test_the_old_samples_of_every_hand_written_kind_are_still_masked() -> None:
    samples = {
        "private_key": "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\n"
        "-----END RSA PRIVATE KEY-----",
        "openai_key": "sk-proj-" + "Ab12" * 8,
        "slack_token": "xoxb-1234567890-abcdefghij",
        "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
        "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "bearer_token": "Authorization: Bearer 0123456789abcdef0123456789abcdef",
        "aws_access_key": "AKIAZZZZZZZZZZZZZZZZ",
    }
    kinds = {r.kind for r in HAND_RULES + HAND_GENERIC}
    assert set(samples) <= kinds
    for kind, text in samples.items():
        masked, counts = redact("before " + text + " after")
        assert counts == {kind: 1}, (kind, counts)
        assert masked.startswith("before ") and masked.endswith(" after")


def test_two_rules_seeing_one_secret_count_it_once() -> None:
    hf = SECRETS["huggingface_access_token"]
    masked, counts = redact(f"HF_TOKEN={hf}")
    assert counts == {"huggingface_access_token": 1}
    assert masked == "HF_TOKEN=[REDACTED:huggingface_access_token]"


def test_a_masked_secret_is_not_masked_twice() -> None:
    once, counts = redact("password=hunter2 and " + SECRETS["stripe_access_token"])
    assert counts == {"password": 1, "stripe_access_token": 1}
    assert redact(once) == (once, {})


@pytest.mark.parametrize(
    "text",
    [
        "ask-anything, a task-list of 30 items, Bearer of news, the password field, AKIA",
        '"output_tokens": 2574, "cache_read_input_tokens": 97678, "max_tokens": 123456789',
        "params: { _csrf_token: csrfToken }, api_key: anthropic_api_key()",
        "password: ${DB_PASSWORD} and api_key=<your-key-here> and secret: ****",
        "the api key is stored in the keychain; token refresh happens hourly",
        "git checkout 3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39 && see https://example.com/a:b@c",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact(text) == (text, {})


def test_no_real_sample_session_has_a_false_positive() -> None:
    """Every string of every bundled real transcript (31 sessions, code, logs, diffs): none of
    them holds a real secret, so nothing may be masked."""
    found: list[tuple[str, str]] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            found.extend((k, value[s:e]) for s, e, k in find_secrets(value))
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    folders = [REPO / "server" / "claude_code_tracer" / "samples", REPO / "tests" / "samples"]
    for folder in folders:
        for path in folder.rglob("*.jsonl"):
            for raw in path.read_bytes().splitlines():
                try:
                    walk(json.loads(raw))
                except ValueError:
                    continue
    assert found == []


def test_the_vendored_gitleaks_rules_all_load() -> None:
    report = load_report()
    # 222 rules: one matches file names only, one (generic-api-key) is replaced on purpose
    assert report.rules == 220, report.skipped
    assert len(report.skipped) == 2


def test_redact_stays_importable_from_the_session_export() -> None:
    from claude_code_tracer import sessionexport

    assert sessionexport.redact is redact
