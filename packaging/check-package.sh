#!/bin/bash
# packaging/check-package.sh [--install] [BUILD_DIR]: builds the Debian package and checks it as a
# user would meet it. By default the package is unpacked into a scratch root (dpkg -x: no root
# needed, nothing on the machine changes); with --install (as root) it is installed with dpkg -i
# and removed again at the end. Checks, all against the installed files:
#   control fields (Depends: runtime libraries only, no -dev), no missing shared libraries;
#   nestc / nestc-workbench --version;
#   the bundled sample compiled by the installed nestc, the bundle built by its own Makefile with
#   only the bundle's files, run, and its output equal to the installed `nestc run --backend cpu`;
#   a headless workbench screenshot from the installed binary;
#   desktop-file-validate, appstreamcli validate --no-net, the MIME types, the icon sizes;
#   the man pages render without warnings; the bash completion completes `nestc comp`;
#   the installed headers compile (a pass plugin's view of them).
# Exit status 0 when every check passes; otherwise the failed check is named on stderr.
set -euo pipefail

usage() { echo "usage: $0 [--install] [BUILD_DIR]   (default BUILD_DIR: build)" >&2; exit 2; }
install_mode=0
build=
for arg in "$@"; do
  case $arg in
    --install) install_mode=1 ;;
    -h|--help) usage ;;
    -*) echo "check-package.sh: error: unknown option '$arg'" >&2; usage ;;
    *) [ -z "$build" ] || usage; build=$arg ;;
  esac
done
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "${build:-$src/build}")
started=$(date +%s)

fail() { echo "check-package.sh: FAILED: $*" >&2; exit 1; }
step() { echo "== $*"; }
ok() { echo "   ok: $*"; }

if [ "$install_mode" = 1 ] && [ "$(id -u)" != 0 ]; then
  fail "--install runs dpkg -i and needs root (without it the package is checked with dpkg -x)"
fi
for tool in cmake cpack dpkg-deb desktop-file-validate appstreamcli groff help2man make cc c++; do
  command -v "$tool" >/dev/null || fail "'$tool' is not installed (scripts/setup.sh installs it)"
done

# ---- Build the package: only what it installs, then cpack (not the whole tree and its tests).
step "building the package in $build"
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null || fail "cmake configure of $build"
fi
cmake --build "$build" --target nestc nestc-workbench package_files >/dev/null || fail "building nestc, nestc-workbench and the package files"
rm -f "$build"/nest-workbench_*_amd64.deb
(cd "$build" && cpack --config CPackConfig.cmake >/dev/null) || fail "cpack (run: cd $build && cpack --config CPackConfig.cmake)"
debs=("$build"/nest-workbench_*_amd64.deb)
[ -f "${debs[0]}" ] || fail "cpack made no nest-workbench_*_amd64.deb in $build"
deb=${debs[0]}
version=$(dpkg-deb -f "$deb" Version)
[ "$(basename "$deb")" = "nest-workbench_${version}_amd64.deb" ] || fail "package file name $(basename "$deb")"
ok "$(basename "$deb") ($(stat -c %s "$deb") bytes)"

work=$(mktemp -d /tmp/nest-package-check.XXXXXX)
installed=0
cleanup() {
  if [ "$installed" = 1 ]; then dpkg -r nest-workbench >/dev/null || echo "check-package.sh: warning: dpkg -r nest-workbench failed" >&2; fi
  rm -rf "$work"
}
trap cleanup EXIT

# ---- Control fields.
step "control fields"
for field in Package Version Architecture Maintainer Depends Recommends; do
  [ -n "$(dpkg-deb -f "$deb" "$field")" ] || fail "the package has no $field field"
done
[ "$(dpkg-deb -f "$deb" Package)" = nest-workbench ] || fail "Package is not nest-workbench"
[ "$(dpkg-deb -f "$deb" Architecture)" = amd64 ] || fail "Architecture is not amd64"
depends=$(dpkg-deb -f "$deb" Depends)
if echo "$depends" | tr ',' '\n' | grep -q -- '-dev\b'; then
  fail "Depends names -dev packages (the package needs runtime libraries only): $depends"
fi
for lib in libqt6widgets6 libprotobuf libonnx libgvc6 libyaml-cpp; do
  echo "$depends" | grep -q "$lib" || fail "Depends lacks $lib: $depends"
done
ok "Depends: $depends"

# ---- Unpack (or install).
if [ "$install_mode" = 1 ]; then
  step "dpkg -i"
  dpkg -i "$deb" >/dev/null || fail "dpkg -i $deb (missing dependencies? apt-get install $deb resolves them)"
  installed=1
  root=
else
  step "dpkg -x into a scratch root"
  root=$work/root
  dpkg -x "$deb" "$root" || fail "dpkg -x $deb"
