# The counters and checks the e2e scripts share: sourced, not run. Each script ends with
# `echo "NAME: $passed passed, $failed failed"` and its exit status from them.
passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() {
  failed=$((failed + 1))
  printf 'FAIL %s\n' "$1"
}
expect_eq() { # what, expected, actual
  if [[ "$2" == "$3" ]]; then pass; else fail "$1: expected [$2], got [$3]"; fi
}
