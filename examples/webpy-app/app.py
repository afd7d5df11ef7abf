"""A web.py application whose sessions session-syncd mirrors (examples/webpy-app).

web.py (from PyPI) keeps its sessions in PostgreSQL with its own
web.session.DBStore; nothing here knows about session-syncd. The session
starts from the initializer of the recipe this project grew from
(uid 0, username '', current_page 'index', user_role 'invited'), and the
routes change it the way a shop's pages do:

    POST /login     uid=<int>&role=<text>   logs in: uid, username, user_role, and the
                                            user's row (web.utils.Storage: a Decimal
                                            balance, a datetime created_at) as session.user
    GET  /page/<name>                       navigates: current_page
    POST /cart      item=<text>&qty=<int>&price=<decimal>
                                            fills the cart: a list of Storage lines and the
                                            Decimal cart_total
    POST /logout                            session.kill(): the session row is deleted
    GET  /whoami                            the session as the app sees it (plain text)

Configuration (environment):
    PGHOST PGPORT PGUSER PGDATABASE PGPASSWORD   the database (libpq's variables)
    WEBPY_SESSIONS_TABLE                         the sessions table (default "sessions")
    WEBPY_APP_SECRET                             web.py's session secret_key

Run:  python app.py 127.0.0.1:8080     (web.py's built-in server, cheroot)
"""
import decimal
import os
import sys

import web

urls = (
    "/login", "Login",
    "/page/(.+)", "Page",
    "/cart", "Cart",
    "/logout", "Logout",
    "/whoami", "WhoAmI",
)

# The initializer of the recipe (docs: examples/webpy-app/README.md).
INITIALIZER = {"uid": 0, "username": "", "current_page": "index", "user_role": "invited"}

web.config.debug = False  # debug mode reloads modules and would make a second Session
web.config.session_parameters.update(
    secret_key=os.environ.get("WEBPY_APP_SECRET", "change me: examples/webpy-app"),
    ignore_change_ip=True,
    timeout=86400,
)


def database():
    """web.database on PostgreSQL (psycopg2) from libpq's environment variables."""
    params = {"dbn": "postgres", "db": os.environ.get("PGDATABASE", "postgres")}
    for key, env in (("user", "PGUSER"), ("pw", "PGPASSWORD"), ("host", "PGHOST"), ("port", "PGPORT")):
        if os.environ.get(env):
            params[key] = int(os.environ[env]) if key == "port" else os.environ[env]
    return web.database(**params)


db = database()
app = web.application(urls, globals())
store = web.session.DBStore(db, os.environ.get("WEBPY_SESSIONS_TABLE", "sessions"))
session = web.session.Session(app, store, initializer=dict(INITIALIZER))


class Login:
    def POST(self):
        form = web.input(uid="0", role="member")
        uid = int(form.uid)
        rows = list(db.select("users", what="id, name, email, balance, created_at", where="id = $uid",
                              vars={"uid": uid}))
        # A web.utils.Storage with a Decimal (balance) and a datetime (created_at),
        # exactly as web.py's db layer returns the row; None if no user has this id.
        session.user = rows[0] if rows else None
        session.uid = uid
        session.username = rows[0].name if rows else ""
        session.user_role = form.role
        session.current_page = "home"
        return "logged in %d\n" % uid


class Page:
    def GET(self, name):
        session.current_page = name
        return "on %s\n" % name


class Cart:
    def POST(self):
        form = web.input(item="", qty="1", price="0")
        line = web.utils.Storage(item=form.item, qty=int(form.qty), price=decimal.Decimal(form.price))
        cart = list(session.get("cart", []))
        cart.append(line)
        session.cart = cart
        session.cart_total = sum((l.price * l.qty for l in cart), decimal.Decimal("0.00"))
        return "cart %s\n" % session.cart_total


class Logout:
    def POST(self):
        session.kill()
        return "bye\n"


class WhoAmI:
    def GET(self):
        web.header("Content-Type", "text/plain; charset=utf-8")
        return "uid=%s role=%s page=%s\n" % (session.uid, session.user_role, session.current_page)


if __name__ == "__main__":
    host, _, port = (sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:8080").rpartition(":")
    web.httpserver.runsimple(app.wsgifunc(), (host or "127.0.0.1", int(port)))
