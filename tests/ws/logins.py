#!/usr/bin/python3
"""logins.py - login attempts for the abuse tests, from a chosen local
address: N attempts, PARALLEL at a time (each on its own connection, all
sent before any answer is read), or one after another on one kept-alive
connection with PARALLEL 0.  USER "*" is a new random name each time.
Prints how many of each status came back, e.g. "401:5 429:95".
Usage: logins.py PORT FROM USER PASSWORD N PARALLEL"""
import collections
import http.client
import json
import os
import socket
import sys


def body(user, password):
    if user == "*":
        user = "r" + os.urandom(6).hex()
    return json.dumps({"username": user, "password": password})


def burst(port, src, user, password, n):
    """All n requests written first, then every answer read."""
    conns = []
    for _ in range(n):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60,
                                       source_address=(src, 0))
        c.request("POST", "/api/v1/auth/login", body(user, password),
                  {"Content-Type": "application/json"})
        conns.append(c)
    codes = []
    for c in conns:
        try:
            codes.append(c.getresponse().status)
        except (OSError, http.client.HTTPException):
            codes.append("lost")
        c.close()
    return codes


def sequence(port, src, user, password, n):
    """n requests one after another, on one connection while it lasts."""
    codes, c = [], None
    for _ in range(n):
        if c is None:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=60,
                                           source_address=(src, 0))
        try:
            c.request("POST", "/api/v1/auth/login", body(user, password),
                      {"Content-Type": "application/json"})
            r = c.getresponse()
            r.read()
            codes.append(r.status)
            if r.getheader("Connection", "").lower() == "close":
                c.close()
                c = None
        except (OSError, http.client.HTTPException, socket.timeout):
            codes.append("lost")
            c.close()
            c = None
    return codes


def main():
    port, src, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3], \
        sys.argv[4]
    n, parallel = int(sys.argv[5]), int(sys.argv[6])
    codes = []
    if parallel == 0:
        codes = sequence(port, src, user, password, n)
    else:
        while len(codes) < n:
            codes += burst(port, src, user, password,
                           min(parallel, n - len(codes)))
    count = collections.Counter(str(c) for c in codes)
    print(" ".join(f"{k}:{count[k]}" for k in sorted(count)))


if __name__ == "__main__":
    main()
