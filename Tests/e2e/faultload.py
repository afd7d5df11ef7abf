"""What the fault suite (faults.py) and the HA test (ha.py) run beside the daemon.

- Proxy: a TCP proxy on loopback between the daemon and PostgreSQL. `cut()` makes it stop
  reading and forwarding in both directions without closing anything (bytes stay in the kernel's
  buffers, new connections are accepted but not forwarded): to both ends this is a network that
  silently drops every packet; TCP keepalives are answered by the proxy's kernel, so only the
  daemon's own heartbeat can tell. `restore()` forwards what was kept, as TCP's retransmissions
  would deliver it after a real cut.
- Load: a steady web.py write load. Each writer thread saves sessions through web.py's own
  `web.session.DBStore` (SELECT, then UPDATE or INSERT of base64(pickle) with atime), reads some
  (DBStore.__getitem__: an UPDATE of atime only), and kills some (session.kill(): DELETE). A
  fraction of the writes can be hostile pickles instead. Every committed write is recorded with
  its data hash (sha256 of the stored bytes, as session_syncd.data_hash computes it) and the
  time its commit returned.
- Tracker: polls session_fields and tells, for every recorded write, when it was mirrored (the
  row's data_hash is this write's or a later write's of the same session; a kill: no row). From
  it: writes made, writes synced, the lag of the oldest write not yet mirrored, convergence.
"""
import base64
import datetime
import decimal
import hashlib
import pickle
import random
import select
import socket
import threading
import time

import psycopg2
import web

import harness
from harness import Storage

USERS = list(range(1, 41))
NO_USER = 999
PAGES = ["index", "catalog", "product/17", "cart", "checkout", "profile", "help", "caf\u00e9/menu"]


# ---------------------------------------------------------------- the proxy

class Proxy:
    """127.0.0.1:<port> -> 127.0.0.1:<upstream>, one thread per direction of each connection."""

    def __init__(self, upstream_port):
        self.upstream = upstream_port
        self.flowing = threading.Event()
        self.flowing.set()
        self.closed = False
        self.lock = threading.Lock()
        self.pairs = []
        self.accepted = 0
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self):
        self.flowing.clear()

    def restore(self):
        self.flowing.set()

    def set_upstream(self, port):
        self.upstream = port

    def _wait_flowing(self):
        while not self.closed and not self.flowing.wait(0.1):
            pass
        return not self.closed

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._connect, args=(client,), daemon=True).start()

    def _connect(self, client):
        if not self._wait_flowing():
            client.close()
            return
        try:
            server = socket.create_connection(("127.0.0.1", self.upstream), 5)
            server.settimeout(None)
        except OSError:
            client.close()
            return
        pair = [client, server]
        with self.lock:
            self.pairs.append(pair)
        for src, dst in ((client, server), (server, client)):
            threading.Thread(target=self._pump, args=(src, dst, pair), daemon=True).start()

    def _pump(self, src, dst, pair):
        try:
            while self._wait_flowing():
                r, _, _ = select.select([src], [], [], 0.1)
                if not r or not self.flowing.is_set():
                    continue
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except (OSError, ValueError):
            pass
        for s in pair:
            try:
                s.close()
            except OSError:
                pass
        with self.lock:
            if pair in self.pairs:
                self.pairs.remove(pair)

    def close(self):
        self.closed = True
        self.flowing.set()
        self.sock.close()
        with self.lock:
            for pair in self.pairs:
                for s in pair:
                    try:
                        s.close()
                    except OSError:
                        pass


# ---------------------------------------------------------------- hostile pickles

def _b64(raw):
    return base64.encodebytes(raw).decode("ascii")


