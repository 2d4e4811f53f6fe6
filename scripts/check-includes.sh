#!/bin/sh
# scripts/check-includes.sh - a file may include headers of its own module, any
# core/ or config/ header, and the public header of another module (src/M/M.h).
status=0
for f in $(git ls-files 'src/*.c' 'src/*.h'); do
    own=$(echo "$f" | cut -d/ -f2)
    for inc in $(sed -n 's/^#include "\([a-z_]*\/[a-z_]*\.h\)".*/\1/p' "$f"); do
        mod=${inc%%/*}
        name=$(basename "$inc" .h)
        if [ "$mod" != "$own" ] && [ "$mod" != core ] && [ "$mod" != config ] && [ "$name" != "$mod" ]; then
            case "$inc" in
            providers/provider.h | providers/sse.h | providers/messages.h | mock_provider/mock_provider.h) ;;
            *)
                echo "$f: includes $inc, which is private to $mod/"
                status=1
                ;;
            esac
        fi
    done
done
exit $status
