#!/usr/bin/env bash
# Packs Collectives.Core, Collectives.Master (a dotnet tool) and Collectives.Native.Runtime into a temporary local
# feed, then consumes them exactly as users would, on a clean slate:
#   1. a fresh copy of samples/Collectives.PackageConsumer restores them from the feed (its own NuGet.config: the feed
#      plus nuget.org for dependencies; its own packages folder, so no cached copy can stand in) and runs: an
#      in-process master and two peers all-reduce, a MeterListener sees the metrics, libcollectives.so loads;
#   2. a C99 program compiles against the packaged headers and links the packaged libcollectives.so;
#   3. the master tool installs from the feed and answers --help.
# Prints "pack-and-consume: OK" on success; exits non-zero on any failure. Leaves nothing behind.
#
#   .ci/pack-and-consume.sh            # uses artifacts/native/libcollectives.so (what .ci/run publishes) if present
#   COLLECTIVES_NATIVE_DIR=<dir> .ci/pack-and-consume.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0 UseSharedCompilation=false

work=$(mktemp -d -t collectives-pack-XXXXXX)
trap 'rm -rf "$work"' EXIT
feed="$work/feed" consumer="$work/consumer" packages="$work/packages"
# A version nobody has cached: the consumer can only get these packages from this run's feed.
version="0.1.0-local.$(date -u +%Y%m%d%H%M%S).$$"
started=$SECONDS
step() { echo; echo "=== pack-and-consume: $* ($((SECONDS - started)) s) ==="; }
fail() { echo "pack-and-consume: FAILED: $*" >&2; exit 1; }
# The file names inside a package (a zip): unzip where installed, else Python's zipfile.
entries() {
  if command -v unzip >/dev/null; then unzip -Z1 "$1"
  else python3 -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$1"; fi
}

native_dir=${COLLECTIVES_NATIVE_DIR:-$root/artifacts/native}
if [ ! -f "$native_dir/libcollectives.so" ]; then
  step "publish libcollectives.so (none in $native_dir)"
  native_dir="$work/native"
  dotnet publish src/Collectives.Native -c Release -o "$native_dir" || fail "native publish"
fi

step "pack $version"
# PackageVersion only names the package: the assemblies are not recompiled, so after .ci/run's Release build the
# packs only copy.
pack=(-c Release -o "$feed" "-p:PackageVersion=$version")
dotnet pack src/Collectives.Master "${pack[@]}" || fail "pack Collectives.Master"
dotnet pack src/Collectives.Core "${pack[@]}" || fail "pack Collectives.Core"
dotnet pack native/Collectives.Native.Runtime.csproj "${pack[@]}" "-p:NativeLibDir=$native_dir/" || fail "pack Collectives.Native.Runtime"
for package in Collectives.Core Collectives.Master Collectives.Native.Runtime; do
  [ -f "$feed/$package.$version.nupkg" ] || fail "$package.$version.nupkg missing"
done
[ -f "$feed/Collectives.Core.$version.snupkg" ] || fail "Collectives.Core symbols package missing"
core_entries=$(entries "$feed/Collectives.Core.$version.nupkg")
grep -qx "lib/net10.0/Collectives.Core.xml" <<<"$core_entries" || fail "XML docs not packed"
grep -qx "README.md" <<<"$core_entries" || fail "README not packed"
tool_entries=$(entries "$feed/Collectives.Master.$version.nupkg")
grep -qx "tools/net10.0/any/DotnetToolSettings.xml" <<<"$tool_entries" || fail "Collectives.Master is not a dotnet tool package"

step "restore, build and run a fresh consumer from the feed"
mkdir -p "$consumer"
cp samples/Collectives.PackageConsumer/*.cs samples/Collectives.PackageConsumer/*.csproj samples/Collectives.PackageConsumer/*.props \
  samples/Collectives.PackageConsumer/*.c "$consumer/"
fallback=""
if [ -d "$HOME/.nuget/packages" ]; then
  # Read-only: dependencies already on this machine are not downloaded again; our packages never live there.
  fallback="<fallbackPackageFolders><clear /><add key=\"machine\" value=\"$HOME/.nuget/packages\" /></fallbackPackageFolders>"
fi
cat > "$consumer/NuGet.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <config><add key="globalPackagesFolder" value="$packages" /></config>
  <packageSources>
    <clear />
    <add key="local" value="$feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="local"><package pattern="Collectives.*" /></packageSource>
    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
  </packageSourceMapping>
  $fallback
</configuration>
CONFIG
(cd "$consumer" && dotnet build -c Release "-p:CollectivesVersion=$version") || fail "consumer build"
consumer_ok=0
(cd "$consumer" && timeout 120 dotnet bin/Release/net10.0/Collectives.PackageConsumer.dll) > "$work/consumer.log" 2>&1 || consumer_ok=$?
cat "$work/consumer.log"
[ "$consumer_ok" -eq 0 ] || fail "consumer run exited $consumer_ok"
grep -q "^consumer: OK$" "$work/consumer.log" || fail "consumer did not report OK"
[ -d "$packages/collectives.core/$version" ] || fail "Collectives.Core was not restored from the feed"

step "C99 program against the packaged header and library"
native_package="$packages/collectives.native.runtime/$version"
library_dir="$native_package/runtimes/linux-x64/native"
[ -f "$native_package/build/native/include/pccl.h" ] || fail "pccl.h not in the native package"
gcc -std=c99 -Wall -Wextra -Werror -pedantic -I"$native_package/build/native/include" "$consumer/native_check.c" \
  -L"$library_dir" -lcollectives -Wl,-rpath,"$library_dir" -o "$work/native_check" || fail "C compile/link"
timeout 60 "$work/native_check" || fail "C program"

step "install the master tool from the feed"
dotnet tool install Collectives.Master --version "$version" --tool-path "$work/tools" \
  --configfile "$consumer/NuGet.config" || fail "tool install"
timeout 60 "$work/tools/collectives-master" --help > "$work/help.txt" || fail "collectives-master --help"
grep -q -- "--listen" "$work/help.txt" || fail "collectives-master --help does not describe --listen"

echo
echo "pack-and-consume: all steps passed in $((SECONDS - started)) s"
echo "pack-and-consume: OK"
