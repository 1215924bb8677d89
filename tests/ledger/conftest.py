import pytest


@pytest.fixture(autouse=True)
def _node_keys_in_tmp(settings, tmp_path):
    """Every test gets its own key directory and a fixed origin."""
    settings.DATA_DIR = tmp_path
    settings.NODE_REGION = "371121"
    settings.LEDGER_ORIGIN = ""
