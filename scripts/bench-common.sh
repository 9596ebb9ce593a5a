# Shared set-up of the benchmarks against onnxruntime (sourced by bench-cpu-common.sh and
# bench-transformers.sh, which set bench_name, build, ort, repeat, rounds, nestc and min_repeat
# first): checks, onnxruntime-node installed when missing, and the helpers that read
# "latency_ms median=X min=Y" lines (field) and keep the smallest of several rounds (best).
if [ ! -x "$nestc" ]; then echo "$bench_name: $nestc not built (cmake --build $build --target nestc)" >&2; exit 2; fi
if ! [ "$repeat" -ge "$min_repeat" ] 2>/dev/null; then echo "$bench_name: REPEAT must be a number >= $min_repeat" >&2; exit 2; fi
if ! [ "$rounds" -ge 1 ] 2>/dev/null; then echo "$bench_name: ROUNDS must be a number >= 1" >&2; exit 2; fi
if [ ! -d "$ort/node_modules/onnxruntime-node" ]; then
  echo "installing onnxruntime-node into $ort" >&2
  mkdir -p "$ort"
  ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node --prefix "$ort" >&2
fi

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" | tail -n 1; }
best() { if [ -z "$1" ] || [ "$(echo "$2 < $1" | bc -l)" = 1 ]; then echo "$2"; else echo "$1"; fi; }
