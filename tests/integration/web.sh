#!/bin/bash
# web.sh - the web UI as HTTP sees it, against a real PostgreSQL: its
# files from web_dir (types, validators, 304s, .gz siblings, nothing
# outside web_dir), every page of the app on a deep link, the security
# headers on every HTML answer, and the login cookie: its flags, no token
# for scripts, accepted beside tokens, refused from another origin
# (CSRF, login CSRF), revoked by logout; and what the pages need of the
# API (template import and enabling, quotas, audit filters).  TAP output.
. "$top_srcdir/tests/integration/lib.sh"

export JWT_SECRET=0123456789abcdef0123456789abcdef-test
export ADMIN_PASSWORD=admin-password-for-tests
export -f json

# A web_dir of our own, to add .gz siblings and hostile names to.
cp -r "$top_srcdir/web" "$T/web"
SSD_WEB_DIR=$T/web
ok_if "PostgreSQL starts" pg_up
[ -n "${PGHOST:-}" ] && ok_if "ssd starts" ssd_start
[ -n "$SSD_PID" ] || finish

# fetch_head PATH [curl args]: status line and headers of a GET.
fetch_head() { local p=$1; shift; curl -s -D - -o "$T/body" "$@" "$SSD_URL$p" | tr -d '\r'; }
hdr() { grep -i "^$1:" | head -1 | cut -d' ' -f2-; }
code() { local p=$1; shift; curl -s -o /dev/null -w '%{http_code}' "$@" "$SSD_URL$p"; }

# --- files ------------------------------------------------------------------
h=$(fetch_head /ui/js/app.js)
ok_if "a module is served as JavaScript" test "$(hdr Content-Type <<< "$h")" = "text/javascript; charset=utf-8"
ok_if "... byte for byte" cmp -s "$T/body" "$T/web/js/app.js"
ok_if "... with an ETag, Last-Modified and Cache-Control: no-cache" \
    bash -c '[ -n "$(grep -i ^ETag: <<< "$1")" ] && grep -qi "^Last-Modified: .* GMT$" <<< "$1" && grep -qi "^Cache-Control: no-cache$" <<< "$1"' _ "$h"
etag=$(hdr ETag <<< "$h")
lastmod=$(hdr Last-Modified <<< "$h")
ok_if "If-None-Match with its ETag: 304 without a body" \
    bash -c '[ "$(curl -s -o "$2" -w "%{http_code} %{size_download}" -H "If-None-Match: $1" "$3")" = "304 0" ]' _ "$etag" "$T/b304" "$SSD_URL/ui/js/app.js"
ok_if "... also in a list" test "$(code /ui/js/app.js -H "If-None-Match: \"x\", $etag")" = 304
ok_if "If-Modified-Since with its Last-Modified: 304" test "$(code /ui/js/app.js -H "If-Modified-Since: $lastmod")" = 304
ok_if "... a stale ETag: 200" test "$(code /ui/js/app.js -H 'If-None-Match: "stale"')" = 200
ok_if "stylesheet and image types" \
    test "$(curl -s -o /dev/null -w '%{content_type}' "$SSD_URL/ui/css/app.css") $(curl -s -o /dev/null -w '%{content_type}' "$SSD_URL/ui/img/logo.svg")" = "text/css; charset=utf-8 image/svg+xml"
ok_if "HEAD: headers, no body" bash -c '[ "$(curl -s -I -o /dev/null -w "%{http_code}" "$1")" = 200 ]' _ "$SSD_URL/ui/js/app.js"

gzip -9 -n -c "$T/web/js/ui.js" > "$T/web/js/ui.js.gz"
h=$(fetch_head /ui/js/ui.js -H 'Accept-Encoding: gzip, deflate')
ok_if "a .gz sibling goes to a client that takes gzip" \
    bash -c 'grep -qi "^Content-Encoding: gzip$" <<< "$1" && grep -qi "^Vary: Accept-Encoding$" <<< "$1" && cmp -s "$2" "$3"' _ "$h" "$T/body" "$T/web/js/ui.js.gz"
h2=$(fetch_head /ui/js/ui.js)
ok_if "... the plain file to one that does not, with Vary and another ETag" \
    bash -c '! grep -qi "^Content-Encoding" <<< "$1" && grep -qi "^Vary: Accept-Encoding$" <<< "$1" && cmp -s "$2" "$3" && [ "$(grep -i ^ETag <<< "$1")" != "$(grep -i ^ETag <<< "$4")" ]' _ "$h2" "$T/body" "$T/web/js/ui.js" "$h"

