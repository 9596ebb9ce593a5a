# Shared set-up of the CPU bundle benchmarks (sourced by bench-cpu.sh and bench-cpu-int8.sh, which
# set bench_name, root, build, models_dir, out, ort, repeat, rounds, nestc and models first):
# checks, seed models and onnxruntime-node when missing, the 1x3x224x224 input, and helpers.
if [ ! -x "$nestc" ]; then echo "$bench_name: $nestc not built (cmake --build $build --target nestc)" >&2; exit 2; fi
if ! [ "$repeat" -ge 15 ] 2>/dev/null; then echo "$bench_name: REPEAT must be a number >= 15" >&2; exit 2; fi
if ! [ "$rounds" -ge 1 ] 2>/dev/null; then echo "$bench_name: ROUNDS must be a number >= 1" >&2; exit 2; fi
for m in "${models[@]}"; do
  if [ ! -f "$models_dir/$m/model.onnx" ]; then
    echo "generating the seed models into $models_dir" >&2
    /usr/bin/python3 "$root/scripts/make_seed_models.py" "$models_dir" >&2
    break
  fi
done
if [ ! -d "$ort/node_modules/onnxruntime-node" ]; then
  echo "installing onnxruntime-node into $ort" >&2
  mkdir -p "$ort"
  ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node --prefix "$ort" >&2
fi
mkdir -p "$out"
input="$out/input_1x3x224x224.npy"
/usr/bin/python3 -c "import numpy as np, sys; np.save(sys.argv[1], np.random.default_rng(1).uniform(-1, 1, (1, 3, 224, 224)).astype(np.float32))" "$input"

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" | tail -n 1; }
best() { if [ -z "$1" ] || [ "$(echo "$2 < $1" | bc -l)" = 1 ]; then echo "$2"; else echo "$1"; fi; }
