"""store.py - the object store ("etcd"): objects per (resource, namespace,
name), one global resourceVersion counter, a bounded event history whose
oldest entry sets the compaction floor, and the watchers that events are
fanned out to.  Every write goes through commit_*; stored dicts are never
modified in place (readers get them or copies), so history entries stay
valid snapshots.  One lock (RLock) guards everything; `changed` is
notified on every write so the controllers wake up."""
import base64
import collections
import copy
import json
import queue
import threading

from . import meta
from .meta import already_exists, conflict, expired, not_found
from .selectors import fields_match, labels_match

Event = collections.namedtuple("Event", "rv resource type obj old")


class Watcher:
    """One watch stream's queue.  Items are ("event", type, obj) or
    ("end", why); why is "timeout", "drop", "reset", "expire" or
    "overflow"."""

    def __init__(self, resource, namespace, label_reqs, field_reqs, maxq):
        self.resource, self.namespace = resource, namespace
        self.label_reqs, self.field_reqs = label_reqs, field_reqs
        self.q = queue.Queue()
        self.maxq = maxq
        self.ended = False

    def matches(self, obj):
        if obj is None:
            return False
        md = obj["metadata"]
        if self.namespace and md.get("namespace") != self.namespace:
            return False
        return labels_match(self.label_reqs, md.get("labels")) and \
            fields_match(self.field_reqs, obj)

    def offer(self, ev):
        """Queues the event as this watcher sees it (an object that stops
        matching the selector is DELETED for it, one that starts is
        ADDED)."""
        if self.ended or ev.resource != self.resource:
            return
        new_ok = self.matches(ev.obj)
        old_ok = self.matches(ev.old) if ev.type == "MODIFIED" else new_ok
        if ev.type == "MODIFIED":
            typ = ("MODIFIED" if new_ok else "DELETED") if old_ok else \
                ("ADDED" if new_ok else None)
        else:
            typ = ev.type if new_ok else None
        if typ is None:
            return
        if self.q.qsize() >= self.maxq:
            self.end("overflow")
            return
        self.q.put(("event", typ, ev.obj))

    def put_raw(self, item):
        self.q.put(item)

    def end(self, why):
        if self.ended:
            return
        self.ended = True
        with self.q.mutex:
            self.q.queue.clear()
        self.q.put(("end", why))


def strip_for_list(obj):
    """Items of a list carry no kind/apiVersion."""
    return {k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}


