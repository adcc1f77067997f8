#!/usr/bin/env bash
# Create scispaCy's own virtual environment for the peer benchmark (its pins clash with kebiokg's).
set -euo pipefail
venv=${1:?usage: setup_scispacy.sh VENV_DIR}
python3.11 -m venv "$venv"
"$venv/bin/pip" install -q "scispacy==0.6.2" "scipy<1.11" "numpy<2"
