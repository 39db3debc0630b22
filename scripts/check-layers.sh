#!/bin/bash
# Checks that the libraries' layers point one way: a file of lib/<layer>/
# includes only headers of its own layer or of a lower one, never of a
# higher layer nor of a program (services/).  proto/ is the lowest layer.
#
#   proto  <  base  <  model  <  store  <  net  <  app  <  services/*
#
# Prints one line per offending #include and exits 1 when there is any.
set -euo pipefail
cd "$(dirname "$0")/.."

LAYERS=(proto base model store net app)
rank_of_dir() { # lib/model -> 2, proto -> 0
    local d=${1#lib/} i
    for i in "${!LAYERS[@]}"; do [ "${LAYERS[$i]}" = "$d" ] && { echo "$i"; return; }; done
    echo 99
}

# header name -> rank of the layer that owns it
declare -A owner
for d in proto lib/*/; do
    d=${d%/}
    for h in "$d"/*.h "$d"/*.def; do
        [ -e "$h" ] || continue
        owner[$(basename "$h")]=$(rank_of_dir "$d")
    done
done

for h in services/*/*.h; do
    [ -e "$h" ] && owner[$(basename "$h")]=${#LAYERS[@]} # a program's own header
done
LAYERS+=(services)

bad=0
for d in proto lib/*/; do
    d=${d%/}
    mine=$(rank_of_dir "$d")
    for f in "$d"/*.[ch]; do
        [ -e "$f" ] || continue
        while IFS= read -r h; do
            r=${owner[$h]:-}
            [ -z "$r" ] && continue # a system or third-party header
            if [ "$r" -gt "$mine" ]; then
                echo "check-layers: $f includes $h of the higher layer ${LAYERS[$r]}"
                bad=1
            fi
        done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
    done
done
[ $bad -eq 0 ] && echo "check-layers: every include points down (${LAYERS[*]})"
exit $bad
