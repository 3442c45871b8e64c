"""Password hashes for the API's users: scrypt, salted, slow on purpose.

A hash is stored as `scrypt$<n>$<r>$<p>$<salt>$<digest>` (salt and digest base64), so its
cost parameters travel with it and can be raised for new passwords without breaking old
ones. The parameters are OWASP's for scrypt (N=2^17, r=8, p=1: 128 MiB, a few tenths of a
second), which makes guessing a stolen hash expensive. Checking compares in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SCHEME = "scrypt"
N, R, P = 2**17, 8, 1
SALT_BYTES = 16
DIGEST_BYTES = 32
# Airflow's simple auth manager draws generated passwords from these (no look-alikes).
PASSWORD_ALPHABET = "abcdefghkmnpqrstuvwxyzABCDEFGHKMNPQRSTUVWXYZ23456789"


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=DIGEST_BYTES,
                          maxmem=256 * 1024 * 1024)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, N, R, P)
    return "$".join([SCHEME, str(N), str(R), str(P), base64.b64encode(salt).decode(),
                     base64.b64encode(digest).decode()])


def check_password(password: str, stored: str | None) -> bool:
    """Whether `password` matches the stored hash. With no hash (an unknown user) a hash is
    still computed, so the answer takes as long either way."""
    try:
        scheme, n, r, p, salt, digest = (stored or "").split("$")
        if scheme != SCHEME:
            raise ValueError(scheme)
        expected = base64.b64decode(digest)
        actual = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except ValueError:
        _scrypt(password, b"\0" * SALT_BYTES, N, R, P)
        return False
    return hmac.compare_digest(actual, expected)


def generate_password(length: int = 16) -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(length))