# Nothing outside web_dir, nothing hidden, nothing but regular files.
echo 'secret' > "$T/secret.js"
ln -s "$T/secret.js" "$T/web/js/link.js"
mkdir -p "$T/web/js/dir.js" "$T/web/.hidden"
echo 'x' > "$T/web/.hidden/x.js"
echo 'x' > "$T/web/js/.x.js"
bad=
for p in /ui/js/link.js /ui/js/dir.js /ui/.hidden/x.js /ui/js/.x.js /ui/js/app.js.gz \
    /ui/js/missing.js /ui/index /ui/ /ui/js/ /ui//js/app.js '/ui/js/app.js%00.css' /ui/%2e%2e/secret.js \
    '/ui/js/%2e%2e/%2e%2e/secret.js' /ui/js/app.js/ /novnc/../web/index.html; do
	c=$(curl -s -o "$T/body" -w '%{http_code}' --path-as-is "$SSD_URL$p")
	case $c in 400|404) ;; *) bad="$bad $p:$c" ;; esac
	grep -q secret "$T/body" && bad="$bad $p:leaked"
done
ok_if "symbolic links, directories, hidden and dot segments, .gz by name, NUL: 400/404${bad:+ (wrong:$bad)}" [ -z "$bad" ]

# --- the app's pages: index.html on every deep link -------------------------
pages="/ /login /sessions /sessions/alice-firefox-0123abcd /catalog /settings /admin
/admin/agents?status=offline /admin/users /admin/groups /admin/templates /admin/audit
/vnc-viewer/alice-firefox-0123abcd"
bad=
for p in $pages; do
	c=$(curl -s -o "$T/page" -w '%{http_code} %{content_type}' "$SSD_URL$p")
	[ "$c" = "200 text/html; charset=utf-8" ] && cmp -s "$T/page" "$T/web/index.html" || bad="$bad $p:$c"
done
ok_if "deep links load the app ($(wc -w <<< "$pages") pages)${bad:+ (wrong:$bad)}" [ -z "$bad" ]
ok_if "unknown pages are 404" test "$(code /nonsense) $(code /sessions/a/b) $(code /admin/)" = "404 404 404"

# Every HTML answer: a CSP without unsafe-inline/eval for scripts, no
# framing, nosniff, no referrer.
headers_ok() {
	local h csp
	h=$(fetch_head "$1")
	csp=$(hdr Content-Security-Policy <<< "$h")
	grep -q "script-src 'self'" <<< "$csp" && ! grep -q "unsafe-" <<< "$csp" &&
	    grep -q "frame-ancestors 'none'" <<< "$csp" && grep -q "default-src 'none'" <<< "$csp" &&
	    [ "$(hdr X-Frame-Options <<< "$h")" = DENY ] &&
	    [ "$(hdr X-Content-Type-Options <<< "$h")" = nosniff ] &&
	    [ "$(hdr Referrer-Policy <<< "$h")" = no-referrer ]
}
bad=
for p in $pages /ui/index.html; do headers_ok "$p" || bad="$bad $p"; done
ok_if "CSP (scripts from files only), frame-ancestors 'none', X-Frame-Options, nosniff, Referrer-Policy on every HTML answer${bad:+ (missing on:$bad)}" [ -z "$bad" ]
inline=$(grep -o '<script[^>]*>' "$T/web/index.html" | grep -v ' src="/ui/' || true)
ok_if "index.html has no inline script or style${inline:+ ($inline)}" \
    bash -c '[ -z "$1" ] && ! grep -qiE "<style|style=| on[a-z]+=" "$2"' _ "$inline" "$T/web/index.html"
ok_if "no script reads a token from the URL or keeps one in storage" \
    bash -c '! grep -rnE "localStorage|sessionStorage|location\.hash|[?&#]token=" "$1"/js' _ "$top_srcdir/web"
web_files=$(cd "$top_builddir" && make -s print-web-files)
missing=
for f in $(cd "$top_srcdir" && find web -type f -not -name local.mk | sort); do
	grep -qw "$f" <<< "$web_files" || missing="$missing $f"
done
ok_if "make install installs every file of web/${missing:+ (not in WEB_FILES:$missing)}" [ -z "$missing" ]

