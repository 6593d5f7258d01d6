#!/usr/bin/env bash
# The tests marked `local_llm`: the real local model (scripts/local_llm.sh provides it) on real documents,
# through litellm as the llm and hybrid engines reach vLLM. Prints the time of each step.
# Usage: bash scripts/local_llm_test.sh [pytest options]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${SOCRATEXT_PYTHON:-.venv/bin/python}
[ -x "$PY" ] || PY=python3
PORT=${SOCRATEXT_LOCAL_LLM_PORT:-8765}
started=$(date +%s)
"$PY" -c "import llama_cpp.server" 2>/dev/null || "$PY" -m pip install -q "llama-cpp-python[server]==0.3.36"
echo "llama-cpp-python ready after $(( $(date +%s) - started )) s"
"$PY" -m socratext_llm models fetch >/dev/null
echo "model fetched and verified after $(( $(date +%s) - started )) s"
log=$(mktemp)
SOCRATEXT_LOCAL_LLM_PORT=$PORT "$PY" -m socratext_llm models serve >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$PORT/v1/models" >/dev/null && break
  kill -0 $server 2>/dev/null || { echo "the local model server did not start:"; tail -20 "$log"; exit 1; }
  sleep 1
done
curl -sf "http://127.0.0.1:$PORT/v1/models" >/dev/null || { echo "server not ready after 2 minutes"; tail -20 "$log"; exit 1; }
echo "server answering after $(( $(date +%s) - started )) s"
status=0
SOCRATEXT_LLM_BASE_URL="http://127.0.0.1:$PORT/v1" SOCRATEXT_LLM_MODEL=qwen2.5-coder-1.5b \
  SOCRATEXT_LLM_RESPONSE_FORMAT=json_object \
  "$PY" -m pytest -m local_llm -p no:cacheprovider tests/test_local_llm.py "$@" || status=$?
echo "local_llm suite done after $(( $(date +%s) - started )) s (exit $status)"
exit $status