class Store:
    def __init__(self, max_history=1000, watch_queue=10000):
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.rv = 1
        self.floor = 1
        self.objects = {r: {} for r in meta.RESOURCES}
        self.uids = {}
        self.history = collections.deque()
        self.max_history = max_history
        self.watch_queue = watch_queue
        self.watchers = set()

    # ------------------------------------------------------------ reads

    def get(self, resource, ns, name):
        with self.lock:
            o = self.objects[resource].get((ns, name))
            return copy.deepcopy(o) if o is not None else None

    def get_or_404(self, resource, ns, name):
        o = self.get(resource, ns, name)
        if o is None:
            raise not_found(resource, name)
        return o

    def by_uid(self, uid):
        """(resource, object) for a uid, or (None, None)."""
        with self.lock:
            key = self.uids.get(uid)
            if key is None:
                return None, None
            return key[0], self.objects[key[0]].get(key[1])

    def items(self, resource, ns=None):
        """The stored objects (not copies: do not modify)."""
        with self.lock:
            return [o for (n, _), o in sorted(self.objects[resource].items())
                    if ns is None or n == ns]

    def list(self, resource, ns, label_reqs, field_reqs, limit=0, cont=None):
        """-> (list metadata, items) with limit/continue paging."""
        with self.lock:
            start, list_rv = None, self.rv
            if cont:
                try:
                    tok = json.loads(base64.urlsafe_b64decode(cont.encode()))
                    start, list_rv = tuple(tok["start"]), int(tok["rv"])
                    if len(start) != 2:
                        raise ValueError(start)
                except (ValueError, KeyError, TypeError):
                    raise meta.bad_request("continue key is not valid: "
                                           "malformed continue token") from None
                if list_rv < self.floor:
                    raise expired(
                        "The provided continue parameter is too old to display"
                        " a consistent list result. You can start a new list "
                        "without the continue parameter, or use the continue "
                        "token in this response to retrieve the remainder of "
                        "the results. Continuing with the provided token "
                        "results in an inconsistent list - objects that were "
                        "created, modified, or deleted between the time the "
                        "first chunk was returned and now may show up in the "
                        "list.")
            out = []
            for (n, name), o in sorted(self.objects[resource].items()):
                if ns is not None and n != ns:
                    continue
                if start is not None and (n, name) <= start:
                    continue
                if labels_match(label_reqs, o["metadata"].get("labels")) and \
                        fields_match(field_reqs, o):
                    out.append(o)
            lmeta = {"resourceVersion": str(list_rv)}
            if limit and len(out) > limit:
                last = out[limit - 1]["metadata"]
                tok = {"rv": list_rv,
                       "start": [last["namespace"], last["name"]]}
                lmeta["continue"] = base64.urlsafe_b64encode(
                    json.dumps(tok).encode()).decode()
                lmeta["remainingItemCount"] = len(out) - limit
                out = out[:limit]
            return lmeta, [strip_for_list(o) for o in out]

    # ----------------------------------------------------------- writes

    def _emit(self, typ, resource, obj, old):
        ev = Event(self.rv, resource, typ, obj, old)
        self.history.append(ev)
        while len(self.history) > self.max_history:
            self.floor = self.history.popleft().rv
        for w in list(self.watchers):
            w.offer(ev)
        self.changed.notify_all()

    def _bump(self, obj):
        self.rv += 1
        obj["metadata"]["resourceVersion"] = str(self.rv)

    def commit_create(self, resource, obj):
        with self.lock:
            md = obj["metadata"]
            key = (md["namespace"], md["name"])
            if key in self.objects[resource]:
                raise already_exists(resource, md["name"])
            obj = copy.deepcopy(obj)
            self._bump(obj)
            self.objects[resource][key] = obj
            self.uids[md["uid"]] = (resource, key)
            self._emit("ADDED", resource, obj, None)
            return copy.deepcopy(obj)

    def commit_update(self, resource, obj, expect_rv=None):
        """Stores a new version; a no-op update keeps the old
        resourceVersion and emits nothing, like the apiserver.  An object
        being deleted (with no grace period left) whose last finalizer went
        away is removed."""
        with self.lock:
            md = obj["metadata"]
            key = (md["namespace"], md["name"])
            cur = self.objects[resource].get(key)
            if cur is None or cur["metadata"]["uid"] != md["uid"]:
                raise not_found(resource, md["name"])
            if expect_rv and expect_rv != cur["metadata"]["resourceVersion"]:
                raise conflict(resource, md["name"])
            obj = copy.deepcopy(obj)
            obj["metadata"]["resourceVersion"] = cur["metadata"]["resourceVersion"]
            if obj == cur:
                return copy.deepcopy(cur)
            if obj["metadata"].get("deletionTimestamp") and \
                    not obj["metadata"].get("finalizers") and \
                    not obj["metadata"].get("deletionGracePeriodSeconds"):
                return self._remove(resource, key, obj)
            self._bump(obj)
            self.objects[resource][key] = obj
            self._emit("MODIFIED", resource, obj, cur)
            return copy.deepcopy(obj)

    def _remove(self, resource, key, last):
        last = copy.deepcopy(last)
        self._bump(last)
        del self.objects[resource][key]
        self.uids.pop(last["metadata"]["uid"], None)
        self._emit("DELETED", resource, last, None)
        return copy.deepcopy(last)

    def commit_delete(self, resource, ns, name, uid=None):
        """Removes the object now; returns its last state, or None when it
        is gone (or has another uid)."""
        with self.lock:
            cur = self.objects[resource].get((ns, name))
            if cur is None or (uid and cur["metadata"]["uid"] != uid):
                return None
            return self._remove(resource, (ns, name), cur)

    def mutate(self, resource, ns, name, fn, uid=None):
        """Read-modify-write under the lock for controllers: fn gets a copy
        and returns the new object (or None for no change)."""
        with self.lock:
            cur = self.objects[resource].get((ns, name))
            if cur is None or (uid and cur["metadata"]["uid"] != uid):
                return None
            new = fn(copy.deepcopy(cur))
            if new is None:
                return copy.deepcopy(cur)
            return self.commit_update(resource, new)

    # ------------------------------------------------------------ watch

    def watch(self, resource, ns, label_reqs, field_reqs, rv,
              initial_events=False):
        """Registers a watcher.  rv None/""/"0" (or initial_events): the
        current objects arrive first as ADDED (with initial_events followed
        by an ("initial-end", rv) marker).  An rv below the compaction floor
        raises 410 Expired (sent in-stream by the caller)."""
        w = Watcher(resource, ns, label_reqs, field_reqs, self.watch_queue)
        with self.lock:
            if rv in (None, "", "0") or initial_events:
                for o in self.items(resource, ns):
                    if w.matches(o):
                        w.put_raw(("event", "ADDED", o))
                if initial_events:
                    w.put_raw(("initial-end", str(self.rv)))
            else:
                try:
                    r = int(rv)
                except ValueError:
                    raise meta.bad_request(f'invalid resource version '
                                           f'"{rv}"') from None
                if r < self.floor:
                    raise expired(f"too old resource version: {r} "
                                  f"({self.floor})")
                for ev in self.history:
                    if ev.rv > r:
                        w.offer(ev)
            self.watchers.add(w)
            return w

    def unwatch(self, w):
        with self.lock:
            self.watchers.discard(w)

    def bookmark_rv(self, w):
        """An RV safe to bookmark for w: every event up to it has been
        handed to w (None while w still has events queued)."""
        with self.lock:
            return str(self.rv) if w.q.empty() else None

    def end_watches(self, why):
        with self.lock:
            ws = list(self.watchers)
        for w in ws:
            w.end(why)
        return len(ws)

    def compact(self):
        """Drops the history: every RV before now becomes too old."""
        with self.lock:
            self.history.clear()
            self.floor = self.rv
            return self.floor
