"""Settings from the environment."""
import os

import pytest

from bot.settings import TELEGRAM_API_URL, Settings, SettingsError


def test_defaults_are_safe():
    settings = Settings.from_env({})
    assert settings.telegram_token is None and not settings.webhook_mode
    assert settings.telegram_api_url == TELEGRAM_API_URL
    assert settings.database_url.startswith("sqlite:///")
    assert settings.retention_days == 30 and settings.review_logging is False


def test_environment_is_read_once_into_a_frozen_object():
    settings = Settings.from_env({
        "TELEGRAM_BOT_TOKEN": "1:abc", "TELEGRAM_API_URL": "http://127.0.0.1:9/bot", "ADMIN_IDS": "1, 2 3",
        "DATABASE_URL": "postgres://u:p@db/bot", "WEBHOOK_URL": "https://bot.example/", "RETENTION_DAYS": "7",
    })
    assert settings.telegram_api_url == "http://127.0.0.1:9/bot"
    assert settings.admin_ids == frozenset({1, 2, 3})
    assert settings.database_url == "postgresql://u:p@db/bot"
    assert settings.webhook_mode and settings.webhook_secret  # a secret is made when none is given
    assert settings.retention_days == 7
    # instances behind one load balancer derive the same secret from the same token
    assert settings.webhook_secret == Settings.from_env({"TELEGRAM_BOT_TOKEN": "1:abc", "WEBHOOK_URL": "https://x"}).webhook_secret
    assert settings.webhook_secret != Settings.from_env({"TELEGRAM_BOT_TOKEN": "2:abc", "WEBHOOK_URL": "https://x"}).webhook_secret
    with pytest.raises(Exception):
        settings.retention_days = 1


@pytest.mark.parametrize("env", [{"PORT": "eighty"}, {"ADMIN_IDS": "me"}, {"DATABASE_URL": "mysql://x"}])
def test_bad_values_say_which_setting(env):
    with pytest.raises(SettingsError) as error:
        Settings.from_env(env)
    assert list(env)[0] in str(error.value)


def test_send_rate_limit_defaults_to_telegrams_ceiling():
    assert Settings.from_env({}).send_rate_limit == 30
    assert Settings.from_env({"SEND_RATE_LIMIT": "0"}).send_rate_limit == 0
    assert Settings.from_env({"SEND_RATE_LIMIT": "12.5"}).send_rate_limit == 12.5


@pytest.mark.parametrize("name, value", [("SEND_RATE_LIMIT", "-1"), ("SEND_RATE_LIMIT", "fast"),
                                         ("SEND_RATE_LIMIT", "nan"), ("CONTENT_RELOAD_SECONDS", "soon")])
def test_bad_numbers_say_which_setting(name, value):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


def test_nlu_threads_default_to_the_cores_the_process_may_use():
    cores = len(os.sched_getaffinity(0))
    assert Settings.from_env({}).nlu_threads == max(1, min(cores, 4))
    assert Settings.from_env({"NLU_THREADS": "1"}).nlu_threads == 1


@pytest.mark.parametrize("value", ["0", "-2", "two"])
def test_nlu_threads_must_be_a_whole_number_of_one_or_more(value):
    with pytest.raises(SettingsError, match="NLU_THREADS"):
        Settings.from_env({"NLU_THREADS": value})
