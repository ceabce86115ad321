# Sourced by ./streamformer and .ci/run: selects a JDK >= 21 and exports JAVA_HOME.
# Order: $JAVA_HOME, the java on PATH, then the newest JDK under /usr/lib/jvm (or /usr/lib64/jvm, /opt/java).

streamformer_java_major() {
  local home="$1" v
  [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || return 1
  v=$("$home/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  v=${v#1.}
  [ -n "$v" ] && echo "$v"
}

streamformer_find_jdk() {
  local candidates=() c major best="" best_major=0
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for c in /usr/lib/jvm/* /usr/lib64/jvm/* /opt/java/* /opt/jdk*; do
    [ -d "$c" ] && candidates+=("$c")
  done
  for c in "${candidates[@]}"; do
    major=$(streamformer_java_major "$c") || continue
    # the first candidate that is new enough wins if the user chose it; otherwise take the newest
    if [ "$major" -ge 21 ] && [ "$c" = "${JAVA_HOME:-}" ]; then best="$c"; break; fi
    if [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then best="$c"; best_major="$major"; fi
  done
  if [ -z "$best" ]; then
    echo "streamformer: no JDK 21 or newer found (looked at \$JAVA_HOME, java on PATH and /usr/lib/jvm)." >&2
    echo "streamformer: install one (e.g. apt-get install openjdk-21-jdk-headless) or set JAVA_HOME." >&2
    return 1
  fi
  export JAVA_HOME="$best"
}
