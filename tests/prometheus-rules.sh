#!/bin/bash
# prometheus-rules.sh - contrib/prometheus and contrib/grafana against the
# real promtool (Debian's prometheus): the alerting and recording rules
# load, every alert fires and stays quiet as tests/prometheus/ says, and
# every expression of the rules and of the Grafana dashboard parses and
# names only metrics ssd exposes (man/gen-metrics -n) or rules record.
# TAP output.
set -u
command -v promtool > /dev/null 2>&1 || { echo "1..0 # SKIP promtool (Debian's prometheus) missing"; exit 0; }
cd "${top_builddir:?}" || exit 99
src=${top_srcdir:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 fail=0
t() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi
}

promtool check rules "$src/contrib/prometheus/ssd-alerts.yml" \
    "$src/contrib/prometheus/ssd-rules.yml" > "$tmp/check" 2>&1
t $? "promtool check rules: ssd-alerts.yml and ssd-rules.yml"
sed 's/^/# /' "$tmp/check"
(cd "$src/tests/prometheus" && promtool test rules ssd-alerts.test.yml) > "$tmp/test" 2>&1
t $? "promtool test rules: every alert fires and stays quiet as it should"
sed 's/^/# /' "$tmp/test"

alerts=$(sed -n 's/^ *- alert: *//p' "$src/contrib/prometheus/ssd-alerts.yml" | sort)
tested=$(sed -n 's/^ *alertname: *//p' "$src/tests/prometheus/ssd-alerts.test.yml" | sort -u)
t "$([ "$alerts" = "$tested" ]; echo $?)" "each alert has its unit test"
missing=
for a in $alerts; do
	grep -q "^\.Ss $a\$" man/ssd-metrics.7 || missing="$missing $a"
	grep -q "ALERTS, $a\.\$" "$src/contrib/prometheus/ssd-alerts.yml" || missing="$missing $a(pointer)"
done
t "$([ -z "$missing" ]; echo $?)" "each alert points to its section of ssd-metrics(7)${missing:+ (missing:$missing)}"

# The dashboard's queries as recording rules: promtool parses them.
man/gen-metrics -n > "$tmp/names"
/usr/bin/python3 - "$src" "$tmp" <<'PY' > "$tmp/exprs.out" 2>&1
import json, re, sys, yaml
src, tmp = sys.argv[1], sys.argv[2]
dash = json.load(open(src + "/contrib/grafana/ssd-dashboard.json"))
rules = yaml.safe_load(open(src + "/contrib/prometheus/ssd-rules.yml"))
alerts = yaml.safe_load(open(src + "/contrib/prometheus/ssd-alerts.yml"))
known = set()
for n in open(tmp + "/names").read().split():
    known.add(n)
    for s in ("_bucket", "_sum", "_count"):
        known.add(n + s)
recorded = [r["record"] for g in rules["groups"] for r in g["rules"]]
known |= set(recorded)
exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
exprs += [r["expr"] for doc in (rules, alerts) for g in doc["groups"] for r in g["rules"]]
bad = []
for e in exprs:
    for name in re.findall(r'(?<![\w:"])((?:ssd_|streamspace_|process_|instance[a-z_]*:)[\w:]+)', e):
        if name not in known:
            bad.append(name)
out = {"groups": [{"name": "dashboard", "rules": [
    {"record": "dashboard:query_%d" % i, "expr": e.replace("$instance", ".*")}
    for i, e in enumerate(exprs)]}]}
yaml.safe_dump(out, open(tmp + "/dashboard-rules.yml", "w"))
print(len(exprs), "expressions")
print("unknown:", " ".join(sorted(set(bad))) if bad else "none")
sys.exit(1 if bad else 0)
PY
t $? "the dashboard and the rules name only metrics ssd exposes ($(tr '\n' ' ' < "$tmp/exprs.out"))"
promtool check rules "$tmp/dashboard-rules.yml" > "$tmp/dash" 2>&1
t $? "promtool parses every query of the Grafana dashboard"
sed 's/^/# /' "$tmp/dash"
echo "1..$n"
exit $fail