def hostile_data(rng, n):
    """A sessions.data value an attacker (or a broken writer) could store; unique per n."""
    tag = ("%d" % n).encode()
    kind = n % 7
    if kind == 0:   # calls os.system on load
        return _b64(b"cos\nsystem\n(S'echo pwned " + tag + b"'\ntR.")
    if kind == 1:   # a valid session pickle cut in half
        raw = pickle.dumps({"uid": 1, "current_page": "x" * 40 + tag.decode(), "n": n}, protocol=4)
        return _b64(raw[:len(raw) // 2])
    if kind == 2:   # not base64 at all
        return "!!! not base64 %d !!!\n" % n
    if kind == 3:   # random bytes
        return _b64(bytes(rng.getrandbits(8) for _ in range(200)) + tag)
    if kind == 4:   # builtins.eval
        return _b64(b"\x80\x04cbuiltins\neval\n(V__import__('os').system('id') #" + tag + b"\ntR.")
    if kind == 5:   # a pickle whose top level is a list, not a dict
        return _b64(pickle.dumps(["uid", 1, n], protocol=4))
    # an unknown opcode after a valid prefix
    return _b64(b"\x80\x04}\x94(\x8c\x03uid\x94K\x01\xff" + tag + b".")


# ---------------------------------------------------------------- the write load

def session_value(rng, seq, sid_n):
    uid = NO_USER if sid_n % 29 == 5 else USERS[sid_n % len(USERS)]
    d = {"uid": uid, "username": "user%d" % uid, "current_page": "%s/%d" % (rng.choice(PAGES), seq),
         "user_role": rng.choice(["member", "admin", "editor"]), "ip": "192.0.2.%d" % (sid_n % 250), "seq": seq}
    if uid != NO_USER:
        d["user"] = Storage(id=uid, name="user%d" % uid, email="user%d@example.org" % uid,
                            balance=decimal.Decimal(uid * 7 % 10000) / 100,
                            created_at=datetime.datetime(2020, 1, 1) + datetime.timedelta(days=uid, microseconds=uid * 1013))
    if seq % 3 == 0:
        cart = [Storage(item=rng.choice(["tea", "book", "pen"]), qty=rng.randint(1, 5),
                        price=decimal.Decimal("%d.%02d" % (rng.randint(0, 99), rng.randint(0, 99))))
                for _ in range(rng.randint(1, 3))]
        d["cart"] = cart
        d["cart_total"] = sum((l.price * l.qty for l in cart), decimal.Decimal("0.00"))
    return d


def session_id(prefix, n):
    return hashlib.sha1(("%s-%d" % (prefix, n)).encode()).hexdigest()


class Load:
    """`threads` writers at `rate` writes/s in all over `pool` sessions (each thread its own
    share of the pool, so one session's writes commit in the order they are recorded)."""

    def __init__(self, db_params, prefix, pool=1000, rate=100, threads=2, seed=1, bytea=False):
        self.db_params = db_params  # web.database keywords
        self.prefix, self.pool, self.rate, self.threads, self.bytea = prefix, pool, rate, threads, bytea
        self.hostile_fraction = 0.0
        self.kill_fraction = 0.02
        self.tracker = None
        self.stopping = threading.Event()
        self.paused = threading.Event()
        self.seq = 0
        self.lock = threading.Lock()
        self.errors = 0         # failed writes (the server was down): not committed, not counted
        self.hostile = 0
        self.hostile_keys = set()   # sessions whose current data is hostile: never read through DBStore
        self.workers = []
        self.seed = seed

    def next_seq(self):
        with self.lock:
            self.seq += 1
            return self.seq

    def sid(self, n):
        return session_id(self.prefix, n)

    def encode(self, d):
        """What DBStore stores (web.session.Store.encode), as text."""
        return base64.encodebytes(pickle.dumps(d)).decode("ascii")

    def start(self):
        for i in range(self.threads):
            t = threading.Thread(target=self._run, args=(i,), daemon=True)
            t.start()
            self.workers.append(t)
        return self

    def stop(self):
        self.stopping.set()
        for t in self.workers:
            t.join(30)

    def _store(self):
        web.config.debug = False
        db = web.database(dbn="postgres", **self.db_params)
        db.printing = False
        return web.session.DBStore(db, "sessions")

    def _run(self, i):
        rng = random.Random(self.seed * 1000 + i)
        store = None
        period = self.threads / float(self.rate)
        mine = [n for n in range(self.pool) if n % self.threads == i]
        uncertain = None     # (key, text or None): a write whose commit the connection did not confirm
        next_at = time.monotonic()
        while not self.stopping.is_set():
            if self.paused.is_set():
                time.sleep(0.05)
                next_at = time.monotonic()
                continue
            now = time.monotonic()
            if now < next_at:
                time.sleep(next_at - now)
            next_at = max(next_at + period, time.monotonic() - 1.0)
            n = rng.choice(mine)
            key = self.sid(n)
            try:
                if store is None:
                    store = self._store()
                    if uncertain is not None:
                        self._settle(store, *uncertain)
                        uncertain = None
                r = rng.random()
                if r < self.kill_fraction:
                    uncertain = (key, None)
                    del store[key]                         # session.kill()
                    self.hostile_keys.discard(key)
                    self.tracker.record(key, None)
                elif r < self.kill_fraction + 0.1 and key in store:
                    if key in self.hostile_keys:
                        # DBStore.__getitem__ would pickle.loads it: run the attacker's os.system
                        # (it did, in this suite's first version). Its atime update only.
                        store.db.update("sessions", where="session_id=$key", atime=datetime.datetime.now(),
                                        vars={"key": key})
                    else:
                        store[key]                         # a read: DBStore updates atime only
                elif rng.random() < self.hostile_fraction:
                    seq = self.next_seq()
                    text = hostile_data(rng, seq)
                    uncertain = (key, text)
                    if key in store:
                        store.db.update("sessions", where="session_id=$key", data=text,
                                        atime=datetime.datetime.now(), vars={"key": key})
                    else:
                        store.db.insert("sessions", False, session_id=key, atime=datetime.datetime.now(), data=text)
                    self.hostile += 1
                    self.hostile_keys.add(key)
                    self.tracker.record(key, text)
                else:
                    seq = self.next_seq()
                    d = session_value(rng, seq, n)
                    uncertain = (key, self.encode(d))
                    store[key] = d                         # DBStore.__setitem__
                    self.hostile_keys.discard(key)
                    self.tracker.record(key, self.encode(d))
                uncertain = None
            except Exception:  # noqa: BLE001 (server down, failover: see _settle)
                self.errors += 1
                store = None
                time.sleep(0.1)

    def _settle(self, store, key, text):
        """After a write failed with the connection: did it commit? The session is this
        thread's alone, so the database's current value answers."""
        rows = list(store.db.select("sessions", what="data", where="session_id=$key", vars={"key": key}))
        have = rows[0].data if rows else None
        if have == text:
            self.tracker.record(key, text)


def data_hash(text):
    return hashlib.sha256(text.encode("utf-8")).digest()


class Tracker:
    """Every committed write, until session_fields shows it (or a later write of its session)."""

    def __init__(self, dsn, interval=0.2):
        self.dsn = dsn
        self.interval = interval
        self.lock = threading.Lock()
        self.pending = {}       # session id -> [(write number, commit time, hash or None for a kill)]
        self.made = 0           # writes recorded
        self.synced = 0         # writes mirrored (or superseded by a later mirrored write)
        self.dropped = 0        # writes the database lost (failover), see drop_lost
        self.samples = []       # (time, lag of the oldest pending write, pending sessions, its commit time)
        self.state = bytearray(1)   # by write number: 0 pending, 1 mirrored, 2 lost by the database
        self.history = None     # session id -> every write since keep_history() (failover only)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.stopping.set()
        self.thread.join(10)

    def record(self, key, text):
        t = time.monotonic()
        h = data_hash(text) if text is not None else None
        with self.lock:
            self.made += 1
            self.state.append(0)
            self.pending.setdefault(key, []).append((self.made, t, h))
            if self.history is not None:
                self.history.setdefault(key, []).append((self.made, t, h))

    def record_many(self, items, t):
        """items: [(key, text)] committed together at t (a bulk write)."""
        with self.lock:
            for key, text in items:
                self.made += 1
                self.state.append(0)
                entry = (self.made, t, data_hash(text))
                self.pending.setdefault(key, []).append(entry)
                if self.history is not None:
                    self.history.setdefault(key, []).append(entry)

    def _apply(self, rows):
        now = time.monotonic()
        with self.lock:
            for key in list(self.pending):
                entries = self.pending[key]
                have = rows.get(key)
                hit = -1
                for j in range(len(entries) - 1, -1, -1):
                    if entries[j][2] == have:
                        hit = j
                        break
                if hit >= 0:
                    self.synced += hit + 1
                    for e in entries[:hit + 1]:
                        self.state[e[0]] = 1
                    del entries[:hit + 1]
                if not entries:
                    del self.pending[key]
            oldest = min((e[0][1] for e in self.pending.values()), default=now)
            self.samples.append((now, now - oldest, len(self.pending), oldest))

    def poll(self, conn):
        """Only the pending sessions' rows (a session without a row reads as None: a kill)."""
        with self.lock:
            keys = list(self.pending)
        rows = {}
        if keys:
            cur = conn.cursor()
            cur.execute("SELECT rtrim(session_id), data_hash FROM session_fields WHERE session_id = ANY(%s)", (keys,))
            rows = {k: bytes(h) for k, h in cur.fetchall()}
        self._apply(rows)

    def _run(self):
        conn = None
        while not self.stopping.is_set():
            try:
                if conn is None:
                    conn = harness.connect(self.dsn, connect_timeout=3)
                self.poll(conn)
            except psycopg2.Error:
                try:
                    conn.close()
                except Exception:  # noqa: BLE001
                    pass
                conn = None
            self.stopping.wait(self.interval)
        if conn is not None:
            conn.close()

    def pending_latest(self):
        """session id -> (pending writes, the hash of its newest write or None for a kill)."""
        with self.lock:
            return {k: (len(e), e[-1][2]) for k, e in self.pending.items()}

    def pending_count(self):
        with self.lock:
            return sum(len(e) for e in self.pending.values())

    def counts(self):
        with self.lock:
            return self.made, self.synced, self.dropped

    def window(self, first, last):
        """Writes number first..last: (made, mirrored, lost by the database)."""
        with self.lock:
            part = self.state[first:last + 1]
        return len(part), part.count(1), part.count(2)

    def max_lag(self, since, until=None):
        with self.lock:
            return max((s[1] for s in self.samples if s[0] >= since and (until is None or s[0] <= until)), default=0.0)

    LIVE = 1.0

    def wait_converged(self, timeout, since):
        """The first sample after `since` at which every write made before `since`, and every
        write made more than LIVE s before the sample, is mirrored (the time of that sample);
        None after timeout. With the load paused: when nothing is pending."""
        end = time.monotonic() + timeout
        seen = 0
        while time.monotonic() < end:
            with self.lock:
                fresh = self.samples[seen:]
                seen = len(self.samples)
            for t, _, _, oldest in fresh:
                if t >= since and oldest >= max(since, t - self.LIVE):
                    return t
            time.sleep(0.05)
        return None

    def wait_empty(self, timeout):
        """Until nothing is pending (the load paused); False after timeout."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                if not self.pending:
                    return True
            time.sleep(0.05)
        return False

    def keep_history(self):
        """From now on remember every write also after it is mirrored, so that drop_lost finds
        the writes the database lost even when the daemon had already mirrored them on the old
        primary (it usually has: it is milliseconds behind)."""
        with self.lock:
            self.history = {}

    def drop_lost(self, truth):
        """Failover: `truth` is the new primary's sessions (id -> data hash). A write of ours
        that is neither what the new primary holds nor before it was committed on the old
        primary and never replicated: the database lost it, not the daemon (also when the
        daemon had mirrored it on the old primary: that mirror is gone with it). Only writes
        since keep_history() are looked at for mirrored ones. Returns how many."""
        lost = 0
        with self.lock:
            written = self.history if self.history is not None else self.pending
            for key in list(written):
                entries = written[key]
                have = truth.get(key)
                hit = -1
                for j in range(len(entries) - 1, -1, -1):
                    if entries[j][2] == have:
                        hit = j
                        break
                # Entries after `hit` are newer than what the new primary has: lost with the old one.
                for e in entries[hit + 1:]:
                    if self.state[e[0]] == 1:
                        self.synced -= 1
                    if self.state[e[0]] != 2:
                        self.state[e[0]] = 2
                        lost += 1
                if key in self.pending:
                    still = [e for e in self.pending[key] if self.state[e[0]] == 0]
                    if still:
                        self.pending[key] = still
                    else:
                        del self.pending[key]
            self.history = None
            self.dropped += lost
        return lost
