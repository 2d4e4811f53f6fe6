#!/bin/sh
# scripts/check-banned.sh - functions we do not call (after curl's checksrc and
# HAProxy's build-time ban). Use snprintf, strtol/strtoul with end checks,
# memcpy with lengths.
if git grep -nE '(^|[^[:alnum:]_])(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|strncpy)[[:space:]]*\(' -- src/ tools/; then
    echo "check-banned: banned functions above"
    exit 1
fi
exit 0