# --- the cookie -------------------------------------------------------------
O="Origin: $SSD_URL"
H=$(curl -s -D - -o "$T/login.json" -H "$O" -H 'Content-Type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$ADMIN_PASSWORD\"}" "$SSD_URL/api/v1/auth/session" | tr -d '\r')
setc=$(hdr Set-Cookie <<< "$H")
ck=$(sed -E 's/^ssd=([^;]*);.*/\1/' <<< "$setc")
ok_if "POST /api/v1/auth/session sets the cookie: HttpOnly, SameSite=Strict, Path=/, Max-Age ($setc)" \
    bash -c 'grep -qE "^ssd=[A-Za-z0-9_.-]+; Path=/; Max-Age=[0-9]+; HttpOnly; SameSite=Strict$" <<< "$1"' _ "$setc"
ok_if "... not Secure on a loopback listener" bash -c '! grep -q Secure <<< "$1"' _ "$setc"
ok_if "... and answers the user, no token for scripts to read" \
    bash -c '[ "$(json user.username < "$1")" = admin ] && [ -z "$(json token < "$1")" ] && ! grep -qF "$2" "$1"' _ "$T/login.json" "$ck"
C="Cookie: ssd=$ck"
ok_if "the cookie authenticates a read" test "$(code /api/v1/users/me -H "$C")" = 200
ok_if "... a change from the UI's origin" test "$(code /api/v1/api-keys -X POST -H "$C" -H "$O" -H 'Sec-Fetch-Site: same-origin' -H 'Content-Type: application/json' -d '{"name":"ui"}')" = 201
csrf=
for hs in "" "Origin: http://evil.example" "Origin: null" "Origin: http://127.0.0.1:1" \
    "Origin: $SSD_URL.evil" "Sec-Fetch-Site: same-origin" "Sec-Fetch-Site: cross-site|$O" "Sec-Fetch-Site: same-site|$O"; do
	args=()
	IFS='|' read -r -a extra <<< "$hs"
	for e in "${extra[@]}"; do args+=(-H "$e"); done
	c=$(code /api/v1/api-keys -X POST -H "$C" "${args[@]}" -H 'Content-Type: application/json' -d '{"name":"csrf"}')
	[ "$c" = 403 ] || csrf="$csrf [$hs: $c]"
done
ok_if "a change with the cookie from another origin, or none said: 403${csrf:+ (wrong:$csrf)}" [ -z "$csrf" ]
ok_if "... nothing was created" sql_is "SELECT count(*) FROM api_keys WHERE name = 'csrf'" 0
ok_if "... answered cross_origin" bash -c '[ "$(curl -s -X POST -H "$1" -H "Origin: http://evil.example" -H "Content-Type: application/json" -d "{}" "$2/api/v1/api-keys" | json error)" = cross_origin ]' _ "$C" "$SSD_URL"
ok_if "a WebSocket upgrade with the cookie from another origin: 403" \
    test "$(code /api/v1/vnc/x -H "$C" -H 'Origin: http://evil.example' -H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==')" = 403
ok_if "login CSRF: a cookie login from another origin is refused, no cookie set" \
    bash -c '! curl -s -D - -o /dev/null -H "Origin: http://evil.example" -H "Content-Type: application/json" -d "{\"username\":\"admin\",\"password\":\"$1\"}" "$2/api/v1/auth/session" | grep -qi "^set-cookie" && [ "$(curl -s -o /dev/null -w "%{http_code}" -H "Origin: http://evil.example" -H "Content-Type: application/json" -d "{\"username\":\"admin\",\"password\":\"$1\"}" "$2/api/v1/auth/session")" = 403 ]' _ "$ADMIN_PASSWORD" "$SSD_URL"
ok_if "a wrong password through the cookie login: 401, no cookie" \
    bash -c '! curl -s -D - -o /dev/null -H "$1" -H "Content-Type: application/json" -d "{\"username\":\"admin\",\"password\":\"wrong-password\"}" "$2/api/v1/auth/session" | grep -qi "^set-cookie"' _ "$O" "$SSD_URL"
ok_if "a Bearer token still works beside cookies" \
    bash -c 't=$(curl -s -H "Content-Type: application/json" -d "{\"username\":\"admin\",\"password\":\"$1\"}" "$2/api/v1/auth/login" | json token); [ "$(curl -s -o /dev/null -w "%{http_code}" -H "Authorization: Bearer $t" "$2/api/v1/users/me")" = 200 ]' _ "$ADMIN_PASSWORD" "$SSD_URL"
ok_if "a second cookie of the same name: neither is taken (401)" test "$(code /api/v1/users/me -H "Cookie: ssd=$ck; ssd=x")" = 401

H=$(curl -s -D - -o /dev/null -X POST -H "$C" -H "$O" -H 'Content-Type: application/json' -d '{}' "$SSD_URL/api/v1/auth/logout" | tr -d '\r')
ok_if "logout with the cookie: 200 and the cookie cleared" \
    bash -c 'grep -q "^HTTP/1.1 200" <<< "$1" && grep -qE "^Set-Cookie: ssd=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" <<< "$1"' _ "$H"
ok_if "... revoked server side: the old cookie no longer works" test "$(code /api/v1/users/me -H "$C")" = 401
ok_if "logout with the cookie from another origin: 403" test "$(code /api/v1/auth/logout -X POST -H "$C" -H 'Origin: http://evil.example')" = 403

# --- what the pages need of the API ----------------------------------------
ADM=$(curl -s -H 'Content-Type: application/json' -d "{\"username\":\"admin\",\"password\":\"$ADMIN_PASSWORD\"}" "$SSD_URL/api/v1/auth/login" | json token)
api POST /api/v1/users "$ADM" '{"username":"carol","password":"carol-password"}' > /dev/null
U=$(curl -s -H 'Content-Type: application/json' -d '{"username":"carol","password":"carol-password"}' "$SSD_URL/api/v1/auth/login" | json token)
yaml=$(/usr/bin/python3 -c 'import json, sys; print(json.dumps({"yaml": open(sys.argv[1]).read()}))' "$top_srcdir/contrib/templates/firefox.yaml")
r=$(api POST /api/v1/templates/import "$ADM" "$yaml")
ok_if "a Template YAML file's text imports: 201 ($(cut -c1-60 <<< "$r"))" \
    bash -c '[ "${1%% *}" = 201 ] && [ "$(json name <<< "${1#* }")" = firefox ] && [ "$(json enabled <<< "${1#* }")" = true ]' _ "$r"
ok_if "... twice: 409" test "$(api POST /api/v1/templates/import "$ADM" "$yaml" | cut -d' ' -f1)" = 409
r=$(api POST /api/v1/templates/import "$ADM" '{"yaml":"a: [unclosed"}')
ok_if "not YAML: 422 saying so" bash -c '[ "${1%% *}" = 422 ] && grep -q "not a YAML or JSON file" <<< "$1"' _ "$r"
r=$(api POST /api/v1/templates/import "$ADM" '{"yaml":"kind: Template\n---\nkind: Template\n"}')
ok_if "two documents: 422" bash -c '[ "${1%% *}" = 422 ] && grep -q "2 documents" <<< "$1"' _ "$r"
ok_if "a user may not import: 403" test "$(api POST /api/v1/templates/import "$U" "$yaml" | cut -d' ' -f1)" = 403
# field F METHOD PATH TOKEN [BODY]: one field of the answer is printed.
field() { local f=$1; shift; api "$@" | cut -d' ' -f2- | json "$f"; }
is() { local want=$1; shift; [ "$("$@")" = "$want" ]; }
ok_if "an administrator disables it" is false field enabled PATCH /api/v1/templates/firefox "$ADM" '{"enabled":false}'
ok_if "... users no longer see it, operators and administrators do" \
    test "$(api GET /api/v1/templates "$U" | cut -d' ' -f2- | json total) $(api GET /api/v1/templates/firefox "$U" | cut -d' ' -f1) $(api GET /api/v1/templates "$ADM" | cut -d' ' -f2- | json total)" = "0 404 1"
ok_if "... and no session starts from it: 404" test "$(api POST /api/v1/sessions "$U" '{"template":"firefox"}' | cut -d' ' -f1)" = 404
api PATCH /api/v1/templates/firefox "$ADM" '{"enabled":true}' > /dev/null
ok_if "\"enabled\" must be a boolean: 400" test "$(api PATCH /api/v1/templates/firefox "$ADM" '{"enabled":"no"}' | cut -d' ' -f1)" = 400
cid=$(psql -qAt -c "SELECT id FROM users WHERE username = 'carol'")
r=$(api GET /api/v1/users/me/quota "$U")
ok_if "a user reads their quota: 5 sessions, none used" \
    bash -c '[ "$(json maxSessions <<< "${1#* }") $(json usedSessions <<< "${1#* }")" = "5 0" ]' _ "$r"
ok_if "... not someone else's: 403" test "$(api GET /api/v1/users/admin/quota "$U" | cut -d' ' -f1)" = 403
ok_if "an administrator sets it to 0" is 0 field maxSessions PUT "/api/v1/users/$cid/quota" "$ADM" '{"maxSessions":0}'
ok_if "... and a launch is refused: 403 quota_exceeded" \
    is quota_exceeded field error POST /api/v1/sessions "$U" '{"template":"firefox"}'
ok_if "a bad quota: 400; a user setting one: 403; no such user: 404" \
    test "$(api PUT "/api/v1/users/$cid/quota" "$ADM" '{"maxSessions":-1}' | cut -d' ' -f1) $(api PUT "/api/v1/users/$cid/quota" "$U" '{"maxSessions":9}' | cut -d' ' -f1) $(api PUT /api/v1/users/nosuch/quota "$ADM" '{"maxSessions":1}' | cut -d' ' -f1)" = "400 403 404"
a=$(api GET "/api/v1/admin/audit?user=carol&limit=50" "$ADM" | cut -d' ' -f2-)
ok_if "the audit log by user name, with the name in each entry" \
    test "$(json count <<< "$a") $(json entries.0.username <<< "$a")" = "2 carol"
ok_if "... by a piece of the action or the name a login was for" \
    is "POST /api/v1/templates/import" field entries.0.action GET "/api/v1/admin/audit?search=templates/imp" "$ADM"
ok_if "... since a time: nothing from the future" \
    test "$(api GET "/api/v1/admin/audit?since=2999-01-01T00:00:00Z" "$ADM" | cut -d' ' -f2- | json count)" = 0
ok_if "... until a time: everything before now" \
    test "$(api GET "/api/v1/admin/audit?until=2999-01-01T00:00:00Z&limit=1" "$ADM" | cut -d' ' -f2- | json count)" = 1
ok_if "... a malformed time: 400" test "$(api GET "/api/v1/admin/audit?since=yesterday-ish" "$ADM" | cut -d' ' -f1)" = 400

# A page loads many things at once: a request waiting for the database
# (an API key is checked there every time) keeps its route's parameters
# while static files are routed meanwhile.
key=$(api POST /api/v1/api-keys "$U" '{"name":"parallel"}' | cut -d' ' -f2- | json key)
urls=()
for i in $(seq 1 40); do
	urls+=(-o /dev/null "$SSD_URL/api/v1/users/me" -o /dev/null "$SSD_URL/ui/js/pages/admin-agents.js")
done
codes=$(curl -s -Z --parallel-max 80 -H "X-API-Key: $key" -w '%{url_effective} %{http_code}\n' "${urls[@]}" |
    grep '/users/me ' | sort | uniq -c | tr '\n' ' ')
ok_if "80 requests at once: every /users/me answered for its caller ($codes)" \
    test "$(echo $codes)" = "40 $SSD_URL/api/v1/users/me 200"

# web_cookie_secure = yes (a TLS front end on this host): Secure, __Host-.
ssd_stop
ssd_start "web_cookie_secure = yes" "web_origin = https://ssd.example.org"
setc=$(curl -s -D - -o /dev/null -H 'Origin: https://ssd.example.org' -H 'Content-Type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$ADMIN_PASSWORD\"}" "$SSD_URL/api/v1/auth/session" | tr -d '\r' | hdr Set-Cookie)
ok_if "web_cookie_secure = yes: __Host-ssd, Secure ($setc)" \
    bash -c 'grep -qE "^__Host-ssd=[^;]+; Path=/; Max-Age=[0-9]+; HttpOnly; SameSite=Strict; Secure$" <<< "$1"' _ "$setc"
ck=$(sed -E 's/^__Host-ssd=([^;]*);.*/\1/' <<< "$setc")
ok_if "web_origin: its origin may change things, the Host's may not" \
    test "$(code /api/v1/api-keys -X POST -H "Cookie: __Host-ssd=$ck" -H 'Origin: https://ssd.example.org' -H 'Content-Type: application/json' -d '{"name":"o"}') $(code /api/v1/api-keys -X POST -H "Cookie: __Host-ssd=$ck" -H "$O" -H 'Content-Type: application/json' -d '{"name":"o"}')" = "201 403"
ok_if "... the plain name is not the cookie any more" test "$(code /api/v1/users/me -H "Cookie: ssd=$ck")" = 401
ok_if "ssd-api never answered 500" bash -c "! grep -q -- '-> 500' '$T/ssd.log'"
finish
