"""flowplan.digests: the same SHA-256 as hashlib, without loading OpenSSL for small inputs."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest

from flowplan import digests


@pytest.mark.parametrize("size", [0, 1, 55, 56, 64, 1000, digests.SMALL - 1, digests.SMALL,
                                  3 * digests.SMALL + 7])
def test_digests_equal_hashlib(size: int) -> None:
    data = bytes(range(256)) * (size // 256 + 1)
    data = data[:size]
    assert digests.sha256_hex(data) == hashlib.sha256(data).hexdigest()
    running = digests.sha256(data[: size // 2], more=size - size // 2)
    running.update(data[size // 2 :])
    assert running.hexdigest() == hashlib.sha256(data).hexdigest()
    assert running.digest() == hashlib.sha256(data).digest()


def _after(code: str) -> list[str]:
    program = (
        "import sys\n"
        "from flowplan import digests\n"
        f"{code}\n"
        "print(sorted(m for m in ('hashlib', '_hashlib') if m in sys.modules))\n"
    )
    return subprocess.run([sys.executable, "-c", program], text=True, capture_output=True,
                          timeout=60, check=True).stdout.split()


def test_small_inputs_leave_openssl_unloaded() -> None:
    assert _after("for i in range(200): digests.sha256_hex(b'x' * 300)") == ["[]"]


def test_a_large_input_or_the_spent_budget_loads_openssl() -> None:
    assert _after("digests.sha256_hex(b'x' * digests.SMALL)") == ["['_hashlib',", "'hashlib']"]
    spend = "for i in range(3): digests.sha256_hex(b'x' * (digests.BUDGET // 3 + 1))"
    assert _after(spend) == ["['_hashlib',", "'hashlib']"]