fi
usr=$root/usr
for f in bin/nestc bin/nestc-workbench share/applications/org.nestc.Workbench.desktop \
         share/metainfo/org.nestc.Workbench.metainfo.xml share/mime/packages/org.nestc.Workbench.xml \
         share/icons/hicolor/scalable/apps/org.nestc.Workbench.svg share/man/man1/nestc.1.gz \
         share/man/man1/nestc-workbench.1.gz share/bash-completion/completions/nestc \
         share/nest-workbench/samples/lenet5.onnx share/doc/nest-workbench/README.md \
         share/doc/nest-workbench/ARCHITECTURE.md include/nest-workbench/passes/pass.h; do
  [ -e "$usr/$f" ] || fail "the package does not install /usr/$f"
done
for exe in "$usr/bin/nestc" "$usr/bin/nestc-workbench"; do
  if ldd "$exe" | grep -q "not found"; then fail "$exe: missing shared libraries: $(ldd "$exe" | grep 'not found' | tr -d '\t')"; fi
done
ok "$(dpkg-deb -c "$deb" | grep -vc '/$') files; every shared library found"

# ---- --version.
step "--version"
for exe in nestc nestc-workbench; do
  out=$("$usr/bin/$exe" --version) || fail "$exe --version exits non-zero"
  [[ $out =~ ^$exe\ ${version//./\\.}$'\n'git\ revision\ ([0-9a-f]{12}|unknown)$ ]] ||
    fail "$exe --version prints '$out' (expected '$exe $version' and 'git revision <12 hex digits>')"
  ok "$(echo "$out" | tr '\n' ' ')"
done

# ---- The bundled sample: compiled by the installed nestc, built with the bundle's own Makefile.
step "compile, build and run the bundled sample"
sample=$usr/share/nest-workbench/samples/lenet5.onnx
mkdir -p "$work/bundle-check"
cd "$work/bundle-check"
# A deterministic 1x1x28x28 float input, values 0.5 .. 1 in a ramp, as an ONNX TensorProto .pb
# (what nestc test-data reads): dims 1 1 28 28, data_type 1 (float), raw_data of 3136 bytes.
{
  printf '\010\001\010\001\010\034\010\034\020\001\112\300\030'
  for ((i = 0; i < 784; ++i)); do printf "\\000\\000\\$(printf %03o $((i % 128)))\\077"; done
} > input.pb
"$usr/bin/nestc" compile "$sample" --target cpu --name lenet5 -o bundle >compile.log 2>&1 ||
  fail "installed nestc compile $sample: $(cat compile.log)"
if grep -rqF "$src" bundle; then fail "the bundle refers to the source tree $src: $(grep -rlF "$src" bundle)"; fi
make -C bundle >make.log 2>&1 || fail "make -C bundle (the bundle's own Makefile): $(tail -20 make.log)"
bundle/run --input input.pb --output-dir out-bundle >run-bundle.log 2>&1 || fail "bundle/run: $(cat run-bundle.log)"
"$usr/bin/nestc" run "$sample" --backend cpu --input input.pb --output-dir out-nestc --format npy >run-nestc.log 2>&1 ||
  fail "installed nestc run --backend cpu: $(cat run-nestc.log)"
[ -s out-bundle/output_0.npy ] || fail "bundle/run wrote no out-bundle/output_0.npy"
cmp -s out-bundle/output_0.npy out-nestc/output_0.npy ||
  fail "the bundle's output differs from nestc run --backend cpu (out-bundle/output_0.npy vs out-nestc/output_0.npy)"
# And the interpreter agrees within nestc's usual tolerance: an ONNX test folder for nestc test-data
# with the CPU backend's output (equal to the bundle's) as the reference.
mkdir -p case/test_data_set_0
cp "$sample" case/model.onnx
cp input.pb case/test_data_set_0/input_0.pb
"$usr/bin/nestc" run "$sample" --backend cpu --input input.pb --output-dir case/test_data_set_0 >run-pb.log 2>&1 ||
  fail "installed nestc run --backend cpu (pb): $(cat run-pb.log)"
"$usr/bin/nestc" test-data case >test-data.log 2>&1 || fail "the bundle's output against the interpreter: $(cat test-data.log)"
ok "bundle built with make ($(ls bundle | wc -l) files), its output equals nestc run's byte for byte and the interpreter's within tolerance"
cd "$src"

# ---- Headless screenshot from the installed workbench.
step "headless workbench screenshot"
mkdir -p -m 700 "$work/xdg"
shot=$work/shot.png
QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR=$work/xdg HOME=$work XDG_CONFIG_HOME=$work/config \
  timeout 300 "$usr/bin/nestc-workbench" "$sample" --screenshot "$shot" >"$work/shot.log" 2>&1 ||
  fail "installed nestc-workbench --screenshot: $(cat "$work/shot.log")"
# A PNG's width and height: big-endian 32-bit at bytes 16 and 20 (the IHDR chunk).
png_size() {
  [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || { echo "not-a-png"; return; }
  echo "$((16#$(od -An -tx1 -j16 -N4 "$1" | tr -d ' \n')))x$((16#$(od -An -tx1 -j20 -N4 "$1" | tr -d ' \n')))"
}
[ "$(png_size "$shot")" = 1600x1000 ] || fail "screenshot $shot is $(png_size "$shot"), expected a 1600x1000 PNG"
[ "$(stat -c %s "$shot")" -gt 20000 ] || fail "screenshot is only $(stat -c %s "$shot") bytes: an empty window?"
ok "1600x1000 PNG, $(stat -c %s "$shot") bytes"

# ---- Desktop integration.
step "desktop entry, metainfo, MIME types, icons"
desktop-file-validate "$usr/share/applications/org.nestc.Workbench.desktop" || fail "desktop-file-validate"
appstreamcli validate --no-net "$usr/share/metainfo/org.nestc.Workbench.metainfo.xml" >"$work/appstream.log" 2>&1 ||
  fail "appstreamcli validate --no-net: $(cat "$work/appstream.log")"
grep -q "^Exec=nestc-workbench " "$usr/share/applications/org.nestc.Workbench.desktop" || fail "the desktop entry does not run nestc-workbench"
if command -v update-mime-database >/dev/null; then
  cp -r "$usr/share/mime" "$work/mime"
  update-mime-database "$work/mime" >"$work/mime.log" 2>&1 || fail "update-mime-database on the package's MIME types: $(cat "$work/mime.log")"
  for glob in 'application/x-nest-project:\*.nestproj' 'text/x-nest-ir:\*.nir'; do
    grep -q "^$glob$" "$work/mime/globs" || fail "MIME database lacks $glob"
  done
fi
for size in 16 22 24 32 48 64 128 256; do
  png=$usr/share/icons/hicolor/${size}x${size}/apps/org.nestc.Workbench.png
  [ "$(png_size "$png")" = "${size}x${size}" ] || fail "$png is $(png_size "$png"), expected ${size}x${size}"
done
ok "desktop-file-validate, appstreamcli validate --no-net, *.nestproj and *.nir, 8 icon sizes + SVG"

# ---- Man pages and bash completion.
step "man pages and bash completion"
for page in nestc nestc-workbench; do
  file=$usr/share/man/man1/$page.1.gz
  warnings=$(zcat "$file" | groff -k -man -Tutf8 -ww -z 2>&1) || fail "groff cannot render $file"
  [ -z "$warnings" ] || fail "$file renders with warnings: $warnings"
  text=$(zcat "$file" | groff -k -man -Tutf8 -P-cbou 2>/dev/null)
  sections=(NAME DESCRIPTION "SEE ALSO")
  if [ "$page" = nestc ]; then sections+=(COMMANDS); else sections+=(OPTIONS EXAMPLES); fi
  for section in "${sections[@]}"; do
    grep -q "^$section" <<<"$text" || fail "$file has no $section section"
  done
done
text=$(zcat "$usr/share/man/man1/nestc.1.gz" | groff -k -man -Tutf8 -P-cbou 2>/dev/null)
for c in compile run quant-report partition; do
  grep -q "nestc $c" <<<"$text" || fail "nestc.1 does not document 'nestc $c'"
done
completion=$usr/share/bash-completion/completions/nestc
complete_words() { bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _nestc; echo "${COMPREPLY[*]}"' _ "$completion" "$@"; }
[ "$(complete_words nestc comp)" = compile ] || fail "bash completion of 'nestc comp': '$(complete_words nestc comp)', expected compile"
[ "$(complete_words nestc co)" = "compile costs" ] || fail "bash completion of 'nestc co': '$(complete_words nestc co)'"
[ "$(complete_words nestc compile --ta)" = --target ] || fail "bash completion of 'nestc compile --ta': '$(complete_words nestc compile --ta)'"
ok "nestc.1 and nestc-workbench.1 render without warnings; nestc comp -> compile, nestc compile --ta -> --target"

# ---- Headers: every installed header in one translation unit, as a pass plugin would build.
step "installed headers"
headers=$usr/include/nest-workbench
(cd "$headers" && find core passes -name '*.h' | sort | sed 's/.*/#include "&"/') > "$work/all_headers.cpp"
echo 'int main() { return 0; }' >> "$work/all_headers.cpp"
c++ -std=c++20 -fsyntax-only -I"$headers" "$work/all_headers.cpp" 2>"$work/headers.log" ||
  fail "the installed headers do not compile on their own (-I$headers): $(head -20 "$work/headers.log")"
ok "$(grep -c include "$work/all_headers.cpp") headers compile with -I/usr/include/nest-workbench"

# ---- Summary.
echo
echo "package:   $deb"
echo "size:      $(stat -c %s "$deb") bytes ($(awk "BEGIN {printf \"%.1f\", $(stat -c %s "$deb") / 1048576}") MiB); installed $(dpkg-deb -f "$deb" Installed-Size) KiB"
echo "Depends:   $depends"
echo "check:     passed in $(( $(date +%s) - started )) s"
