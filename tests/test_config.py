"""Configuration: TOML plus SKILLER_* overrides; a bad value names its key."""

import pytest

from node.config import ConfigError, load_config

SECRET = "k" * 40


def write(tmp_path, text):
    path = tmp_path / "skiller.toml"
    path.write_text(text)
    return path


def test_environment_overrides_the_file(tmp_path):
    path = write(tmp_path, f'secret_key = "{SECRET}"\nport = 9000\nbase_url = "https://skills.example.org"\n')
    config = load_config(path, env={"SKILLER_PORT": "9100", "SKILLER_DATABASE_URL": "postgresql://postgres@db/skiller"})
    assert config.port == 9100
    assert config.database_url == "postgresql+asyncpg://postgres@db/skiller"
    assert config.domain == "skills.example.org"
    assert config.registration_mode == "invite" and config.default_language == "en"


@pytest.mark.parametrize(
    "text, env, key",
    [
        ('port = "eighty"', {}, "port"),
        ("", {"SKILLER_PORT": "70000"}, "port"),
        ('registration_mode = "everyone"', {}, "registration_mode"),
        ('default_language = "de"', {}, "default_language"),
        ('database_url = "mysql://x"', {}, "database_url"),
        ("", {"SKILLER_BASE_URL": "http://skills.example.org"}, "base_url"),
        ("", {"SKILLER_BASE_URL": "https://skills.example.org/sub"}, "base_url"),
        ("", {"SKILLER_ALLOW_HTTP": "maybe"}, "allow_http"),
        ('colour = "blue"', {}, "colour"),
    ],
)
def test_bad_value_names_the_key(tmp_path, text, env, key):
    path = write(tmp_path, f'secret_key = "{SECRET}"\nbase_url = "https://a.example"\n{text}\n')
    with pytest.raises(ConfigError, match=rf"^{key}"):
        load_config(path, env=env)


def test_missing_secret_key_is_reported(tmp_path):
    with pytest.raises(ConfigError, match="secret_key.*skiller init"):
        load_config(write(tmp_path, 'base_url = "https://a.example"\n'), env={})


def test_invalid_toml_is_reported_with_the_file(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "port = = 3"), env={})


def test_a_port_chosen_alone_moves_the_links_with_it(tmp_path):
    """SKILLER_PORT without a base_url: invitation links and actor ids name the port the node listens on."""
    path = write(tmp_path, f'secret_key = "{SECRET}"\nallow_http = true\n')
    config = load_config(path, env={"SKILLER_PORT": "9100"})
    assert config.port == 9100 and config.base_url == "http://127.0.0.1:9100"
    # as `skiller init` wrote it: a loopback base_url on the first port follows the port chosen later
    written = write(
        tmp_path, f'secret_key = "{SECRET}"\nallow_http = true\nport = 8080\nbase_url = "http://127.0.0.1:8080"\n'
    )
    assert load_config(written, env={"SKILLER_PORT": "9100"}).base_url == "http://127.0.0.1:9100"
    assert load_config(written, env={}, port=9200).base_url == "http://127.0.0.1:9200"
    both = load_config(written, env={"SKILLER_PORT": "9100", "SKILLER_BASE_URL": "http://skills.test:8000"})
    assert both.base_url == "http://skills.test:8000"  # an explicit base_url (behind a proxy) is kept
    public = write(tmp_path, f'secret_key = "{SECRET}"\nport = 8080\nbase_url = "https://skills.example.org"\n')
    assert load_config(public, env={"SKILLER_PORT": "9100"}).base_url == "https://skills.example.org"
