-- Tables of examples/webpy-app (PostgreSQL). The sessions table is web.py's DBStore
-- table as its documentation gives it; the users table is the app's own.
CREATE TABLE users (
    id         integer PRIMARY KEY,
    name       text NOT NULL,
    email      text NOT NULL,
    balance    numeric(12, 2) NOT NULL DEFAULT 0,
    created_at timestamp NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
    session_id char(128) UNIQUE NOT NULL,
    atime      timestamp NOT NULL DEFAULT current_timestamp,
    data       text
);
-- The other schema web.py users have (both work with DBStore and session-syncd):
--   session_id varchar(128) PRIMARY KEY, atime timestamp NOT NULL DEFAULT now(), data bytea
