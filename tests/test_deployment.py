"""The deployment files under serve/ agree with each other and with the settings they name."""
from __future__ import annotations

import re

import yaml

from socratext_llm.settings import Settings

from .conftest import ROOT

SERVE = ROOT / "serve"


def env_file() -> dict[str, str]:
    pairs = [line.split("=", 1) for line in (SERVE / "socratext.env").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    return {key: value for key, value in pairs}


def test_env_file_names_only_real_settings():
    fields = {f"SOCRATEXT_{name.upper()}" for name in Settings.model_fields} | {"SOCRATEXT_SCHEMAS"}
    unknown = [key for key in env_file() if key.startswith("SOCRATEXT_") and key not in fields]
    assert not unknown


def test_compose_connects_api_and_demo_to_the_served_model():
    compose = yaml.safe_load((SERVE / "compose.yaml").read_text())
    assert {"vllm", "api", "demo"} <= set(compose["services"])
    served = re.search(r"--served-model-name (\S+)", compose["services"]["vllm"]["command"]).group(1)
    assert "--structured-outputs-config" in compose["services"]["vllm"]["command"]
    env = env_file()
    assert env["SOCRATEXT_LLM_MODEL"] == served and env["SOCRATEXT_LLM_BASE_URL"] == "http://vllm:8000/v1"
    for name, port in (("api", "8080"), ("demo", "7860")):
        service = compose["services"][name]
        assert service["command"][:3] == ["socratext", "serve", name] and f"{port}:{port}" in service["ports"]
    systemd = (SERVE / "systemd" / "vllm.service").read_text()
    assert f"--served-model-name {served}" in systemd
