"""Key generation and cached loading."""

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from activitypub.keys import generate_key_pair, load_private_key, load_public_key, public_pem_of

FIXTURES = Path(__file__).parent.parent / "fixtures" / "http_signatures"


def test_generated_pair_is_rsa_2048_pem():
    pair = generate_key_pair()
    assert pair.private_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert pair.public_pem.startswith("-----BEGIN PUBLIC KEY-----")
    key = load_private_key(pair.private_pem)
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 2048
    assert public_pem_of(pair.private_pem) == pair.public_pem


def test_loading_is_cached_by_pem():
    pair = generate_key_pair()
    assert load_private_key(pair.private_pem) is load_private_key(pair.private_pem)
    assert load_public_key(pair.public_pem) is load_public_key(pair.public_pem)


def test_pkcs1_keys_load():
    assert load_private_key((FIXTURES / "cavage_test_private.pem").read_text()).key_size == 1024
    public = load_public_key((FIXTURES / "cavage_test_public.pem").read_text())
    assert (
        public.public_numbers()
        == load_private_key((FIXTURES / "cavage_test_private.pem").read_text()).public_key().public_numbers()
    )


@pytest.mark.parametrize("pem", ["", "garbage", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "clé"])
def test_bad_pem_is_a_value_error(pem):
    with pytest.raises(ValueError):
        load_public_key(pem)
    with pytest.raises(ValueError):
        load_private_key(pem)
