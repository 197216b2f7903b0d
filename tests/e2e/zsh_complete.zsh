# Completes command lines in an interactive zsh, as a person does with TAB, and prints each command
# line as completion left it, one per line. A key bound to a widget writes the line out and clears
# it, so nothing is ever run.
# Usage: zsh -f zsh_complete.zsh COMPLETION_DIR LINE…
zmodload zsh/zpty || exit 1
dir=$1
shift
out=$(mktemp) || exit 1
zpty z zsh -f -i
zpty -w z "fpath=(${(q)dir} \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z "dump() { print -r -- \"\$BUFFER\" >> ${(q)out}; BUFFER=''; }; zle -N dump; bindkey '^T' dump"
for line in "$@"; do
  zpty -w -n z "$line"$'\t\x14'
done
for i in {1..200}; do
  (( $(wc -l < $out) >= $# )) && break
  sleep 0.05
done
zpty -d z
cat $out
rm -f $out
