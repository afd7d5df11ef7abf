"""Stand-in for web.utils: a dict subclass that pickles as web.py's Storage does.

Pickling only looks at the class's module, name and that it is a plain dict
subclass without instance state, so this behaves exactly like web.py 0.76's
Storage under pickle.dumps / pickle.loads.
"""


class Storage(dict):
    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError as k:
            raise AttributeError(k)

    def __setattr__(self, key, value):
        self[key] = value

    def __delattr__(self, key):
        try:
            del self[key]
        except KeyError as k:
            raise AttributeError(k)

    def __repr__(self):
        return "<Storage " + dict.__repr__(self) + ">"


storage = Storage
