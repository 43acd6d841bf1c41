"""A polling bot keeps in memory only what it uses: what serves rare requests (a course
upload, a certificate, Redis, the webhook server, migrations) is imported when first
needed (`bench.updates` measures the process's peak RSS)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support.databases import ROOT
from tests.support.processes import patience

# Each costs megabytes resident once imported.
RARELY_NEEDED = (
    "alembic",  # migrations: the schema check at start reads the revisions without it
    "mako",
    "PIL",  # a certificate image
    "yaml",  # a course import
    "bot.rules.content",
    "redis",  # only with REDIS_URL
    "bot.entry.webhook",
    "bot.webapp",  # the dashboard: only with WEBAPP_URL
    "jinja2",
    "cryptography.hazmat.bindings._rust",  # PyMySQL's RSA path, see bot.entry.deferred
)


def run_python(code: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=patience(180),
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_a_polling_bot_does_not_import_what_serves_rare_requests() -> None:
    code = (
        "import sys\n"
        "from bot.entry import cli, runner\n"
        "from bot.entry.deferred import defer_mysql_rsa\n"
        "defer_mysql_rsa()\n"
        "import aiomysql\n"  # what the engine loads for a server database
        "print(*sorted(sys.modules))\n"
    )
    loaded = set(run_python(code).split())
    assert "pymysql" in loaded
    assert {name for name in loaded if name.startswith(RARELY_NEEDED)} == set()


def test_the_mysql_driver_still_encrypts_a_password_with_rsa_when_asked() -> None:
    # The server's public key is made after the check: making it loads cryptography.
    code = (
        "import sys\n"
        "from bot.entry.deferred import defer_mysql_rsa\n"
        "defer_mysql_rsa()\n"
        "from pymysql import _auth\n"
        "assert 'cryptography.hazmat.bindings._rust' not in sys.modules\n"
        "from cryptography.hazmat.primitives import hashes, serialization\n"
        "from cryptography.hazmat.primitives.asymmetric import padding, rsa\n"
        "key = rsa.generate_private_key(public_exponent=65537, key_size=2048)\n"
        "pem = key.public_key().public_bytes(serialization.Encoding.PEM,"
        " serialization.PublicFormat.SubjectPublicKeyInfo)\n"
        "sent = _auth.sha2_rsa_encrypt(b'secret', b'0123456789abcdefghij', pem)\n"
        "oaep = padding.OAEP(padding.MGF1(hashes.SHA1()), hashes.SHA1(), None)\n"
        "print(key.decrypt(sent, oaep) == _auth._xor_password(b'secret\\0',"
        " b'0123456789abcdefghij'))\n"
    )
    assert run_python(code).split() == ["True"]
