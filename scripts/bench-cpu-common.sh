# Shared set-up of the CPU bundle benchmarks (sourced by bench-cpu.sh and bench-cpu-int8.sh, which
# set bench_name, root, build, models_dir, out, ort, repeat, rounds, nestc and models first): the
# common checks and onnxruntime-node (bench-common.sh), seed models when missing, the 1x3x224x224 input.
min_repeat=15
# shellcheck source=scripts/bench-common.sh
. "$root/scripts/bench-common.sh"
for m in "${models[@]}"; do
  if [ ! -f "$models_dir/$m/model.onnx" ]; then
    echo "generating the seed models into $models_dir" >&2
    /usr/bin/python3 "$root/scripts/make_seed_models.py" "$models_dir" >&2
    break
  fi
done
mkdir -p "$out"
input="$out/input_1x3x224x224.npy"
/usr/bin/python3 -c "import numpy as np, sys; np.save(sys.argv[1], np.random.default_rng(1).uniform(-1, 1, (1, 3, 224, 224)).astype(np.float32))" "$input"
