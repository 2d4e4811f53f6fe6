#!/bin/sh
# scripts/check-format.sh - the C tree is formatted (clang-format 14).
git ls-files 'src/*.[ch]' 'tools/*.[ch]' 'tests/*.[ch]' | xargs clang-format --dry-run --Werror
