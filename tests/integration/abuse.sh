#!/bin/bash
# abuse.sh - the adversarial probe's login and request floods (issue 12),
# with small numbers: a burst of guesses from one address, a flood of
# random names from a blocked address, an owner guessed at from ten
# addresses, two pipelined requests before a hand-off, bodies that are
# not one well-typed JSON object.  Correctness only: how fast is
# bench/api.sh's question.  Client addresses are 127.0.0.N (Linux routes
# all of 127/8 to lo).  TAP output.
. "$top_srcdir/tests/integration/lib.sh"

export JWT_SECRET=0123456789abcdef0123456789abcdef-test
export ADMIN_PASSWORD=admin-password-for-tests
ok_if "PostgreSQL starts" pg_up
# (The slow interval is long so that no machine is slow enough to let a
# second attempt through by accident.)
[ -n "${PGHOST:-}" ] && ok_if "ssd starts" ssd_start "login_max_failures = 5" \
    "login_backoff_after = 3" "login_slow_interval = 120s"
[ -n "$SSD_PID" ] || finish

# logins FROM USER PASSWORD N PARALLEL: "STATUS:COUNT ..." (tests/ws/logins.py)
logins() {
	/usr/bin/python3 "$top_srcdir/tests/ws/logins.py" "$SSD_PORT" "$@"
}
# count STATUS < logins' output
count() { tr ' ' '\n' | awk -F: -v s="$1" '$1 == s { print $2 }' | grep . || echo 0; }
login_from() {
	curl -s -o /dev/null -w '%{http_code}' --interface "$1" -X POST \
	    -H 'Content-Type: application/json' \
	    -d "{\"username\":\"$2\",\"password\":\"$3\"}" "$SSD_URL/api/v1/auth/login"
}
admin=$(json token <<< "$(api POST /api/v1/auth/login "" "{\"username\":\"admin\",\"password\":\"$ADMIN_PASSWORD\"}" | cut -d' ' -f2-)")
for u in victim owner; do
	api POST /api/v1/users "$admin" "{\"username\":\"$u\",\"password\":\"$u-password\",\"role\":\"user\"}" > /dev/null
done

# 2: a burst is limited as a sequence is (each attempt counts when it
# starts): 100 guesses at once, at most login_max_failures of them tried.
out=$(logins 127.0.0.2 victim guess 100 100)
n401=$(count 401 <<< "$out"); n429=$(count 429 <<< "$out")
ok_if "100 guesses at once from one address: at most 5 tried ($out)" \
    [ "$n401" -le 5 -a "$n429" -ge 95 -a $((n401 + n429)) = 100 ]

# 3: an address over its limit can neither evict counters nor fill the
# table with random names.
login_from 127.0.0.2 victim2 guess > /dev/null
ok_if "... that address is then refused for any name" \
    [ "$(login_from 127.0.0.2 someone guess)" = 429 ]
ok_if "a guess at victim from a new address is tried: 401" \
    [ "$(login_from 127.0.0.3 victim guess)" = 401 ]
ok_if "... victim now has 5 failures: one more new address takes the turn: 401" \
    [ "$(login_from 127.0.0.4 victim guess)" = 401 ]
ok_if "... and the next waits its turn (slow mode), right password or not: 429" \
    [ "$(login_from 127.0.0.5 victim victim-password)" = 429 ]
out=$(logins 127.0.0.2 '*' guess 2000 0)
ok_if "2,000 random names from the refused address: all 429 ($out)" \
    [ "$(count 429 <<< "$out")" = 2000 ]
ok_if "... victim's slow mode holds: the right password from a new address, 429" \
    [ "$(login_from 127.0.0.6 victim victim-password)" = 429 ]

# 4: nobody locks the owner out.  owner logs in from 127.0.0.9, then ten
# addresses guess at the name; the owner's address goes on as before.
ok_if "owner logs in from 127.0.0.9" [ "$(login_from 127.0.0.9 owner owner-password)" = 200 ]
codes=
for i in $(seq 10 19); do codes="$codes $(login_from "127.0.0.$i" owner guess)"; done
diag "ten guesses at owner from ten addresses:$codes"
ok_if "... after ten guesses from ten addresses, owner still logs in from 127.0.0.9" \
    [ "$(login_from 127.0.0.9 owner owner-password)" = 200 ]
ok_if "... while the right password from an unknown address waits its turn: 429" \
    [ "$(login_from 127.0.0.30 owner owner-password)" = 429 ]
ok_if "... and the owner's address is not slowed by its own logins" \
    [ "$(login_from 127.0.0.9 owner owner-password)" = 200 ]

# 8: two requests in one write, the second handed off to ssd-hub: both
# answered, in order.
exec 3<> "/dev/tcp/127.0.0.1/$SSD_PORT"
printf 'GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /health/hub HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3
out=$(timeout 20 cat <&3 | grep -ao 'HTTP/1.1 [0-9]*' | tr '\n' ' ')
exec 3<&-
ok_if "pipelined /health then /health/hub: both answered ($out)" \
    [ "$out" = "HTTP/1.1 200 HTTP/1.1 200 " ]

# 10: one JSON object, no duplicate keys, every known field's type.
bad=
for b in '{"username":"jx","password":"jx-password"} xyz' \
    '{"username":"jx","password":"jx-password"}{"username":"jy"}' \
    '{"username":"jx","username":"jy","password":"jx-password"}' \
    '{"username":"jx","password":"jx-password","active":"yes"}'; do
	r=$(api POST /api/v1/users "$admin" "$b")
	[ "${r%% *}" = 400 ] || bad="$bad [$b: ${r%% *}]"
done
r=$(api POST /api/v1/users "$admin" '{"username":"jx","password":"jx-password","active":"yes"}')
ok_if "trailing data, two objects, a repeated key, a wrong type: 400$bad" [ -z "$bad" ]
ok_if "... naming the field" grep -q active <<< "$r"
ok_if "... and no user made" sql_is "SELECT count(*) FROM users WHERE username = 'jx'" 0

ok_if "no worker died" eval '! grep -q "killed by signal\|exited with status" "$T/ssd.log"'
finish
